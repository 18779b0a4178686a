"""`eprof batch` end to end: real PDFs, the real store, a small trained risk model, the scripted
OpenAI server, and a kill -9 in the middle of a run."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eprof.agent.extraction import Extraction
from eprof.agent.profile import HITS_PER_TOPIC, TOPICS
from eprof.agent.rate_limit import RateLimiter
from eprof.workflows.batch import applicant_path, plan_batch
from eprof.workflows.batch_schema import DECISION_COLUMNS, ERROR_COLUMNS, ApplicantResult, RunRecord
from eprof.workflows.batch_search import batch_searcher
from eprof.workflows.batch_worker import pipeline_depth
from eprof.cli import app
from eprof.kernel.config import load_settings
from eprof.kernel.files import atomic_write_text
from eprof.retrieval.ingest import IngestJob, ingest_file
from eprof.retrieval.schema import DocType
from eprof.retrieval.search import Searcher
from eprof.risk.features import DIMENSIONS, EXPECTED_TRENDS
from eprof.risk.policy import load_policy
from eprof.risk.train import train, write_outputs
from tests.documents import statement_report
from tests.openai_server import OpenAIServer, Reply

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
runner = CliRunner()
ROOT = Path(__file__).parents[1]
HEADER = "enterprise_id,name,path,doc_type,published\n"
# What the scripted model says about every applicant: a score without quotes, which is not accepted.
EXTRACTION = Extraction.model_validate(
    {"scores": {"business_stability": {"score": 70, "rationale": "steady orders", "evidence": []}}}
).model_dump(mode="json")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small scorecard fitted on a synthetic book (a known logistic truth), as `eprof risk train` writes it."""
    rng = np.random.default_rng(3)
    n = 800
    X = pd.DataFrame({name: np.clip(rng.normal(60, 15, n).round(), 0, 100) for name in DIMENSIONS})
    X["debt_to_assets"] = rng.uniform(0.1, 1.1, n)
    X["net_margin"] = rng.normal(0.04, 0.08, n)
    X["flag_litigation"] = rng.poisson(0.3, n)
    z = -3 - 0.05 * (X["financial_health"] - 60) + 2.5 * (X["debt_to_assets"] - 0.6) - 6 * X["net_margin"] + 0.6 * X["flag_litigation"]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    X = X[["financial_health", "business_stability", "debt_to_assets", "flag_litigation"]]
    trends = {k: v for k, v in EXPECTED_TRENDS.items() if k in X.columns}
    trained = train(X, y, label="default", data_sha256="sha256:batch-test", policy=load_policy(), cv=2, monotonic_trends=trends)
    out = tmp_path_factory.mktemp("model")
    write_outputs(trained, out)
    return out


