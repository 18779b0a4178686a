"""The portfolio: every indexed enterprise with its grade, PD, decision, limit, red flags and last
document date, and the analyst's watch-list (persisted in the store as `watchlist.json`).

Rows come from the saved profiles (`eprof profile`) and the risk model's decision on them; an
enterprise without a saved profile is listed with that status rather than profiled on the spot,
so listing a portfolio never costs an extraction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from eprof.agent.profile import load_profile
from eprof.agent.schema import Severity
from eprof.kernel.config import Settings
from eprof.kernel.contract import Contract
from eprof.kernel.errors import NotFoundError
from eprof.kernel.files import atomic_write_text
from eprof.retrieval.schema import EnterpriseInfo
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy
from eprof.risk.run import decide_profile

SEVERITY_RANK = {Severity.critical: 4, Severity.high: 3, Severity.medium: 2, Severity.low: 1}


class PortfolioRow(Contract):
    enterprise_id: str
    name: str | None
    status: str
    """ok | no profile | no risk model"""
    grade: str | None = None
    pd: float | None = None
    decision: str | None = None
    limit: float | None = None
    flags: int = 0
    worst_severity: Severity | None = None
    last_document: dt.date | None = None
    watched: bool = False


def watchlist(settings: Settings) -> set[str]:
    path = settings.home / "watchlist.json"
    return set(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else set()


def set_watched(settings: Settings, enterprise_id: str, watched: bool) -> set[str]:
    """Add or remove one enterprise; the list is written atomically and returned."""
    ids = watchlist(settings)
    ids = ids | {enterprise_id} if watched else ids - {enterprise_id}
    atomic_write_text(settings.home / "watchlist.json", json.dumps(sorted(ids), ensure_ascii=False))
    return ids


def portfolio(settings: Settings, infos: Iterable[EnterpriseInfo], model: ScorecardModel | None, policy: Policy | None = None) -> list[PortfolioRow]:
    """One row per enterprise (see the module docstring)."""
    watched = watchlist(settings)
    rows = []
    for info in infos:
        dates = [d.published or d.ingested_at.date() for d in info.documents]
        row = PortfolioRow(enterprise_id=info.enterprise_id, name=info.name, status="no profile",
                           last_document=max(dates, default=None), watched=info.enterprise_id in watched)
        try:
            profile = load_profile(settings, info.enterprise_id)
        except NotFoundError:
            rows.append(row)
            continue
        worst = max((f.severity for f in profile.red_flags), key=SEVERITY_RANK.__getitem__, default=None)
        update: dict[str, object] = {"flags": len(profile.red_flags), "worst_severity": worst, "status": "no risk model"}
        if model is not None:
            decision = decide_profile(profile, model, policy).decision
            update |= {"status": "ok", "grade": decision.grade, "pd": decision.pd, "decision": decision.decision,
                       "limit": decision.limit.amount if decision.limit else None}
        rows.append(row.model_copy(update=update))
    return rows
