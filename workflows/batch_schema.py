"""The batch contracts: an applicant (one enterprise's manifest rows), its result file, the run
record (`run.json`), options and progress snapshots; and the columns of the CSV summaries."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from eprof.agent.llm import GatewayConfig
from eprof.agent.pricing import Prices
from eprof.agent.profile import DEFAULT_PROMPT, Extractor
from eprof.agent.schema import OperatingProfile, Usage
from eprof.kernel.contract import Contract
from eprof.retrieval.ingest import IngestJob, ManifestError
from eprof.retrieval.schema import IngestResult
from eprof.risk.run import DecisionRecord

APPLICANT_SCHEMA_VERSION = "batch-applicant/1"
RUN_SCHEMA_VERSION = "batch-run/1"
DECISION_COLUMNS = (
    "enterprise_id", "name", "pd", "score", "grade", "decision", "knockouts", "top_reasons",
    "red_flags", "red_flags_critical", "red_flags_high", "red_flags_medium", "red_flags_low", "status",
)
ERROR_COLUMNS = ("enterprise_id", "name", "stage", "line", "document", "message")
TOP_REASONS = 3

Status = Literal["ok", "failed"]
Stage = Literal["manifest", "ingest", "profile", "decide", "worker"]
"""worker: an error outside the stages (saving the profile failed; on Ray, a call whose actor died)."""
Engine = Literal["local", "ray"]


class Applicant(Contract):
    """One enterprise's manifest rows: its documents, and any of its rows that were invalid."""

    enterprise_id: str
    name: str | None = None
    documents: tuple[IngestJob, ...] = ()
    invalid_rows: tuple[ManifestError, ...] = ()


class Plan(Contract):
    applicants: list[Applicant]
    errors: list[ManifestError] = Field(description="invalid rows that name no enterprise")


class ApplicantError(Contract):
    stage: Stage
    message: str
    document: str | None = None
    line: int | None = None


class Timings(Contract):
    ingest_s: float = 0.0
    profile_s: float = 0.0
    decide_s: float = 0.0
    total_s: float = Field(0.0, description="from the start of ingest to the file being written")


class ApplicantResult(Contract):
    """What `applicants/<safe_name>.json` holds: the outcome for one applicant, ok or failed."""

    schema_version: Literal["batch-applicant/1"] = APPLICANT_SCHEMA_VERSION
    enterprise_id: str
    name: str | None
    status: Status
    fingerprint: str = Field(description="sha256 of the inputs; a re-run skips an ok applicant with the same one")
    run_id: str
    finished_at: dt.datetime
    documents: list[IngestResult] = Field(default_factory=list)
    profile: OperatingProfile | None = None
    decision: DecisionRecord | None = None
    errors: list[ApplicantError] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    timings: Timings = Field(default_factory=Timings)


class BatchOptions(Contract):
    extractor: Extractor | None = Field(None, description="None: llm when an endpoint is configured, else offline")
    engine: Engine = Field("local", description="local: threads in this process; ray: Ray actors, one per CPU, with threads")
    ray_address: str | None = Field(
        None, description="Ray cluster to join (auto, ray://host:10001); None: RAY_ADDRESS or a running local one, else a new local instance"
    )
    prompt: str = DEFAULT_PROMPT
    concurrency: int = Field(
        4, ge=1, le=256, description="LLM requests in flight, here or across the Ray actors (a quarter more applicants are worked on)"
    )
    rpm: int | None = Field(None, gt=0, description="requests per minute for the whole batch")
    tpm: int | None = Field(None, gt=0, description="tokens per minute for the whole batch")
    prices: Prices = Field(default_factory=Prices)
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)


class RunCounts(Contract):
    applicants: int
    processed: int = Field(description="run this time")
    skipped: int = Field(description="already done under the same inputs")
    ok: int = Field(description="ok now, skipped ones included")
    failed: int
    invalid_rows: int


class RunRecord(Contract):
    """`run.json`: what ran, with which versions, what it cost; written at the start and the end."""

    schema_version: Literal["batch-run/1"] = RUN_SCHEMA_VERSION
    run_id: str
    status: Literal["running", "finished"]
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    seconds: float | None = None
    manifest: str
    manifest_sha256: str
    eprof_version: str
    extractor: Extractor
    prompt: str | None
    prompt_hash: str | None
    llm_model: str | None
    risk_model_version: str
    policy_version: str
    engine: Engine = "local"
    concurrency: int
    rpm: int | None
    tpm: int | None
    counts: RunCounts
    decisions: dict[str, int] = Field(description="final decisions (approve/refer/decline) of the ok applicants")
    usage: Usage
    prices: Prices
    cost_estimate: float = Field(description="usage priced at `prices`, in prices.currency")


class BatchProgress(Contract):
    """A snapshot for a progress display, sent at the start and after each applicant."""

    total: int
    skipped: int
    ok: int = 0
    failed: int = 0
    last: ApplicantResult | None = None

    @property
    def remaining(self) -> int:
        return self.total - self.skipped - self.ok - self.failed
