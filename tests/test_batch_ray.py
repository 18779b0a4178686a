"""`eprof batch --engine ray` on a local Ray instance (one per module) with a real Chroma server:
the same outputs as the local engine, failure isolation, resume, and the shared rate limit."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from eprof.workflows.batch import applicant_path
from eprof.workflows.batch_schema import ApplicantResult
from eprof.workflows.batch_ray import LimiterActor, SharedLimit
from eprof.cli import app
from tests.openai_server import OpenAIServer, Reply
from tests.test_batch import EXTRACTION, chat_count, model_dir, read_csv, result, run_record, use_server, write_applicants
from tests.test_chroma_server import chroma_url

__all__ = ["chroma_url", "model_dir"]  # module fixtures shared with the local engine's and the server's tests

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning", "ignore::DeprecationWarning")
runner = CliRunner()


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[ModuleType]:
    """One local Ray instance for the module (starting one takes seconds); run_batch joins it."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def comparable(r: ApplicantResult) -> dict:
    """An applicant's file without what differs between any two runs: run id, clock times, latencies."""
    data = r.model_dump(mode="json", exclude={"run_id", "finished_at", "timings"})
    for document in data["documents"]:
        document.pop("seconds")
    for usage in (data["usage"], (data["profile"] or {}).get("usage", {})):
        usage.pop("latency_ms", None)
    return data


def batch(manifest: Path, out: Path, model: Path, *extra: str) -> list[str]:
    return ["batch", str(manifest), "--out", str(out), "--model", str(model), *extra]


def test_ray_engine_needs_a_chroma_server_and_ray(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = write_applicants(tmp_path / "in", ["INDIA"])
    out = tmp_path / "out"
    run = runner.invoke(app, batch(manifest, out, model_dir, "--engine", "ray"))
    assert run.exit_code == 1 and "--engine ray needs a Chroma server" in run.output and "--chroma-url" in run.output
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed (first test: nothing has imported it)
    run = runner.invoke(app, batch(manifest, out, model_dir, "--engine", "ray", "--chroma-url", "http://127.0.0.1:9"))
    assert run.exit_code == 1 and "--engine ray needs Ray: pip install 'eprof[ray]'" in run.output
    assert not out.exists()  # stopped before any work
    run = runner.invoke(app, batch(manifest, out, model_dir, "--ray-address", "auto"))
    assert run.exit_code == 2 and "only with --engine ray" in run.output


def test_ray_engine_gives_the_local_engines_outputs_isolates_a_corrupt_pdf_and_resumes(
    tmp_path: Path, model_dir: Path, chroma_url: str, ray_instance: ModuleType
) -> None:
    ids = ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]
    manifest = write_applicants(tmp_path / "in", ids, corrupt="CHARLIE")
    local, distributed = tmp_path / "out-local", tmp_path / "out-ray"
    assert runner.invoke(app, batch(manifest, local, model_dir, "--extractor", "offline")).exit_code == 1
    ray_command = batch(manifest, distributed, model_dir, "--extractor", "offline", "--engine", "ray", "--chroma-url", chroma_url, "--store", str(tmp_path / "ray-home"))
    run = runner.invoke(app, ray_command)
    assert run.exit_code == 1, run.output
    assert "failed CHARLIE" in run.output and "3 ok" in run.output and "ray engine" in run.output

    assert (distributed / "decisions.csv").read_bytes() == (local / "decisions.csv").read_bytes()
    assert (distributed / "errors.csv").read_bytes() == (local / "errors.csv").read_bytes()
    assert [r["status"] for r in read_csv(distributed / "decisions.csv")] == ["ok", "ok", "failed", "ok"]
    assert {eid: comparable(result(distributed, eid)) for eid in ids} == {eid: comparable(result(local, eid)) for eid in ids}
    assert [(e.stage, e.document) for e in result(distributed, "CHARLIE").errors] == [("ingest", "charlie-2024.pdf")]
    assert result(distributed, "ALPHA").documents[0].path == str(tmp_path / "in" / "alpha-2024.pdf")  # the manifest's path
    record = run_record(distributed)
    assert record.engine == "ray" and run_record(local).engine == "local"
    assert record.counts.model_dump() == run_record(local).counts.model_dump() == {"applicants": 4, "processed": 4, "skipped": 0, "ok": 3, "failed": 1, "invalid_rows": 0}
    assert not (tmp_path / "ray-home" / "chroma").exists()  # the server is the store

    before = {eid: applicant_path(distributed, eid).stat().st_mtime_ns for eid in ids}
    again = runner.invoke(app, ray_command)
    assert again.exit_code == 1 and "3 applicant(s) already done, skipped" in again.output
    assert run_record(distributed).counts.model_dump() == {"applicants": 4, "processed": 1, "skipped": 3, "ok": 3, "failed": 1, "invalid_rows": 0}
    assert [applicant_path(distributed, e).stat().st_mtime_ns == before[e] for e in ids] == [True, True, False, True]


