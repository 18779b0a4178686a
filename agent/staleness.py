"""How old a saved profile is, and whether documents were ingested after it.

A decision is only as current as the profile it scores; `decide` (CLI and service) states the
profile's age and the documents it has not read, so a reviewer can re-profile first.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from eprof.agent.profile import profile_path
from eprof.kernel.config import Settings
from eprof.kernel.contract import Contract
from eprof.retrieval.schema import EnterpriseInfo


class Staleness(Contract):
    profiled_at: dt.datetime = Field(description="when the profile was written (UTC)")
    age_hours: float = Field(ge=0)
    newer_documents: list[str] = Field(default_factory=list, description="sources ingested after the profile was written")

    @property
    def stale(self) -> bool:
        return bool(self.newer_documents)

    def line(self, enterprise_id: str) -> str:
        """One line for a person: the age, and what to run when documents are newer."""
        age = f"profile written {self.profiled_at:%Y-%m-%d %H:%M} UTC ({self.age_hours:,.1f} h ago)"
        if not self.stale:
            return f"{age}; no document was ingested since"
        return (f"{age}; {len(self.newer_documents)} document(s) ingested since ({', '.join(self.newer_documents[:3])}"
                f"{', …' if len(self.newer_documents) > 3 else ''}): re-profile with `eprof profile {enterprise_id}`")


def profile_staleness(settings: Settings, enterprise_id: str, info: EnterpriseInfo | None, now: dt.datetime | None = None) -> Staleness:
    written = dt.datetime.fromtimestamp(profile_path(settings, enterprise_id).stat().st_mtime, dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    newer = sorted(d.source for d in (info.documents if info else []) if d.ingested_at.replace(tzinfo=d.ingested_at.tzinfo or dt.UTC) > written)
    return Staleness(profiled_at=written.replace(microsecond=0), age_hours=round(max(0.0, (now - written).total_seconds()) / 3600, 2), newer_documents=newer)
