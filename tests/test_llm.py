"""agent/llm.py against the scripted OpenAI-protocol server, through the real openai client."""

from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openai
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from typer.testing import CliRunner

from eprof.kernel.calllog import CallLog, CallRecord
from eprof.agent.llm import (
    BudgetExceededError,
    Completion,
    Gateway,
    GatewayConfig,
    LLMOutputError,
    LLMRequestError,
    estimate_tokens,
    strict_json_schema,
)
from eprof.cli import app
from eprof.kernel.config import Settings
from eprof.prompts import Passage, PromptError, format_documents, load_prompt
from tests.openai_server import OpenAIServer, Reply, embed

API_KEY = "sk-test-Zq8uVb4-never-log-me"
FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05, "retry_after_cap_s": 1.0}
VALID = {"answer": "营业收入12,345.67万元", "found": True}


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    answer: str
    found: bool


def make_gateway(server: OpenAIServer, *, timeout: float = 5.0, masking: bool = True, **config: object) -> Gateway:
    settings = Settings(
        openai_base_url=server.base_url,
        openai_api_key=API_KEY,
        model="test-model",
        request_timeout_s=timeout,
        privacy_masking=masking,
    )
    return Gateway(settings, GatewayConfig(**{**FAST, **config}))


def ask(
    gateway: Gateway, question: str = "What was revenue?", response_model: type[BaseModel] = Answer, **kwargs: Any
) -> Completion[Any]:
    passages = [Passage(chunk_id="c-1", source="report.pdf", page=3, text="营业收入12,345.67万元。")]
    variables = {"enterprise_name": "Acme", "question": question, "documents": format_documents(passages)}
    prompt = load_prompt("answer@v1")
    return gateway.complete(prompt, variables, response_model, enterprise_id="ent-1", run_id="run-1", **kwargs)


def last_user_message(server: OpenAIServer) -> str:
    return server.chat_requests[-1].json["messages"][-1]["content"]


def test_valid_output_is_parsed(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.json(VALID, usage=(120, 30))])
    result = ask(make_gateway(openai_server))
    assert result.parsed == Answer(**VALID)
    assert (result.attempts, result.cache_hit, result.model) == (1, False, "test-model")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (120, 30)
    assert (result.prompt_id, result.prompt_version) == ("answer", 1)
    assert result.prompt_hash == load_prompt("answer@v1").hash
    (sent,) = openai_server.chat_requests
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.json["model"] == "test-model"
    assert sent.json["temperature"] == 0
    assert sent.json["max_tokens"] == 4096
    assert sent.json["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Answer", "schema": strict_json_schema(Answer), "strict": True},
    }
    assert [m["role"] for m in sent.json["messages"]] == ["system", "user"]


def test_malformed_json_is_reasked_with_the_errors(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.text('{"answer": "x", found'), Reply.json(VALID)])
    result = ask(make_gateway(openai_server))
    assert result.parsed.found and result.attempts == 2
    first, second = openai_server.chat_requests
    assert second.json["messages"][:2] == first.json["messages"]
    assert second.json["messages"][2] == {"role": "assistant", "content": '{"answer": "x", found'}
    errors = json.loads(last_user_message(openai_server).split("\n", 1)[1].rsplit("\n", 1)[0])
    assert errors[0]["type"] == "json_invalid"
    assert set(errors[0]) == {"type", "loc", "msg", "input"}


def test_schema_violation_and_invented_field_are_reasked(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.json({"answer": 12}), Reply.json({**VALID, "confidence": 0.9}), Reply.json(VALID)])
    result = ask(make_gateway(openai_server))
    assert result.attempts == 3
    second, third = (r.json["messages"][-1]["content"] for r in openai_server.chat_requests[1:])
    assert '"type": "string_type"' in second and '"type": "missing"' in second and '"found"' in second
    assert '"type": "extra_forbidden"' in third and '"confidence"' in third


def test_three_invalid_outputs_raise_llm_output_error(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.text("not json"), Reply.json({"answer": "x"}), Reply.json({"found": "maybe"})])
    gateway = make_gateway(openai_server)
    with pytest.raises(LLMOutputError, match=r"answer@v1: model output invalid after 3 attempt\(s\)") as caught:
        ask(gateway)
    error = caught.value
    assert error.attempts == 3
    assert error.last_completion == '{"found": "maybe"}'
    assert {e["type"] for e in error.errors} == {"missing", "bool_parsing"}
    assert (error.usage.prompt_tokens, error.usage.completion_tokens) == (150, 60)
    assert openai_server.pending == 0
    assert [r.error_type for r in gateway.log.calls()] == ["ValidationError"] * 3


