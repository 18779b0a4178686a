"""`eprof serve` end to end: a real uvicorn on loopback over a small store of two demo enterprises
(one Chinese, one English), real httpx requests, the audit database and a batch job in its own process."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from eprof.agent.extractors import run_profile
from eprof.agent.profile import load_profile, profile_path, save_profile
from eprof.cli import app as cli
from eprof.kernel.config import Settings
from eprof.kernel.errors import ConfigError
from eprof.service import ServiceOptions, create_app
from eprof.service.auth import parse_tokens
from eprof.evaluation.runs import list_runs
from eprof.evaluation.schema import EvalRun
from eprof.retrieval.ingest import ingest_all, read_manifest
from eprof.retrieval.search import Searcher
from eprof.risk.policy import load_policy
from eprof.risk.run import decide_profile, load_default_model
from tests.test_evaluation import make_subset

ROOT = Path(__file__).parents[1]
POLICY = ROOT / "risk" / "policy.toml"
DEMO = ROOT / "demo"
ANALYST = "analyst-token-0123456789abcdef"
ROBOT = "robot-token-fedcba9876543210"
TOKENS = f"alice:{ANALYST},loan-system:{ROBOT}:read"
MAX_UPLOAD = 256 * 1024


def demo_settings(home: Path, **fields: object) -> Settings:
    """Settings for one store, immune to the developer's EPROF_*/OPENAI_* variables (offline)."""
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith(("EPROF_", "OPENAI_"))]:
            env.delenv(name)
        return Settings(home=home, **fields)