def write_applicants(folder: Path, ids: list[str], *, corrupt: str | None = None) -> Path:
    """One statement report per applicant (a corrupt PDF for `corrupt`), and the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, eid in enumerate(ids):
        pdf = folder / f"{eid.lower()}-2024.pdf"
        if eid == corrupt:
            pdf.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage, no xref, no trailer")
        else:
            statement_report(pdf, f"{eid.title()} Brakes Co., Ltd.", net_profit=f"{4_000 + 37 * i:,.2f}")
        lines.append(f"{eid},{eid.title()} Brakes Co.,{pdf.name},annual_report,2025-04-{10 + i}\n")
    manifest = folder / "applicants.csv"
    manifest.write_text(HEADER + "".join(lines), encoding="utf-8")
    return manifest


def read_csv(path: Path) -> list[dict[str, str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read Chinese"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def result(out: Path, eid: str) -> ApplicantResult:
    return ApplicantResult.model_validate_json(applicant_path(out, eid).read_text(encoding="utf-8"))


def run_record(out: Path) -> RunRecord:
    return RunRecord.model_validate_json((out / "run.json").read_text(encoding="utf-8"))


def chat_count(server: OpenAIServer, eid: str) -> int:
    return sum(eid in json.dumps(r.json["messages"], ensure_ascii=False) for r in server.chat_requests)


def use_server(monkeypatch: pytest.MonkeyPatch, server: OpenAIServer) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-key")
    monkeypatch.setenv("EPROF_MODEL", "scripted-model")


# ---------------------------------------------------------------- offline


def test_offline_batch_decides_each_applicant_and_isolates_a_corrupt_pdf(tmp_path: Path, model_dir: Path) -> None:
    manifest = write_applicants(tmp_path / "in", ["ALPHA", "BRAVO", "CHARLIE"], corrupt="CHARLIE")
    out = tmp_path / "out"
    run = runner.invoke(app, ["batch", str(manifest), "--out", str(out), "--extractor", "offline", "--model", str(model_dir)])
    assert run.exit_code == 1, run.output  # one applicant failed
    assert "failed CHARLIE" in run.output and "2 ok" in run.output

    for eid in ("ALPHA", "BRAVO"):
        ok = result(out, eid)
        assert ok.status == "ok" and not ok.errors and ok.profile and ok.decision
        assert ok.profile.extractor == "offline" and ok.profile.fiscal_year == "2024"
        assert ok.decision.decision.enterprise_id == eid and 0 < ok.decision.decision.pd < 1
        assert [d.status.value for d in ok.documents] == ["added"] and ok.timings.total_s > 0
    failed = result(out, "CHARLIE")
    assert failed.status == "failed" and failed.profile is None and failed.decision is None
    assert [(e.stage, e.document) for e in failed.errors] == [("ingest", "charlie-2024.pdf")]

    decisions = read_csv(out / "decisions.csv")
    assert tuple(decisions[0]) == DECISION_COLUMNS
    assert [(r["enterprise_id"], r["status"]) for r in decisions] == [("ALPHA", "ok"), ("BRAVO", "ok"), ("CHARLIE", "failed")]
    alpha = decisions[0]
    assert alpha["decision"] in ("approve", "refer", "decline") and alpha["grade"] and float(alpha["pd"]) == pytest.approx(result(out, "ALPHA").decision.decision.pd, abs=1e-6)
    assert int(alpha["red_flags"]) == len(result(out, "ALPHA").profile.red_flags) > 0
    assert decisions[2]["pd"] == "" and decisions[2]["decision"] == ""
    errors = read_csv(out / "errors.csv")
    assert tuple(errors[0]) == ERROR_COLUMNS
    assert [(e["enterprise_id"], e["stage"], e["document"]) for e in errors] == [("CHARLIE", "ingest", "charlie-2024.pdf")]

    record = run_record(out)
    assert record.status == "finished" and record.extractor == "offline" and record.prompt is None and record.llm_model is None
    assert record.counts.model_dump() == {"applicants": 3, "processed": 3, "skipped": 0, "ok": 2, "failed": 1, "invalid_rows": 0}
    assert record.usage.calls == 0 and record.cost_estimate == 0
    assert record.risk_model_version.startswith("scorecard-") and record.policy_version == load_policy().label
    assert sum(record.decisions.values()) == 2


def test_an_error_outside_the_stages_fails_the_applicant_not_the_run(tmp_path: Path, model_dir: Path) -> None:
    manifest = write_applicants(tmp_path / "in", ["HOTEL", "INDIA"])
    home = tmp_path / "home"
    home.mkdir()
    (home / "profiles").write_text("not a folder")  # saving a profile raises, after the decision
    out = tmp_path / "out"
    run = runner.invoke(app, ["batch", str(manifest), "--out", str(out), "--extractor", "offline", "--model", str(model_dir), "--store", str(home)])
    assert run.exit_code == 1 and "Traceback" not in run.output, run.output
    for eid in ("HOTEL", "INDIA"):
        failed = result(out, eid)
        assert failed.status == "failed" and [e.stage for e in failed.errors] == ["worker"]
        assert failed.errors[0].message.startswith(("FileExistsError", "NotADirectoryError"))
    assert [e["stage"] for e in read_csv(out / "errors.csv")] == ["worker", "worker"]
    assert run_record(out).counts.failed == 2


def test_invalid_manifest_rows_are_reported_by_line_and_the_valid_applicants_run(tmp_path: Path, model_dir: Path) -> None:
    folder = tmp_path / "in"
    write_applicants(folder, ["ALPHA", "BRAVO"])
    manifest = folder / "applicants.csv"
    manifest.write_text(
        HEADER
        + "ALPHA,Alpha Brakes Co.,alpha-2024.pdf,annual_report,2025-04-10\n"
        + "BRAVO,Bravo Brakes Co.,bravo-2024.pdf,annual_repot,2025-04-11\n"  # line 3: bad doc_type
        + ",Nameless Co.,x.pdf,annual_report,\n"  # line 4: no enterprise id
        + "BRAVO,Bravo Brakes Co.,bravo-2024.pdf,annual_report,not-a-date\n",  # line 5
        encoding="utf-8",
    )
    plan = plan_batch(manifest)
    assert [(a.enterprise_id, len(a.documents), [e.line for e in a.invalid_rows]) for a in plan.applicants] == [("ALPHA", 1, []), ("BRAVO", 0, [3, 5])]
    assert [e.line for e in plan.errors] == [4]

    out = tmp_path / "out"
    run = runner.invoke(app, ["batch", str(manifest), "--out", str(out), "--extractor", "offline", "--model", str(model_dir)])
    assert run.exit_code == 1, run.output
    assert result(out, "ALPHA").status == "ok"
    bravo = result(out, "BRAVO")  # its decision would rest on an incomplete set of documents
    assert bravo.status == "failed" and [(e.stage, e.line) for e in bravo.errors] == [("manifest", 3), ("manifest", 5)]
    errors = read_csv(out / "errors.csv")
    assert [(e["enterprise_id"], e["line"]) for e in errors] == [("", "4"), ("BRAVO", "3"), ("BRAVO", "5")]
    assert "doc_type" in errors[1]["message"] and "published" in errors[2]["message"]
    assert run_record(out).counts.invalid_rows == 3


def test_resume_skips_finished_applicants_and_redoes_changed_or_failed_ones(tmp_path: Path, model_dir: Path) -> None:
    folder = tmp_path / "in"
    manifest = write_applicants(folder, ["ALPHA", "BRAVO", "CHARLIE"], corrupt="CHARLIE")
    out = tmp_path / "out"
    command = ["batch", str(manifest), "--out", str(out), "--extractor", "offline", "--model", str(model_dir)]
    assert runner.invoke(app, command).exit_code == 1
    before = {eid: applicant_path(out, eid).stat().st_mtime_ns for eid in ("ALPHA", "BRAVO", "CHARLIE")}

    again = runner.invoke(app, command)
    assert again.exit_code == 1 and "2 applicant(s) already done, skipped" in again.output
    assert run_record(out).counts.model_dump() == {"applicants": 3, "processed": 1, "skipped": 2, "ok": 2, "failed": 1, "invalid_rows": 0}
    assert [applicant_path(out, e).stat().st_mtime_ns == before[e] for e in before] == [True, True, False]  # the failed one is retried

    statement_report(folder / "bravo-2024.pdf", "Bravo Brakes Co., Ltd.", net_profit="1,234.00")  # new content, same path
    third = runner.invoke(app, command)
    assert third.exit_code == 1
    assert run_record(out).counts.processed == 2 and applicant_path(out, "ALPHA").stat().st_mtime_ns == before["ALPHA"]
    profit = {(f.name, f.period): f.value for f in result(out, "BRAVO").profile.figures}[("net_profit", "2024")]
    assert profit == pytest.approx(1_234_000)


def test_no_risk_model_stops_before_any_work(tmp_path: Path) -> None:
    manifest = write_applicants(tmp_path / "in", ["ALPHA"])
    run = runner.invoke(app, ["batch", str(manifest), "--out", str(tmp_path / "out"), "--model", str(tmp_path / "nowhere")])
    assert run.exit_code == 1 and "no risk model" in run.output and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- LLM


def test_llm_batch_at_concurrency_4_survives_a_429_and_isolates_exhausted_retries(
    tmp_path: Path, model_dir: Path, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_server(monkeypatch, openai_server)
    ids = ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]
    manifest = write_applicants(tmp_path / "in", ids)
    openai_server.script([Reply.status(429, retry_after=0.05), Reply.json(EXTRACTION).slow(0.2)], when="ALPHA")
    openai_server.script([Reply.json(EXTRACTION).slow(0.2)], when="BRAVO")
    openai_server.script([Reply.status(503, retry_after=0.01)] * 4, when="CHARLIE")  # every attempt fails
    openai_server.script([Reply.json(EXTRACTION).slow(0.2)], when="DELTA")
    out = tmp_path / "out"
    run = runner.invoke(app, [
        "batch", str(manifest), "--out", str(out), "--extractor", "llm", "--model", str(model_dir), "--concurrency", "4",
        "--rpm", "600", "--tpm", "10000000", "--price-prompt", "1.0", "--price-completion", "2.0",
    ])
    assert run.exit_code == 1, run.output

    assert {eid: result(out, eid).status for eid in ids} == {"ALPHA": "ok", "BRAVO": "ok", "CHARLIE": "failed", "DELTA": "ok"}
    assert {eid: chat_count(openai_server, eid) for eid in ids} == {"ALPHA": 2, "BRAVO": 1, "CHARLIE": 4, "DELTA": 1}
    alpha = result(out, "ALPHA")
    assert alpha.profile.extractor == "llm" and [r.field for r in alpha.profile.rejected] == ["scores.business_stability"]  # no quotes
    assert alpha.profile.prompt == "profile@v1" and alpha.decision.prompt_hash == alpha.profile.prompt_hash
    charlie = result(out, "CHARLIE")
    assert charlie.errors[0].stage == "profile" and "4 attempt(s)" in charlie.errors[0].message and "503" in charlie.errors[0].message

    record = run_record(out)
    assert (record.extractor, record.llm_model, record.prompt) == ("llm", "scripted-model", "profile@v1")
    assert record.prompt_hash and record.prompt_hash.startswith("sha256:") and (record.rpm, record.tpm, record.concurrency) == (600, 10_000_000, 4)
    assert (record.usage.calls, record.usage.prompt_tokens, record.usage.completion_tokens) == (3, 150, 60)
    assert record.cost_estimate == pytest.approx(150 / 1000 * 1.0 + 60 / 1000 * 2.0)
    assert record.counts.ok == 3 and record.counts.failed == 1
    assert openai_server.pending == 0
    assert all("sk-test-secret-key" not in p.read_text() for p in out.rglob("*") if p.is_file())


def test_llm_requests_in_flight_never_exceed_the_concurrency_though_more_applicants_are_worked_on(
    tmp_path: Path, model_dir: Path, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At --concurrency 2 three applicants are worked on at once: the third is searched while two
    requests wait, and its own request leaves only when one of them comes back. Replies take 1.5 s so
    that, even on a loaded machine, the second request leaves while the first is still out."""
    assert [pipeline_depth(c) for c in (1, 2, 4, 8, 32)] == [2, 3, 5, 10, 40]
    use_server(monkeypatch, openai_server)
    ids = ["ECHO", "FOXTROT", "GOLF", "HOTEL", "INDIA"]
    manifest = write_applicants(tmp_path / "in", ids)
    openai_server.script([Reply.json(EXTRACTION).slow(1.5)] * len(ids))
    out = tmp_path / "out"
    run = runner.invoke(app, ["batch", str(manifest), "--out", str(out), "--extractor", "llm", "--model", str(model_dir), "--concurrency", "2"])
    assert run.exit_code == 0, run.output
    assert openai_server.peak_in_flight == 2
    assert [r["status"] for r in read_csv(out / "decisions.csv")] == ["ok"] * len(ids)