def test_truncated_reply_is_reasked(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.truncated('{"answer": "营业收入12,3'), Reply.json(VALID)])
    result = ask(make_gateway(openai_server))
    assert result.attempts == 2
    reask = last_user_message(openai_server)
    assert '"type": "truncated"' in reask and "max_tokens limit (4096)" in reask


def test_tool_call_reply_without_content_is_reasked(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.tool_calls([("search", {"query": "revenue"})]), Reply.json(VALID)])
    assert ask(make_gateway(openai_server)).attempts == 2
    assert '"type": "no_content"' in last_user_message(openai_server)


def test_validation_context_reaches_the_validators(openai_server: OpenAIServer) -> None:
    class Quoted(BaseModel):
        quote: str

        @field_validator("quote")
        @classmethod
        def _in_source(cls, value: str, info: ValidationInfo) -> str:
            if value not in info.context["source"]:
                raise ValueError("quote is not in the source text")
            return value

    Quoted.__name__ = "Answer"  # the prompt's declared response schema
    openai_server.script([Reply.json({"quote": "invented"}), Reply.json({"quote": "12,345.67"})])
    context = {"source": "营业收入12,345.67万元。"}
    result = ask(make_gateway(openai_server), response_model=Quoted, validation_context=context)
    assert result.parsed.quote == "12,345.67"
    assert "quote is not in the source text" in last_user_message(openai_server)


def test_rate_limit_then_success_honours_retry_after(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.status(429, retry_after=0.4), Reply.json(VALID)])
    gateway = make_gateway(openai_server, backoff_base_s=0, backoff_max_s=0)
    started = time.monotonic()
    result = ask(gateway)
    assert time.monotonic() - started >= 0.4
    assert result.attempts == 2
    assert [(r.attempt, r.error_type) for r in reversed(gateway.log.calls())] == [(1, "RateLimitError"), (2, None)]


def test_retry_after_is_capped(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.status(429, retry_after=3600), Reply.json(VALID)])
    started = time.monotonic()
    ask(make_gateway(openai_server, retry_after_cap_s=0.1))
    assert time.monotonic() - started < 2


def test_server_errors_fail_after_max_attempts(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.status(500)] * 3 + [Reply.json(VALID)])
    gateway = make_gateway(openai_server, max_attempts=3)
    expected = r"failed after 3 attempt\(s\): InternalServerError \(HTTP 500\)"
    with pytest.raises(LLMRequestError, match=expected) as caught:
        ask(gateway)
    assert (caught.value.attempts, caught.value.status) == (3, 500)
    assert openai_server.pending == 1
    assert gateway.spent("ent-1") == 0  # refused requests cost nothing


def test_default_max_attempts_is_four(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.status(503)] * 4)
    with pytest.raises(LLMRequestError) as caught:
        ask(make_gateway(openai_server))
    assert caught.value.attempts == 4 and openai_server.pending == 0


def test_client_errors_are_not_retried(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.status(400, message="bad schema"), Reply.json(VALID)])
    with pytest.raises(LLMRequestError, match=r"BadRequestError \(HTTP 400\)") as caught:
        ask(make_gateway(openai_server))
    assert caught.value.attempts == 1 and openai_server.pending == 1


def test_timeout_then_success(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.json(VALID).slow(1.5), Reply.json(VALID)])
    gateway = make_gateway(openai_server, timeout=0.3)
    result = ask(gateway)
    assert result.attempts == 2
    first, second = reversed(gateway.log.calls())
    assert (first.error_type, first.prompt_tokens) == ("APITimeoutError", None)
    assert first.duration_ms >= 300
    assert second.error_type is None


def test_budget_refuses_before_sending(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.json(VALID)])
    with pytest.raises(BudgetExceededError, match="token budget for ent-1 would be exceeded") as caught:
        ask(make_gateway(openai_server, token_budget=1000))
    assert caught.value.needed > 1000 and caught.value.remaining == 1000
    assert openai_server.requests == [] and openai_server.pending == 1