def build_demo_store(settings: Settings, enterprise_ids: tuple[str, ...]) -> None:
    """Ingest and profile some demo enterprises, as `eprof demo` does for all of them."""
    searcher = Searcher.open(settings)
    jobs, _ = read_manifest(DEMO / "manifest.csv")
    ingest_all(searcher.store, searcher.embedder, [j for j in jobs if j.enterprise_id in enterprise_ids])
    for eid in enterprise_ids:
        save_profile(run_profile(settings, eid, "offline", searcher=searcher), profile_path(settings, eid))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(settings: Settings, options: ServiceOptions | None = None) -> Iterator[str]:
    """The service on a free loopback port, in a thread; uvicorn's logs go to the root logger."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, options), host="127.0.0.1", port=port, log_config=None, log_level="info"))
    thread = threading.Thread(target=server.run, name="eprof-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def sse_events(response: httpx.Response) -> list[tuple[str, dict]]:
    events = []
    for block in response.text.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith(":")]
        if lines:
            event = next(line[7:] for line in lines if line.startswith("event: "))
            events.append((event, json.loads("\n".join(line[6:] for line in lines if line.startswith("data: ")))))
    return events


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("service") / "store"
    build_demo_store(demo_settings(home), ("e001", "e003"))
    return home


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inbox")


@pytest.fixture(scope="module")
def settings(home: Path) -> Settings:
    return demo_settings(home, api_tokens=SecretStr(TOKENS))


@pytest.fixture(scope="module")
def base_url(settings: Settings, batch_dir: Path) -> Iterator[str]:
    options = ServiceOptions(batch_dirs=(batch_dir, DEMO / "docs"), max_upload_bytes=MAX_UPLOAD)
    with serving(settings, options) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {ANALYST}"}, timeout=60) as c:
        yield c


def audit_rows(home: Path) -> list[dict]:
    with contextlib.closing(sqlite3.connect(home / "audit.db")) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("select * from audit order by id")]


# ---------------------------------------------------------------- authentication and audit


def test_missing_or_wrong_tokens_get_401_and_read_only_tokens_get_403_on_changes(base_url: str) -> None:
    missing = httpx.get(f"{base_url}/api/enterprises")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.json() == {"error": "HTTPError", "message": "missing API token: send Authorization: Bearer <token>"}
    wrong = httpx.get(f"{base_url}/api/enterprises", headers={"Authorization": "Bearer guessed-token-000000000"})
    assert wrong.status_code == 401 and "guessed-token" not in wrong.text
    robot = {"Authorization": f"Bearer {ROBOT}"}
    assert httpx.get(f"{base_url}/api/enterprises/e001/decision", headers=robot).status_code == 200
    refused = httpx.post(f"{base_url}/api/enterprises/e001/profile", headers=robot, json={})
    assert refused.status_code == 403 and refused.json()["message"] == "token 'loan-system' is read-only; this request changes data"


def test_tokens_never_reach_logs_and_every_request_is_audited_by_token_name(
    client: httpx.Client, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert client.get("/api/enterprises/e001/decision").status_code == 200
        assert httpx.get(f"{client.base_url}/api/enterprises/e003", headers={"Authorization": f"Bearer {ROBOT}x"}).status_code == 401
    assert "GET /api/enterprises/e001/decision HTTP/1.1" in caplog.text  # the access log was captured...
    assert ANALYST not in caplog.text and ROBOT not in caplog.text  # ...and holds no token
    raw = (home / "audit.db").read_bytes() + b"".join(p.read_bytes() for p in home.glob("audit.db-*"))
    assert ANALYST.encode() not in raw and ROBOT.encode() not in raw
    rows = audit_rows(home)
    decision = next(r for r in reversed(rows) if r["route"] == "/api/enterprises/{enterprise_id}/decision")
    assert (decision["who"], decision["method"], decision["enterprise_id"], decision["status"]) == ("alice", "GET", "e001", 200)
    versions = json.loads(decision["versions_json"])
    assert versions["risk_model"] == load_default_model().version and versions["policy"] == load_policy().label
    assert versions["extractor"] == "offline" and versions["eprof"]
    refused = rows[-1]
    assert (refused["who"], refused["enterprise_id"], refused["status"]) == ("anonymous", "e003", 401)
    with contextlib.closing(sqlite3.connect(home / "audit.db")) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("delete from audit")


def test_token_configuration_is_checked_without_echoing_tokens() -> None:
    with pytest.raises(ConfigError, match="entry 2: expected name:token") as bad:
        parse_tokens(SecretStr(f"alice:{ANALYST},just-a-secret-value-123"))
    assert "just-a-secret" not in str(bad.value)
    with pytest.raises(ConfigError, match="shorter than 16"):
        parse_tokens(SecretStr("bob:short"))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--store", "unused"])
    assert result.exit_code == 1 and "refusing to serve on 0.0.0.0 without API tokens" in result.output
    shown = CliRunner().invoke(cli, ["config", "--json", "--store", "unused"], env={"EPROF_API_TOKENS": TOKENS})
    assert shown.exit_code == 0 and json.loads(shown.output)["api_tokens"] == "alice:****, loan-system:****"
    assert ANALYST[-4:] not in shown.output and ROBOT[-4:] not in shown.output


def test_without_tokens_the_service_is_open_and_audits_requests_as_open_loopback(home: Path) -> None:
    with TestClient(create_app(demo_settings(home))) as open_client:
        assert open_client.get("/healthz").json()["auth"] == "open"
        assert open_client.get("/api/enterprises/e003").status_code == 200
    assert audit_rows(home)[-1]["who"] == "open-loopback"


def test_openapi_spec_describes_the_domain_models(base_url: str) -> None:
    spec = httpx.get(f"{base_url}/openapi.json").json()
    assert httpx.get(f"{base_url}/docs").status_code == 404  # no page that pulls scripts from a CDN
    schemas = spec["components"]["schemas"]
    assert {"OperatingProfile", "DecisionRecord", "Hit", "IngestResult", "BatchJob", "SourcePage", "ErrorBody"} <= set(schemas)
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    decision = spec["paths"]["/api/enterprises/{enterprise_id}/decision"]["get"]
    assert decision["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/DecisionRecord"}
    assert "text/event-stream" in spec["paths"]["/api/enterprises/{enterprise_id}/ask"]["post"]["responses"]["200"]["content"]


# ---------------------------------------------------------------- the CLI's capabilities over HTTP


def test_list_search_profile_and_decision_return_what_the_library_returns(client: httpx.Client, settings: Settings) -> None:
    listed = client.get("/api/enterprises").json()
    assert [(e["enterprise_id"], e["name"], e["profiled"]) for e in listed] == [
        ("e001", "襄阳天祺建筑工程股份有限公司", True), ("e003", "Changzhou Lianchuang Logistics Co., Ltd.", True)]
    detail = client.get("/api/enterprises/e001").json()
    assert {d["source"] for d in detail["documents"]} == {"annual-report.pdf", "news-01.html", "news-02.html", "research.md"}
    assert all("path" not in d for d in detail["documents"])  # server paths stay on the server
    hits = client.get("/api/enterprises/e001/search", params={"q": "诉讼 起诉", "k": 3}).json()
    assert len(hits) == 3 and {h["enterprise_id"] for h in hits} == {"e001"} and any("起诉" in h["text"] for h in hits)
    profile = load_profile(settings, "e001")
    assert client.get("/api/enterprises/e001/profile").json() == profile.model_dump(mode="json")
    expected = decide_profile(profile, load_default_model(), load_policy())
    served = client.get("/api/enterprises/e001/decision").json()
    staleness = served.pop("staleness")  # the service adds the profile's age and the documents it has not read
    assert served == expected.model_dump(mode="json", exclude={"staleness"}) and staleness["newer_documents"] == []
    assert expected.decision.decision == "refer"  # the planted prompt injection is a knock-out
    rerun = client.post("/api/enterprises/e003/profile", json={"extractor": "offline"})
    assert rerun.status_code == 200 and rerun.json()["red_flags"] == load_profile(settings, "e003").model_dump(mode="json")["red_flags"]
    missing = client.get("/api/enterprises/nobody/decision")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError"
    assert client.get("/api/enterprises/e001/search", params={"q": "x", "k": 0}).json()["message"] == "query.k: Input should be greater than or equal to 1"


def test_ask_streams_status_answer_lines_citations_then_the_whole_answer(client: httpx.Client) -> None:
    response = client.post("/api/enterprises/e001/ask", json={"question": "审计机构是谁？"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response)
    kinds = [kind for kind, _ in events]
    assert kinds[:2] == ["session", "status"] and kinds[-1] == "done" and "delta" in kinds and "citation" in kinds
    done = events[-1][1]
    assert not done["abstained"] and done["citations"] and done["mode"] == "offline"
    assert "\n".join(d["text"] for k, d in events if k == "delta") == done["answer"]
    first = done["citations"][0]
    page = client.get(f"/api/enterprises/e001/chunks/{first['chunk_id']}/pages/{first['page']}", params={"quote": first["quote"]}).json()
    assert page["quote_found"] and page["text"][slice(*page["highlights"][0])].replace(" ", "") == first["quote"].replace(" ", "")
    session = events[0][1]["id"]
    follow = sse_events(client.post("/api/enterprises/e001/ask", json={"question": "2023年的营业收入呢？", "session": session}))
    assert follow[0] == ("session", {"id": session}) and follow[-1][0] == "done"
    unknown = client.post("/api/enterprises/nobody/ask", json={"question": "revenue?"})
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/json"


def test_answers_about_the_decision_use_the_services_own_model_and_policy(home: Path, tmp_path: Path) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text(re.sub(r"approve_max_pd = [0-9.]+", "approve_max_pd = 1e-12",
                             re.sub(r"decline_min_pd = [0-9.]+", "decline_min_pd = 2e-12", POLICY.read_text(encoding="utf-8"))),
                      encoding="utf-8")
    with TestClient(create_app(demo_settings(home), ServiceOptions(policy=strict))) as strict_client:
        decision = strict_client.get("/api/enterprises/e003/decision").json()["decision"]
        events = sse_events(strict_client.post("/api/enterprises/e003/ask", json={"question": "Why was this case referred?"}))
    assert decision["decision"] == "decline"  # every PD declines under this policy; the default one approves e003
    assert events[-1][1]["answer"].startswith(f"Decision: DECLINE (PD {decision['pd']:.2%}")


def doc_ids(client: httpx.Client, enterprise_id: str) -> dict[str, str]:
    """{file name: document id} of the enterprise's documents."""
    return {d["source"]: d["doc_id"] for d in client.get(f"/api/enterprises/{enterprise_id}").json()["documents"]}


