"""What LLM usage costs: per-1k-token prices for the cost estimates of batch runs and evaluations."""

from __future__ import annotations

from pydantic import Field

from eprof.agent.schema import Usage
from eprof.kernel.contract import Contract


class Prices(Contract):
    """Per-1k-token prices for the cost estimate (0 = not priced; the offline extractor uses none)."""

    prompt_per_1k: float = Field(0.0, ge=0)
    completion_per_1k: float = Field(0.0, ge=0)
    currency: str = "USD"

    def cost(self, usage: Usage) -> float:
        return round(usage.prompt_tokens / 1000 * self.prompt_per_1k + usage.completion_tokens / 1000 * self.completion_per_1k, 6)