def test_ray_engine_with_an_llm_survives_a_429_isolates_exhausted_retries_and_matches_local(
    tmp_path: Path, model_dir: Path, chroma_url: str, ray_instance: ModuleType, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_server(monkeypatch, openai_server)
    ids = ["ECHO", "FOXTROT", "GOLF"]
    manifest = write_applicants(tmp_path / "in", ids)
    outputs = {}
    for engine in ("local", "ray"):  # each with its own store, so the second run's answers are not cached
        openai_server.script([Reply.status(429, retry_after=0.05), Reply.json(EXTRACTION).slow(0.2)], when="ECHO")
        openai_server.script([Reply.json(EXTRACTION).slow(0.2)], when="FOXTROT")
        openai_server.script([Reply.status(503, retry_after=0.01)] * 4, when="GOLF")
        out = tmp_path / f"out-{engine}"
        command = batch(manifest, out, model_dir, "--extractor", "llm", "--engine", engine, "--concurrency", "3", "--rpm", "600", "--store", str(tmp_path / f"home-{engine}"))
        run = runner.invoke(app, command + (["--chroma-url", chroma_url] if engine == "ray" else []))
        assert run.exit_code == 1, run.output
        assert openai_server.pending == 0
        outputs[engine] = out
    assert {eid: chat_count(openai_server, eid) for eid in ids} == {"ECHO": 4, "FOXTROT": 2, "GOLF": 8}  # 2 runs each

    local, distributed = outputs["local"], outputs["ray"]
    assert (distributed / "decisions.csv").read_bytes() == (local / "decisions.csv").read_bytes()
    assert {eid: comparable(result(distributed, eid)) for eid in ids} == {eid: comparable(result(local, eid)) for eid in ids}
    assert {eid: result(distributed, eid).status for eid in ids} == {"ECHO": "ok", "FOXTROT": "ok", "GOLF": "failed"}
    golf = result(distributed, "GOLF").errors[0]
    assert golf.stage == "profile" and "4 attempt(s)" in golf.message and "503" in golf.message
    record = run_record(distributed)
    assert (record.engine, record.extractor, record.llm_model, record.rpm) == ("ray", "llm", "scripted-model", 600)
    assert (record.usage.calls, record.usage.prompt_tokens, record.usage.completion_tokens) == (2, 100, 40)
    assert all("sk-test-secret-key" not in p.read_text() for p in distributed.rglob("*") if p.is_file())


def test_applicants_in_flight_are_not_capped_at_the_clusters_cpus(
    tmp_path: Path, model_dir: Path, chroma_url: str, ray_instance: ModuleType, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The LLM waits overlap beyond the 2 CPUs of the Ray instance (a task per applicant would hold a
    CPU through each wait and let at most 2 requests wait at once), up to --concurrency and no further,
    though the actors work on a few applicants more."""
    use_server(monkeypatch, openai_server)
    ids = ["INDIA", "JULIETT", "KILO", "LIMA", "MIKE", "NOVEMBER", "OSCAR", "PAPA"]
    manifest = write_applicants(tmp_path / "in", ids)
    openai_server.script([Reply.json(EXTRACTION).slow(1.5)] * len(ids))
    out = tmp_path / "out"
    run = runner.invoke(app, batch(manifest, out, model_dir, "--extractor", "llm", "--engine", "ray", "--concurrency", "6",
                                   "--chroma-url", chroma_url, "--store", str(tmp_path / "home")))
    assert run.exit_code == 0, run.output
    assert ray_instance.cluster_resources()["CPU"] == 2 and 4 <= openai_server.peak_in_flight <= 6
    assert [r["status"] for r in read_csv(out / "decisions.csv")] == ["ok"] * len(ids)


def test_the_rate_limit_is_one_window_for_every_task(ray_instance: ModuleType) -> None:
    ray = ray_instance
    actor = ray.remote(num_cpus=0)(LimiterActor).remote(2, None)

    @ray.remote(num_cpus=1)
    def send(limiter: object) -> int:
        return SharedLimit(limiter).acquire(10)  # in a worker process, not the driver

    assert sorted(ray.get([send.remote(actor), send.remote(actor)])) == [1, 2]
    number, delay = ray.get(actor.try_acquire.remote(10))  # the minute holds 2 requests, from any task
    assert number is None and 59 < delay <= 60

    paused = ray.remote(num_cpus=0)(LimiterActor).remote(None, None)
    SharedLimit(paused).back_off(30.0)  # one task's 429 ...
    number, delay = ray.get(paused.try_acquire.remote(1))  # ... holds every other one
    assert number is None and 29 < delay <= 30
    SharedLimit(paused).settle(1, 5)  # an unknown ticket is ignored
    ray.kill(actor)
    ray.kill(paused)


def test_a_task_that_raises_fails_its_applicant_alone(tmp_path: Path, model_dir: Path, chroma_url: str, ray_instance: ModuleType) -> None:
    manifest = write_applicants(tmp_path / "in", ["HOTEL"])
    home = tmp_path / "home"
    (home / "profiles").parent.mkdir(parents=True)
    (home / "profiles").write_text("not a folder")  # saving the profile raises inside the task
    out = tmp_path / "out"
    run = runner.invoke(app, batch(manifest, out, model_dir, "--extractor", "offline", "--engine", "ray", "--chroma-url", chroma_url, "--store", str(home)))
    assert run.exit_code == 1, run.output
    hotel = result(out, "HOTEL")
    assert hotel.status == "failed" and [e.stage for e in hotel.errors] == ["worker"]
    assert hotel.errors[0].message.startswith(("FileExistsError", "NotADirectoryError")) and "\n" not in hotel.errors[0].message
    assert read_csv(out / "errors.csv")[0]["stage"] == "worker"