def test_citation_pages_and_files_come_only_from_the_enterprises_own_documents(client: httpx.Client) -> None:
    e001, e003 = doc_ids(client, "e001"), doc_ids(client, "e003")
    own = client.get(f"/api/enterprises/e003/documents/{e003['news-03.html']}/pages/1")
    assert own.status_code == 200 and own.json()["text"] and own.json()["source"] == "news-03.html"
    assert client.get(f"/api/enterprises/e001/documents/{e003['news-03.html']}/pages/1").status_code == 404  # e003's document
    assert client.get(f"/api/enterprises/e001/documents/{e003['news-03.html']}/file").status_code == 404
    assert client.get("/api/enterprises/e001/documents/annual-report.pdf/pages/1").status_code == 404  # a file name is no document id
    quote = client.get("/api/enterprises/e001/profile").json()["red_flags"][0]["evidence"][0]
    cited = client.get(f"/api/enterprises/e001/chunks/{quote['chunk_id']}/pages/{quote['page']}", params={"quote": quote["quote"]})
    assert cited.json()["quote_found"] and cited.json()["doc_id"] == e001[quote["source"]]
    assert client.get(f"/api/enterprises/e003/chunks/{quote['chunk_id']}/pages/{quote['page']}").status_code == 404  # e001's chunk
    for probe in ("..%2F..%2Fmanifest.csv", "%2E%2E", f"{e001['annual-report.pdf']}%00"):
        assert client.get(f"/api/enterprises/e001/documents/{probe}/pages/1").status_code == 404
        assert client.get(f"/api/enterprises/e001/chunks/{probe}/pages/1").status_code == 404
    pdf = client.get(f"/api/enterprises/e001/documents/{e001['annual-report.pdf']}/file")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-") and pdf.headers["content-type"] == "application/pdf"
    html = client.get(f"/api/enterprises/e001/documents/{e001['news-01.html']}/file")
    assert html.headers["content-type"].startswith("text/plain") and "sandbox" in html.headers["content-security-policy"]


