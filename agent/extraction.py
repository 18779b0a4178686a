"""What an extractor returns before verification: claims about one enterprise, each with evidence.

Both extractors fill this model: the LLM (through prompts/profile) and the offline extractor.
Nothing here is trusted until agent/verify.py has found every quote in its cited chunk.
Figures are not part of it: numbers are read from tables in code (agent/financials.py).
The model has no free-form dicts, so it can be sent as a strict JSON schema.
"""

from __future__ import annotations

from pydantic import Field

from eprof.agent.schema import DimensionScores, Party, RedFlag, TextClaim
from eprof.kernel.contract import Contract

__all__ = ["DimensionScores", "Extraction", "TextClaim"]


class Extraction(Contract):
    """The response schema of prompts/profile (`response_schema: Extraction`)."""

    industry: TextClaim | None = None
    main_business: TextClaim | None = None
    upstream: TextClaim | None = Field(None, description="what the enterprise buys and from which part of the chain")
    downstream: TextClaim | None = Field(None, description="who the enterprise sells to")
    parties: list[Party] = Field(default_factory=list, description="customers, suppliers, core enterprise, controlling shareholder")
    auditor: TextClaim | None = None
    audit_opinion: TextClaim | None = Field(None, description="e.g. standard unqualified, qualified, adverse, disclaimer")
    controlling_shareholder: TextClaim | None = None
    scores: DimensionScores = Field(default_factory=DimensionScores)
    red_flags: list[RedFlag] = Field(default_factory=list)