def test_kill_9_mid_run_loses_only_applicants_in_flight_and_the_rerun_completes_the_rest(
    tmp_path: Path, model_dir: Path, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_server(monkeypatch, openai_server)
    ids = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT"]
    manifest = write_applicants(tmp_path / "in", ids)
    for eid in ids:  # a second answer for whoever is in flight when the process dies
        openai_server.script([Reply.json(EXTRACTION).slow(1.0)] * 2, when=eid)
    out = tmp_path / "out"
    command = ["batch", str(manifest), "--out", str(out), "--extractor", "llm", "--model", str(model_dir), "--concurrency", "2"]
    process = subprocess.Popen(
        [sys.executable, "-c", "from eprof.cli import main; main()", *command],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "applicants").glob("*.json"))) < 2:
            assert process.poll() is None and time.monotonic() < deadline, "the batch ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    for path in (p for p in out.rglob("*") if p.is_file() and not p.name.endswith(".tmp")):
        if path.suffix == ".json":
            (ApplicantResult if path.parent.name == "applicants" else RunRecord).model_validate_json(path.read_text())
        else:
            raise AssertionError(f"unexpected file after the kill: {path}")  # summaries are written only at the end
    assert run_record(out).status == "running"
    finished = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (out / "applicants").glob("*.json")}
    assert 2 <= len(finished) < len(ids)

    rerun = runner.invoke(app, command)
    assert rerun.exit_code == 0, rerun.output
    record = run_record(out)
    assert record.counts.ok == len(ids) and record.counts.skipped == len(finished) and record.counts.processed == len(ids) - len(finished)
    assert all((out / "applicants" / name).read_bytes() == content for name, (content, _) in finished.items())
    assert all((out / "applicants" / name).stat().st_mtime_ns == mtime for name, (_, mtime) in finished.items())
    done_first = {eid for eid in ids if applicant_path(out, eid).name in finished}
    counts = {eid: chat_count(openai_server, eid) for eid in ids}
    assert all(counts[eid] == 1 for eid in done_first), counts  # never processed twice
    assert all(1 <= n <= 2 for n in counts.values()), counts  # in flight at the kill: asked again at most once
    assert [r["status"] for r in read_csv(out / "decisions.csv")] == ["ok"] * len(ids)
    assert not [p for p in out.rglob("*.tmp")]