# ---------------------------------------------------------------- uploads


def test_upload_ingests_into_the_store_and_a_re_upload_costs_nothing(client: httpx.Client, home: Path) -> None:
    note = "# 调研纪要\n\n江城精密机械有限公司主要生产数控机床主轴，2024年订单同比增长12%。\n".encode()
    first = client.post("/api/enterprises/up-1/documents", files=[("files", ("调研纪要.md", note, "text/markdown"))], data={"name": "江城精密"})
    assert first.status_code == 200
    assert [(r["path"], r["status"]) for r in first.json()["results"]] == [("调研纪要.md", "added")]
    stored = list((home / "uploads").rglob("*.md"))
    assert len(stored) == 1 and stored[0].read_bytes() == note and stored[0].resolve().is_relative_to(home.resolve())
    hits = client.get("/api/enterprises/up-1/search", params={"q": "数控机床"}).json()
    assert hits[0]["enterprise_id"] == "up-1" and "主轴" in hits[0]["text"]
    again = client.post("/api/enterprises/up-1/documents", files=[("files", ("调研纪要.md", note, "text/markdown"))])
    assert again.json()["results"][0]["status"] == "unchanged"


@pytest.mark.parametrize(
    ("filename", "content", "status", "message"),
    [
        ("../evil.md", b"# hi there", 400, "must be a plain name"),
        ("..\\evil.md", b"# hi there", 400, "must be a plain name"),
        ("/etc/cron.d/evil.md", b"# hi there", 400, "must be a plain name"),
        (".hidden.md", b"# hi there", 400, "must be a plain name"),
        ("payload.exe", b"MZ\x90\x00", 415, "unsupported file type '.exe'"),
        ("fake.pdf", b"hello, not a pdf", 415, "not a PDF (no %PDF- header)"),
        ("binary.txt", b"abc\x00\x01\x02", 415, "binary data in a .txt file"),
        ("empty.md", b"", 400, "empty file"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage", 422, "broken.pdf"),
        ("huge.txt", b"x" * (MAX_UPLOAD + 1), 413, f"request body over the {MAX_UPLOAD:,}-byte limit"),
    ],
)
def test_bad_uploads_get_a_clear_4xx_and_leave_nothing_behind(
    client: httpx.Client, home: Path, filename: str, content: bytes, status: int, message: str
) -> None:
    before = {p for p in home.parent.rglob("*") if p.is_file()}
    response = client.post("/api/enterprises/up-2/documents", files=[("files", (filename, content, "application/octet-stream"))])
    assert response.status_code == status and message in response.json()["message"]
    assert client.get("/api/enterprises/up-2").status_code == 404  # nothing was indexed
    after = {p for p in home.parent.rglob("*") if p.is_file() and "chroma" not in p.parts and not p.name.startswith("audit.db")}
    assert after - before == set()  # no file kept, inside the store or outside it


def test_malformed_upload_requests_get_a_4xx_not_a_crash(client: httpx.Client) -> None:
    garbage = client.post("/api/enterprises/up-3/documents", content=b"--x\r\nnot really multipart",
                          headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert garbage.status_code == 400 and garbage.json()["error"] == "HTTPError"
    nothing = client.post("/api/enterprises/up-3/documents", data={"name": "no files"})
    assert nothing.status_code == 422 and nothing.json()["message"] == "body.files: Field required"
    too_many = client.post("/api/enterprises/up-3/documents", files=[("files", (f"n{i}.md", b"# note", "text/markdown")) for i in range(21)])
    assert too_many.status_code == 400 and "Too many files" in too_many.json()["message"]


# ---------------------------------------------------------------- batch jobs


def test_batch_job_runs_in_its_own_process_while_the_service_stays_responsive(client: httpx.Client, batch_dir: Path) -> None:
    rows = [line for line in (DEMO / "manifest.csv").read_text(encoding="utf-8").splitlines()[1:] if line.startswith("e005,")]
    manifest = batch_dir / "applicants.csv"
    manifest.write_text("enterprise_id,name,path,doc_type,published\n" + "".join(
        line.replace("docs/", f"{DEMO / 'docs'}/", 1) + "\n" for line in rows), encoding="utf-8")
    outside = client.post("/api/batches", json={"manifest": str(DEMO / "manifest.csv")})
    assert outside.status_code == 400 and "outside the batch folders" in outside.json()["message"]
    submitted = client.post("/api/batches", json={"manifest": "applicants.csv", "concurrency": 2})
    assert submitted.status_code == 202 and submitted.json()["state"] == "running"
    job_id = submitted.json()["job_id"]
    assert client.post("/api/batches", json={"manifest": "applicants.csv", "concurrency": 2}).json()["job_id"] == job_id
    latencies = []
    deadline = time.monotonic() + 120
    while (job := client.get(f"/api/batches/{job_id}").json())["state"] == "running":
        assert time.monotonic() < deadline, job
        started = time.perf_counter()
        assert client.get("/api/enterprises").status_code == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.2)
    assert job["state"] == "finished", job["error"]
    assert (job["total"], job["ok"], job["failed"], job["last"]) == (1, 1, 0, "e005: ok")
    assert job["run"]["counts"]["ok"] == 1 and job["run"]["risk_model_version"] == load_default_model().version
    # answered throughout the run: never held for the batch's duration (a reopen of the store after
    # the batch's write may cost a request a second on a loaded machine, hence max 2 s, median 0.5 s)
    assert len(latencies) >= 5 and max(latencies) < 2.0 and statistics.median(latencies) < 0.5, latencies
    assert [j["job_id"] for j in client.get("/api/batches").json()] == [job_id]
    assert client.get("/api/batches/job-000000000000").status_code == 404


# ---------------------------------------------------------------- evaluation runs


def test_evaluation_runs_in_the_store_are_listed_fetched_and_their_report_served(
    client: httpx.Client, settings: Settings, tmp_path: Path
) -> None:
    assert client.get("/api/evals").json() == []
    dataset = make_subset(tmp_path / "dataset", ("e003",))
    ran = CliRunner().invoke(cli, ["eval", "run", "--dataset", str(dataset), "--extractor", "offline", "--store", str(settings.home),
                                   "--resamples", "200"], env={"OPENAI_BASE_URL": "", "EPROF_MODEL": ""})
    assert ran.exit_code == 0, ran.output
    (run,) = list_runs(settings.home / "evals")
    listed = client.get("/api/evals").json()
    assert listed == [{"run_id": run.run_id, "created_at": run.created_at.isoformat().replace("+00:00", "Z"),
                       "dataset": run.dataset, "contenders": ["offline"]}]
    fetched = client.get(f"/api/evals/{run.run_id}")
    assert fetched.status_code == 200
    assert EvalRun.model_validate(fetched.json()) == EvalRun.model_validate_json((run.path / "results.json").read_text(encoding="utf-8"))
    report = client.get(f"/api/evals/{run.run_id}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert report.content == (run.path / "report.html").read_bytes()
    assert "script-src" not in report.headers["content-security-policy"]
    for unknown in ("../evals", "run-000", "stores"):
        missing = client.get(f"/api/evals/{unknown}/report")
        assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError", unknown
    assert audit_rows(settings.home)[-1]["route"] == "/api/evals/{run_id}/report"
