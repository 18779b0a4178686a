"""The flag overlay: verified red flags the scorecard cannot weigh still move the PD.

A flag type too rare in the training book (under about 5% of firms) never earns a bin of its own
(optbinning's minimum bin size), so the scorecard drops it with IV 0 and a going-concern opinion
or a bankruptcy filing would leave the PD where the ratios put it. The policy's `[flag_overlay]`
gives each such type a log odds ratio at high severity, scaled by severity, added to the
scorecard's calibrated log-odds:

    logit(PD) = logit(PD_scorecard) + sum over verified flags f of log_odds[f.type] x severity_scale[f.severity]

Only types the model does not weigh itself are added (no flag is counted twice), and only
verified flags exist here (extraction rejects flags without evidence), so an overlay can only
raise a PD, never lower it. Each term is listed in the decision with its flag's evidence.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from eprof.agent.schema import RedFlag
from eprof.risk.labels import FLAG_LABELS
from eprof.risk.policy import FlagOverlay
from eprof.risk.schema import Bilingual, OverlayTerm


def overlay_terms(overlay: FlagOverlay | None, model_features: Collection[str], red_flags: Sequence[RedFlag]) -> list[OverlayTerm]:
    """One term per verified flag whose type the overlay lists and the model does not weigh."""
    if overlay is None:
        return []
    terms = []
    for flag in red_flags:
        base = overlay.log_odds.get(flag.type)
        if base is None or f"flag_{flag.type.value}" in model_features:
            continue
        zh, en = FLAG_LABELS[flag.type]
        terms.append(OverlayTerm(type=flag.type, severity=flag.severity, label=Bilingual(zh=zh, en=en),
                                 log_odds=base * overlay.severity_scale[flag.severity], evidence=list(flag.evidence)))
    return terms


def apply_overlay(pd_scorecard: float, terms: Sequence[OverlayTerm]) -> float:
    """The scorecard's PD moved by the terms' summed log odds (identity without terms)."""
    shift = sum(t.log_odds for t in terms)
    if shift == 0:
        return pd_scorecard
    p = min(max(pd_scorecard, 1e-12), 1 - 1e-12)
    z = math.log(p / (1 - p)) + shift
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
