"""The base of every typed boundary in eprof: frozen (records don't change in flight) and closed
(an unknown field is an error, not silently dropped)."""

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