# ---------------------------------------------------------------- retrieval


def test_atomic_writes_get_the_mode_a_plain_write_gives(tmp_path: Path) -> None:
    atomic_write_text(tmp_path / "atomic.json", "{}")
    (tmp_path / "plain.json").write_text("{}")
    assert (tmp_path / "atomic.json").stat().st_mode == (tmp_path / "plain.json").stat().st_mode
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left behind


def test_batch_searcher_answers_the_topic_searches_together_exactly_as_one_by_one(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "store")
    plain = Searcher.open(settings)
    for eid in ("ALPHA", "BRAVO"):
        pdf = statement_report(tmp_path / f"{eid.lower()}.pdf", f"{eid.title()} Brakes Co., Ltd.")
        ingest_file(plain.store, plain.embedder, IngestJob(enterprise_id=eid, path=pdf, doc_type=DocType.annual_report))
    one_by_one = [plain.search("ALPHA", topic, k=HITS_PER_TOPIC) for topic in TOPICS]
    assert plain.search_many("ALPHA", TOPICS, k=HITS_PER_TOPIC) == one_by_one
    batch = batch_searcher(settings)  # one read of ALPHA's chunks serves the searches and the profile
    assert batch.search_many("ALPHA", TOPICS, k=HITS_PER_TOPIC) == one_by_one
    assert {h.enterprise_id for hits in one_by_one for h in hits} == {"ALPHA"} and sum(map(len, one_by_one)) > len(TOPICS)
    info = plain.store.enterprise("ALPHA")
    assert batch.chunks(info) == plain.chunks(info) == plain.store.chunks(info)
    assert batch.search("ALPHA", "net profit 2024", k=3, doc_type=DocType.news) == []  # filters as the store does
    batch.cache.forget("ALPHA")
    assert batch.search("ALPHA", "auditor opinion", k=3) == plain.search("ALPHA", "auditor opinion", k=3)