def test_budget_tracks_actual_usage_and_is_never_exceeded(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.json(VALID)])
    with pytest.raises(BudgetExceededError) as caught:
        ask(make_gateway(openai_server, token_budget=1), "Question A?")
    needed = caught.value.needed
    gateway = make_gateway(openai_server, token_budget=needed + 69)
    openai_server.script([Reply.json(VALID, usage=(50, 20)), Reply.json(VALID)])
    ask(gateway, "Question A?")
    assert gateway.spent("ent-1") == 70
    with pytest.raises(BudgetExceededError):
        ask(gateway, "Question B?")  # same length, same estimate: needed > needed - 1 left
    assert len(openai_server.chat_requests) == 1
    assert ask(gateway, "Question A?").cache_hit  # a cached answer costs nothing


def test_identical_call_is_served_from_cache_without_a_request(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.json(VALID)])
    first = ask(make_gateway(openai_server))
    rerun = make_gateway(openai_server)  # a new Gateway on the same home
    again = ask(rerun)
    assert again.cache_hit and again.attempts == 0 and again.usage.total_tokens == 0
    assert again.parsed == first.parsed and again.cache_key == first.cache_key
    assert len(openai_server.requests) == 1
    assert [r.cache_hit for r in rerun.log.calls()] == [True, False]
    assert rerun.spent("ent-1") == 0


def test_a_different_question_misses_the_cache(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.json(VALID), Reply.json(VALID)])
    gateway = make_gateway(openai_server)
    assert ask(gateway, "Q1").cache_key != ask(gateway, "Q2").cache_key
    assert len(openai_server.requests) == 2


def test_every_attempt_is_logged_and_the_api_key_never_is(openai_server: OpenAIServer, clean_environ: Path) -> None:
    openai_server.script(
        [Reply.status(429, retry_after=0), Reply.text("{oops", usage=(90, 5)), Reply.json(VALID, usage=(110, 25))]
    )
    gateway = make_gateway(openai_server)
    result = ask(gateway)
    assert gateway.log.path == clean_environ / "logs.db"
    rows = list(reversed(gateway.log.calls()))
    assert [(r.attempt, r.error_type) for r in rows] == [(1, "RateLimitError"), (2, "ValidationError"), (3, None)]
    assert [(r.prompt_tokens, r.completion_tokens) for r in rows] == [(None, None), (90, 5), (110, 25)]
    assert {r.call_id for r in rows} == {result.call_id}
    assert {(r.run_id, r.enterprise_id, r.prompt_id, r.prompt_version, r.model) for r in rows} == {
        ("run-1", "ent-1", "answer", 1, "test-model")
    }
    assert all(r.prompt_hash == result.prompt_hash and r.cache_key == result.cache_key for r in rows)
    assert json.loads(rows[0].response_text)["error"]["message"] == "scripted error"
    assert json.loads(rows[1].errors_json)[0]["type"] == "json_invalid"
    assert rows[1].response_text == "{oops" and rows[1].parsed_json is None
    assert json.loads(rows[2].parsed_json) == VALID and rows[2].errors_json is None
    assert len(json.loads(rows[2].messages_json)) == 4  # system, user, bad reply, re-ask
    assert json.loads(rows[2].options_json) == {
        "max_tokens": 4096,
        "response_schema": "Answer",
        "strict": True,
        "temperature": 0.0,
    }
    assert all(r.created_at and r.duration_ms >= 0 for r in rows)
    assert openai_server.chat_requests[0].headers["authorization"].endswith(API_KEY)
    for path in clean_environ.iterdir():
        assert API_KEY.encode() not in path.read_bytes(), path


def test_call_log_is_built_by_recorded_migrations(tmp_path: Path) -> None:
    CallLog(tmp_path / "logs.db")
    CallLog(tmp_path / "logs.db")  # re-opening applies nothing twice
    with sqlite3.connect(tmp_path / "logs.db") as db:
        names = [n for (n,) in db.execute("select name from _migrations order by rowid")]
        tables = {n for (n,) in db.execute("select name from sqlite_master where type = 'table'")}
    assert names == ["m001_calls", "m002_cache"]
    assert {"_migrations", "calls", "cache"} <= tables