# ---------------------------------------------------------------- rate limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_rate_limiter_paces_requests_and_tokens_over_a_sliding_minute_and_shares_backoff() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rpm=2, clock=clock, sleep=clock.sleep)
    limiter.acquire(10)
    clock.now = 5.0
    limiter.acquire(10)
    limiter.acquire(10)  # the window holds 2 requests until the first one is 60 s old
    assert clock.now == 60.0 and clock.slept == [55.0]
    limiter.acquire(10)  # then until the second one is
    assert clock.now == 65.0

    clock = FakeClock()
    limiter = RateLimiter(tpm=1000, clock=clock, sleep=clock.sleep)
    first = limiter.acquire(700)  # a reservation (estimate + max_tokens)...
    limiter.settle(first, 100)  # ...settled at what the request really used
    limiter.acquire(800)
    assert clock.now == 0.0
    clock.now = 10.0
    limiter.acquire(500)  # 900 in the window: waits for the 100 (t=0) and the 800 (t=0) to leave
    assert clock.now == 60.0
    limiter.acquire(5000)  # larger than the whole minute: waits for an empty window, not forever
    assert clock.now == 120.0  # the 500 sent at t=60 leaves the window first

    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.back_off(2.5)  # one worker's 429...
    limiter.back_off(1.0)  # ...a shorter one does not shorten the pause
    limiter.acquire(1)  # ...holds every worker
    assert clock.slept == [2.5]
    limiter.acquire(1)
    assert clock.slept == [2.5]

    with pytest.raises(Exception, match="rpm must be >= 1"):
        RateLimiter(rpm=0)