def test_call_log_takes_writes_from_many_threads_at_once(tmp_path: Path) -> None:
    """A batch logs from dozens of threads, each on its own connection: every row lands."""
    log = CallLog(tmp_path / "logs.db")
    row = {"call_id": "c", "run_id": None, "enterprise_id": "E", "prompt_id": "p", "prompt_version": 1, "prompt_hash": "h", "model": "m",
           "options_json": "{}", "messages_json": "[]", "attempt": 1, "duration_ms": 1, "cache_key": "k"}

    def work(n: int) -> None:
        for i in range(20):
            log.record(CallRecord(**{**row, "call_id": f"{n}-{i}"}))
            log.store(f"{n}-{i}", "{}", model="m", prompt_hash="h")
            assert log.cached(f"{n}-{i}") == "{}"

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(work, range(16)))
    assert len({r.call_id for r in log.calls()}) == 16 * 20
    with sqlite3.connect(tmp_path / "logs.db") as db:
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_personal_data_is_masked_before_it_is_sent(openai_server: OpenAIServer) -> None:
    question = "Is 张三 (13812345678, zs@example.com, ID 110101199003071234) a guarantor for 12,345.67万元?"
    openai_server.script([Reply.json(VALID)])
    gateway = make_gateway(openai_server)
    ask(gateway, question)
    sent = openai_server.chat_requests[0].json["messages"][1]["content"]
    assert "Is 张三 ([PHONE], [EMAIL], ID [ID_CARD]) a guarantor for 12,345.67万元?" in sent
    assert "13812345678" not in gateway.log.calls()[0].messages_json


def test_masking_can_be_switched_off(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.json(VALID)])
    ask(make_gateway(openai_server, masking=False), "call 13812345678?")
    assert "call 13812345678?" in openai_server.chat_requests[0].json["messages"][1]["content"]


def test_response_model_must_match_the_prompt(openai_server: OpenAIServer) -> None:
    class Extraction(BaseModel):
        answer: str

    with pytest.raises(PromptError, match="answer@v1 expects response schema Answer; got Extraction"):
        make_gateway(openai_server).complete(
            load_prompt("answer@v1"), {}, Extraction, enterprise_id="ent-1", run_id=None
        )
    assert openai_server.requests == []


def test_eprof_logs_lists_the_calls(openai_server: OpenAIServer) -> None:
    openai_server.script([Reply.status(500), Reply.json(VALID)])
    ask(make_gateway(openai_server))
    runner = CliRunner()
    shown = runner.invoke(app, ["logs", "--json", "--limit", "1"])
    assert shown.exit_code == 0, shown.output
    (row,) = json.loads(shown.output)
    assert (row["attempt"], row["prompt_tokens"], row["error_type"], row["cache_hit"]) == (2, 50, None, False)
    table = runner.invoke(app, ["logs"])
    assert table.exit_code == 0
    assert "answer@v1" in table.output and "InternalSer" in table.output and "50+20" in table.output
    assert API_KEY not in table.output


def test_eprof_logs_without_a_log_prints_an_empty_list(clean_environ: Path) -> None:
    shown = CliRunner().invoke(app, ["logs", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output) == []
    assert not (clean_environ / "logs.db").exists()


def test_strict_json_schema_closes_every_object() -> None:
    class Evidence(BaseModel):
        chunk_id: str
        page: int = Field(ge=1)

    class Claim(BaseModel):
        text: str
        note: str | None = None
        evidence: list[Evidence] = Field(default_factory=list)
        primary: Evidence | None = None

    schema = strict_json_schema(Claim)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["text", "note", "evidence", "primary"]
    assert "default" not in schema["properties"]["note"]
    evidence = schema["$defs"]["Evidence"]
    assert evidence["additionalProperties"] is False and evidence["required"] == ["chunk_id", "page"]


def test_token_estimate_counts_cjk_per_character() -> None:
    fmt = {"type": "json_schema"}
    base = estimate_tokens([], fmt)
    assert estimate_tokens([{"role": "user", "content": "营业收入下降"}], fmt) == base + 6 + 4
    assert estimate_tokens([{"role": "user", "content": "revenue fell"}], fmt) == base + 4 + 4


def test_scripted_server_speaks_tool_calls_and_embeddings(openai_server: OpenAIServer) -> None:
    client = openai.OpenAI(base_url=openai_server.base_url, api_key="k", max_retries=0)
    openai_server.script([Reply.tool_calls([("search_documents", {"query": "担保"})])])
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    (call,) = reply.choices[0].message.tool_calls
    assert reply.choices[0].finish_reason == "tool_calls"
    assert (call.function.name, json.loads(call.function.arguments)) == ("search_documents", {"query": "担保"})
    vectors = client.embeddings.create(model="e", input=["营业收入", "revenue"]).data
    assert [round(v, 5) for v in vectors[0].embedding] == [round(v, 5) for v in embed("营业收入")]
    floats = client.embeddings.create(model="e", input="revenue", encoding_format="float", dimensions=8).data
    assert floats[0].embedding == pytest.approx(embed("revenue", 8))
    assert len(vectors[1].embedding) == 64
