"""The LLM gateway: the only code in eprof that talks to a model.

`Gateway.complete(prompt, variables, response_model, ...)` renders a versioned prompt, masks
personal data, and asks any OpenAI-compatible endpoint for JSON that matches a strict schema
built from the response model. Around that one request it does, in this order:

1. cache: the sha256 of the canonical request (model, messages, response format, temperature,
   max_tokens, prompt hash) is looked up in the call log's cache; a hit re-validates the stored
   output and returns it without a request, so re-runs cost nothing;
2. budget: before every request, estimated prompt tokens + max_tokens must fit in what is left
   of the enterprise's token budget, else BudgetExceededError and nothing is sent;
3. transport retries (tenacity): 408/409/429/5xx, timeouts and connection errors are retried with
   exponential backoff and jitter, honouring Retry-After up to a cap; the openai client's own
   retries are off (max_retries=0) so there is one retry policy and every attempt is logged;
4. re-asks: malformed JSON, a truncated reply (finish_reason "length") or a schema violation is
   fed back as pydantic `errors()` JSON and asked again, at most `max_reasks` times, then
   LLMOutputError carries the attempts, last raw reply, errors and token usage;
5. call log: every request (and every cache hit) adds one row to `<home>/logs.db`.

`Gateway.chat(prompt, messages, tools, response_model, ...)` is one turn of a tool-calling
conversation (the caller runs the tools and sends their results back). It does steps 2-5 the
same way; a reply that calls tools is returned as is, a reply without tool calls must be the
response model's JSON. Chat turns are not cached: the tool results they carry come from the
store, which changes under them.

Errors:

    EprofError
    ├── BudgetExceededError   the request could exceed the enterprise's token budget
    ├── LLMRequestError       the endpoint failed (after retries, or with a non-retryable status)
    └── LLMOutputError        the model's output stayed invalid after the re-asks
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import hashlib
import json
import math
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import openai
from openai import OpenAI
from openai.types.chat import ChatCompletion, ChatCompletionMessage
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential, wait_random

from eprof.kernel.calllog import CallLog, CallRecord
from eprof.kernel.privacy import mask_personal_data
from eprof.kernel.config import Settings
from eprof.kernel.errors import ConfigError, EprofError
from eprof.prompts import Prompt, PromptError

__all__ = [
    "BudgetExceededError",
    "ChatTurn",
    "Completion",
    "Gateway",
    "GatewayConfig",
    "LLMOutputError",
    "LLMRequestError",
    "RateLimit",
    "ToolCall",
    "TokenUsage",
    "build_request",
    "cache_key",
    "canonical_json",
    "estimate_tokens",
    "response_format",
    "strict_json_schema",
]

ResponseT = TypeVar("ResponseT", bound=BaseModel)


class GatewayConfig(BaseModel):
    """Limits and retry policy; the defaults suit a hosted endpoint, tests shrink the waits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    token_budget: int = Field(300_000, gt=0, description="tokens per enterprise for this Gateway's lifetime")
    max_tokens: int = Field(4096, gt=0, description="completion limit sent with each request")
    max_attempts: int = Field(4, ge=1, description="transport attempts per ask (first try + retries)")
    max_reasks: int = Field(2, ge=0, description="re-asks after invalid output")
    backoff_base_s: float = Field(1.0, ge=0, description="first backoff; doubles per retry, plus jitter")
    backoff_max_s: float = Field(20.0, ge=0)
    retry_after_cap_s: float = Field(30.0, ge=0, description="longest Retry-After the gateway will honour")
    seed: int | None = Field(None, description="sent as the request's `seed`: an evaluation repeat is its own sample and cache entry")


class TokenUsage(BaseModel):
    """Tokens of one request (or the sum of several); a profile's whole cost is `agent.schema.Usage`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class Completion(BaseModel, Generic[ResponseT]):
    """A validated answer and what it cost; `attempts` counts requests sent (0 on a cache hit)."""

    model_config = ConfigDict(frozen=True)

    parsed: ResponseT
    model: str
    prompt_id: str
    prompt_version: int
    prompt_hash: str
    usage: TokenUsage
    attempts: int
    latency_ms: int
    cache_hit: bool
    cache_key: str
    call_id: str


@functools.cache
def _completion_type(response_model: type[BaseModel]) -> type[Completion]:
    """`Completion[response_model]`, made once: pydantic rebuilds an unreferenced one each time (3 ms)."""
    return Completion[response_model]  # type: ignore[valid-type]


class ToolCall(BaseModel):
    """A function the model asked for; `arguments` is the raw JSON text, for the caller to validate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    arguments: str


class ChatTurn(BaseModel, Generic[ResponseT]):
    """One chat turn: tool calls to run, or the final parsed answer (exactly one of the two).

    `messages` is the conversation as sent (masked, re-asks included) plus the model's reply:
    append the tool results to it and send it back for the next turn.
    """

    model_config = ConfigDict(frozen=True)

    messages: list[dict[str, Any]]
    tool_calls: list[ToolCall]
    parsed: ResponseT | None
    model: str
    usage: TokenUsage
    attempts: int
    latency_ms: int
    call_id: str


class BudgetExceededError(EprofError):
    def __init__(self, enterprise_id: str, *, needed: int, remaining: int, budget: int):
        self.enterprise_id, self.needed, self.remaining, self.budget = enterprise_id, needed, remaining, budget
        super().__init__(
            f"token budget for {enterprise_id} would be exceeded: request needs up to {needed} tokens, "
            f"{remaining} of {budget} left"
        )


class LLMRequestError(EprofError):
    """The endpoint did not answer usefully; `cause` is the openai exception class name."""

    def __init__(self, prompt_ref: str, *, attempts: int, cause: str, status: int | None):
        self.attempts, self.cause, self.status = attempts, cause, status
        shown = f"{cause} (HTTP {status})" if status else cause
        super().__init__(f"{prompt_ref}: model request failed after {attempts} attempt(s): {shown}")


class LLMOutputError(EprofError):
    """Output still invalid after the re-asks; carries everything needed to see why."""

    def __init__(
        self, prompt_ref: str, *, attempts: int, last_completion: str | None, errors: list[dict[str, Any]], usage: TokenUsage
    ):
        self.attempts, self.last_completion, self.errors, self.usage = attempts, last_completion, errors, usage
        first = errors[0] if errors else {"loc": [], "msg": "unknown"}
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        super().__init__(
            f"{prompt_ref}: model output invalid after {attempts} attempt(s) "
            f"({len(errors)} error(s); first: {where}: {first['msg']})"
        )


# ---------------------------------------------------------------- pure helpers


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: the one serialisation that hashes are taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(request: dict[str, Any], prompt_hash: str) -> str:
    """Digest of the canonical request, as "sha256:<hex>"; equal requests share one cached answer."""
    payload = canonical_json({"request": request, "prompt_hash": prompt_hash})
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


@functools.cache
def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema in OpenAI's strict form; built once per model (about 8 ms for a
    profile, on every call otherwise) and shared, so callers must not change it.

    Every object closes (`additionalProperties: false`) and lists all its properties as
    required (strict mode has no optional keys; a nullable type says "may be absent"), `$ref`s
    that carry siblings are inlined, and `default: null` is dropped.
    """
    schema = model.model_json_schema()
    return _strict(schema, schema.get("$defs", {}))


def _strict(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and len(node) > 1:
        resolved = defs[node["$ref"].rsplit("/", 1)[-1]]
        node = {**resolved, **{k: v for k, v in node.items() if k != "$ref"}}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$defs", "properties"):
            out[key] = {name: _strict(sub, defs) for name, sub in value.items()}
        elif key in ("items", "prefixItems", "anyOf", "allOf", "oneOf", "additionalProperties"):
            out[key] = _strict(value, defs)
        else:
            out[key] = value
    if out.get("type") == "object" and "properties" in out:
        out.setdefault("additionalProperties", False)
        out["required"] = list(out["properties"])
    if "default" in out and out["default"] is None:
        del out["default"]
    return out


def build_request(
    prompt: Prompt,
    variables: dict[str, str],
    response_model: type[BaseModel],
    *,
    model: str,
    max_tokens: int,
    mask: bool,
) -> dict[str, Any]:
    """The chat-completions request body: rendered (and masked) messages plus a strict JSON schema."""
    messages = [m.model_dump() for m in prompt.render(**variables)]
    return {
        "model": model,
        "messages": _masked(messages) if mask else messages,
        "response_format": response_format(response_model),
        "temperature": prompt.temperature,
        "max_tokens": max_tokens,
    }


def response_format(response_model: type[BaseModel]) -> dict[str, Any]:
    """The `response_format` that asks for the model's JSON in OpenAI's strict structured-output mode."""
    schema = {"name": response_model.__name__, "schema": strict_json_schema(response_model), "strict": True}
    return {"type": "json_schema", "json_schema": schema}


def _masked(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Personal data masked in every text content (an assistant's tool-call message has none)."""
    return [{**m, "content": mask_personal_data(m["content"])} if isinstance(m.get("content"), str) else m for m in messages]


def estimate_tokens(
    messages: list[dict[str, Any]], response_format: dict[str, Any], tools: list[dict[str, Any]] | None = None
) -> int:
    """A deliberately high estimate of prompt tokens, made offline.

    tiktoken would need to download its encodings, and no single tokenizer fits every
    endpoint anyway, so: each CJK character counts as one token (modern tokenizers need
    0.6-1.0), every other character as a third of one (English averages about four characters
    per token, JSON and digits about three), plus 4 tokens per message and the schema text;
    tool calls in the messages and the tool definitions count as their JSON text.
    """
    text_tokens = sum(
        _text_tokens(m.get("content") or "") + _text_tokens(canonical_json(m["tool_calls"]) if m.get("tool_calls") else "") + 4
        for m in messages
    )
    extra = _text_tokens(canonical_json(tools)) if tools else 0
    return text_tokens + extra + _text_tokens(canonical_json(response_format)) + 3


_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def _text_tokens(text: str) -> int:
    cjk = len(_CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 3)


def _errors_as_data(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic errors() reduced to type/loc/msg/input, JSON-safe, long inputs clipped."""
    return [
        {"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"], "input": _clip(e.get("input"))}
        for e in exc.errors(include_url=False, include_context=False)
    ]


def _clip(value: Any, limit: int = 300) -> Any:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= limit:
        return json.loads(text)
    return (value if isinstance(value, str) else text)[:limit] + "…"


def _output_errors(
    completion: ChatCompletion, response_model: type[ResponseT], context: dict[str, Any] | None, max_tokens: int
) -> tuple[ResponseT | None, list[dict[str, Any]]]:
    """Judge one reply: the parsed model, or errors as data (pydantic's shape, own types added)."""
    choice = completion.choices[0]
    content = choice.message.content
    if choice.finish_reason == "length":
        msg = f"the reply was cut off at the max_tokens limit ({max_tokens}); reply with a complete, shorter JSON"
        return None, [{"type": "truncated", "loc": [], "msg": msg, "input": _clip(content or "")}]
    if getattr(choice.message, "refusal", None):
        refusal = _clip(choice.message.refusal)
        return None, [{"type": "refusal", "loc": [], "msg": "the model refused", "input": refusal}]
    if not content:
        return None, [{"type": "no_content", "loc": [], "msg": "the reply had no JSON content", "input": None}]
    try:
        return response_model.model_validate_json(content, context=context), []
    except ValidationError as exc:
        return None, _errors_as_data(exc)


def _check_schema(prompt: Prompt, response_model: type[BaseModel]) -> None:
    if response_model.__name__ != prompt.response_schema:
        raise PromptError(f"{prompt.ref} expects response schema {prompt.response_schema}; got {response_model.__name__}")


def _assistant_message(reply: ChatCompletionMessage) -> dict[str, Any]:
    """The reply as a message to send back: role, content and any tool calls, nothing else."""
    return reply.model_dump(include={"role", "content", "tool_calls"}, exclude_none=True, mode="json")


def _reask(errors: list[dict[str, Any]]) -> str:
    return (
        "Your previous reply did not match the required JSON schema. The validation errors, as JSON "
        "(type, loc, msg, input):\n"
        f"{json.dumps(errors, ensure_ascii=False, indent=1)}\n"
        "Reply again with the complete, corrected JSON object only. The rules of the task still apply."
    )


class MalformedReplyError(Exception):
    """A 200 answer that is not a chat completion (a body that is not JSON, or has no choices):
    logged like a failed attempt and retried like a 5xx."""


def _transient(exc: BaseException) -> bool:
    """Worth another try: timeouts, connection errors, malformed 200s, 408, 409, 429 and 5xx."""
    if isinstance(exc, openai.APIConnectionError | MalformedReplyError):  # APITimeoutError is a subclass
        return True
    return isinstance(exc, openai.APIStatusError) and (exc.status_code in (408, 409, 429) or exc.status_code >= 500)


def _retry_after_s(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (Retry-After seconds or date, or retry-after-ms)."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


# ---------------------------------------------------------------- the I/O shell


class RateLimit(Protocol):
    """Pacing shared by every thread that sends through one endpoint (e.g. eprof.agent.rate_limit.RateLimiter).

    `acquire` blocks until a request of about `tokens` may go and returns a ticket; `settle` puts
    the real token count on the ticket; `back_off` makes every caller wait, because a 429 means
    the endpoint is over its limit for all of them, not just the one that got it.
    """

    def acquire(self, tokens: int) -> object: ...

    def settle(self, ticket: object, tokens: int) -> None: ...

    def back_off(self, seconds: float) -> None: ...


@dataclass
class _Call:
    """Bookkeeping for one complete() or chat() call: shared row fields, attempt counter, usage so far."""

    row: dict[str, Any]
    attempt: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage)


@functools.lru_cache(maxsize=8)
def _client(base_url: str | None, key: str, timeout: float) -> OpenAI:
    """One client (and connection pool) per endpoint in a process: building one loads the CA
    certificates, 50 ms, and every Gateway of a batch, a service or an evaluation shares it."""
    # Local endpoints (vLLM, Ollama) take any key; the client insists on one.
    return OpenAI(base_url=base_url, api_key=key or "no-key", timeout=timeout, max_retries=0)


class Gateway:
    """One endpoint, one call log, one token account per enterprise. Safe to share between threads.

    `max_in_flight` caps the requests out at once, whatever the callers' threads: a batch runs a
    few more applicants than it lets wait for the model, so that their searching and deciding
    happens while the model works instead of delaying the next request."""

    def __init__(
        self, settings: Settings, config: GatewayConfig | None = None, limiter: RateLimit | None = None,
        max_in_flight: int | None = None,
    ):
        if not (settings.openai_base_url or settings.openai_api_key):
            raise ConfigError("no LLM endpoint configured: set OPENAI_BASE_URL or OPENAI_API_KEY")
        self.settings = settings
        self.config = config or GatewayConfig()
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        self._secret = key
        self._client = _client(settings.openai_base_url, key, settings.request_timeout_s)
        self.log = CallLog(settings.home / "logs.db")
        self._spent: dict[str, int] = {}
        self._lock = threading.Lock()
        base, cap = self.config.backoff_base_s, self.config.backoff_max_s
        self._backoff = wait_exponential(multiplier=base, max=cap) + wait_random(0, base)
        self._limiter = limiter
        self._slots = threading.BoundedSemaphore(max_in_flight) if max_in_flight else contextlib.nullcontext()

    def spent(self, enterprise_id: str) -> int:
        """Tokens charged to the enterprise so far (actual usage, or the reservation when unknown)."""
        with self._lock:
            return self._spent.get(enterprise_id, 0)

    def complete(
        self,
        prompt: Prompt,
        variables: dict[str, str],
        response_model: type[ResponseT],
        *,
        enterprise_id: str,
        run_id: str | None = None,
        validation_context: dict[str, Any] | None = None,
    ) -> Completion[ResponseT]:
        """Ask for `response_model` with `prompt`; see the module docstring for the steps."""
        _check_schema(prompt, response_model)
        started = time.monotonic()
        model = self._model(prompt)
        request = build_request(
            prompt,
            variables,
            response_model,
            model=model,
            max_tokens=self.config.max_tokens,
            mask=self.settings.privacy_masking,
        )
        if self.config.seed is not None:
            request["seed"] = self.config.seed
        messages = request["messages"]
        key = cache_key(request, prompt.hash)
        call = self._call(prompt, request, response_model, key, enterprise_id=enterprise_id, run_id=run_id)

        def done(parsed: ResponseT, cache_hit: bool) -> Completion[ResponseT]:
            return _completion_type(response_model)(
                parsed=parsed,
                model=model,
                prompt_id=prompt.id,
                prompt_version=prompt.version,
                prompt_hash=prompt.hash,
                usage=call.usage,
                attempts=call.attempt,
                latency_ms=round((time.monotonic() - started) * 1000),
                cache_hit=cache_hit,
                cache_key=key,
                call_id=call.row["call_id"],
            )

        if (stored := self.log.cached(key)) is not None:
            try:
                parsed = response_model.model_validate_json(stored, context=validation_context)
            except ValidationError:
                pass  # the validation context changed what passes: ask the model again
            else:
                self._record(call, messages, attempt=1, duration_ms=0, parsed_json=stored, cache_hit=True)
                return done(parsed, cache_hit=True)

        _, reply, parsed = self._ask(prompt, call, request, response_model, validation_context)
        assert parsed is not None  # no tools were offered, so the reply is the answer
        self.log.store(key, reply.content or "", model=model, prompt_hash=prompt.hash)
        return done(parsed, cache_hit=False)

    def chat(
        self,
        prompt: Prompt,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        response_model: type[ResponseT],
        *,
        enterprise_id: str,
        run_id: str | None = None,
    ) -> ChatTurn[ResponseT]:
        """One turn of a tool-calling conversation started from `prompt`.

        `messages` is the whole conversation so far (OpenAI chat format, tool results included)
        and `tools` the OpenAI function definitions. The prompt gives the model default, the
        temperature and the identity logged with each attempt.
        """
        _check_schema(prompt, response_model)
        started = time.monotonic()
        model = self._model(prompt)
        request: dict[str, Any] = {
            "model": model,
            "messages": _masked(messages) if self.settings.privacy_masking else messages,
            "response_format": response_format(response_model),
            "temperature": prompt.temperature,
            "max_tokens": self.config.max_tokens,
        }
        if tools:
            request["tools"] = tools
        call = self._call(prompt, request, response_model, cache_key(request, prompt.hash), enterprise_id=enterprise_id, run_id=run_id)
        sent, reply, parsed = self._ask(prompt, call, request, response_model, None)
        calls = [ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments) for c in reply.tool_calls or []]
        return ChatTurn[response_model](  # type: ignore[valid-type]
            messages=[*sent, _assistant_message(reply)],
            tool_calls=calls,
            parsed=parsed,
            model=model,
            usage=call.usage,
            attempts=call.attempt,
            latency_ms=round((time.monotonic() - started) * 1000),
            call_id=call.row["call_id"],
        )

    def _model(self, prompt: Prompt) -> str:
        model = self.settings.model or prompt.model
        if not model:
            raise ConfigError(f"no model for {prompt.ref}: set EPROF_MODEL or a model in the prompt's front matter")
        return model

    def _call(
        self,
        prompt: Prompt,
        request: dict[str, Any],
        response_model: type[BaseModel],
        key: str,
        *,
        enterprise_id: str,
        run_id: str | None,
    ) -> _Call:
        """The row fields every attempt of one call shares (options never hold keys or URLs)."""
        options = {k: request[k] for k in ("temperature", "max_tokens")} | {"response_schema": response_model.__name__}
        if "tools" in request:
            options["tools"] = [t["function"]["name"] for t in request["tools"]]
        return _Call(
            row={
                "call_id": uuid.uuid4().hex,
                "run_id": run_id,
                "enterprise_id": enterprise_id,
                "prompt_id": prompt.id,
                "prompt_version": prompt.version,
                "prompt_hash": prompt.hash,
                "model": request["model"],
                "options_json": canonical_json(options | {"strict": True}),
                "cache_key": key,
            }
        )

    def _ask(
        self,
        prompt: Prompt,
        call: _Call,
        request: dict[str, Any],
        response_model: type[ResponseT],
        validation_context: dict[str, Any] | None,
    ) -> tuple[list[dict[str, Any]], ChatCompletionMessage, ResponseT | None]:
        """Send, judge the reply, re-ask with the errors: (messages as last sent, reply, parsed).

        A reply that calls tools is accepted unparsed when the request offered tools; otherwise
        the reply must validate against `response_model` within `max_reasks` re-asks.
        """
        messages = request["messages"]
        errors: list[dict[str, Any]] = []
        content: str | None = None
        for ask in range(1 + self.config.max_reasks):
            if ask:
                messages = [
                    *messages,
                    {"role": "assistant", "content": content or ""},
                    {"role": "user", "content": _reask(errors)},
                ]
            completion, duration_ms = self._send(prompt, call, {**request, "messages": messages})
            reply = completion.choices[0].message
            if reply.tool_calls and "tools" in request:
                self._record(
                    call,
                    messages,
                    attempt=call.attempt,
                    duration_ms=duration_ms,
                    response_text=canonical_json(_assistant_message(reply)),
                    usage=completion.usage,
                )
                return messages, reply, None
            content = reply.content
            parsed, errors = _output_errors(completion, response_model, validation_context, self.config.max_tokens)
            self._record(
                call,
                messages,
                attempt=call.attempt,
                duration_ms=duration_ms,
                response_text=content,
                parsed_json=content if parsed is not None else None,
                errors_json=canonical_json(errors) if errors else None,
                error_type=None if parsed is not None else "ValidationError",
                usage=completion.usage,
            )
            if parsed is not None:
                return messages, reply, parsed
        raise LLMOutputError(
            prompt.ref, attempts=call.attempt, last_completion=content, errors=errors, usage=call.usage
        )

    def _send(self, prompt: Prompt, call: _Call, request: dict[str, Any]) -> tuple[ChatCompletion, int]:
        """One ask: transport attempts under tenacity; non-retryable or exhausted -> LLMRequestError."""
        reserve = estimate_tokens(request["messages"], request["response_format"], request.get("tools")) + request["max_tokens"]
        retrying = Retrying(
            stop=stop_after_attempt(self.config.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_transient),
            reraise=True,
        )
        try:
            return retrying(self._attempt, call, request, reserve)
        except (openai.APIError, MalformedReplyError) as exc:
            status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
            raise LLMRequestError(prompt.ref, attempts=call.attempt, cause=type(exc).__name__, status=status) from exc

    def _attempt(self, call: _Call, request: dict[str, Any], reserve: int) -> tuple[ChatCompletion, int]:
        """One request within budget; a failed one is logged here, a reply by the caller."""
        enterprise_id = call.row["enterprise_id"]
        self._reserve(enterprise_id, reserve)
        try:
            with self._slots:
                ticket = self._limiter.acquire(reserve) if self._limiter else None
                call.attempt += 1
                sent = time.monotonic()
                # The SDK's `create` walks every node of its arguments to transform typed params (0.7 ms
                # a profile, under the GIL); `request` is plain JSON already, so it is posted as it is.
                completion = self._client.post("/chat/completions", cast_to=ChatCompletion, body=request)
        except openai.APIError as exc:
            # A timed-out request may still have been processed and billed: charge the reservation.
            self._settle(enterprise_id, reserve, reserve if isinstance(exc, openai.APITimeoutError) else 0, ticket)
            self._record(
                call,
                request["messages"],
                attempt=call.attempt,
                duration_ms=round((time.monotonic() - sent) * 1000),
                response_text=exc.response.text if isinstance(exc, openai.APIStatusError) else exc.message,
                error_type=type(exc).__name__,
            )
            raise
        choices = getattr(completion, "choices", None) if isinstance(completion, ChatCompletion) else None
        if not choices or getattr(choices[0], "message", None) is None:
            self._settle(enterprise_id, reserve, 0, ticket)
            body = completion if isinstance(completion, str) else canonical_json(getattr(completion, "model_extra", None) or {})
            self._record(call, request["messages"], attempt=call.attempt, duration_ms=round((time.monotonic() - sent) * 1000),
                         response_text=body[:2000], error_type=MalformedReplyError.__name__)
            raise MalformedReplyError("the endpoint answered 200 with something that is not a chat completion")
        usage = completion.usage
        self._settle(enterprise_id, reserve, usage.prompt_tokens + usage.completion_tokens if usage else reserve, ticket)
        if usage:
            call.usage += TokenUsage(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
        return completion, round((time.monotonic() - sent) * 1000)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after_s(exc)
        wait = min(after, self.config.retry_after_cap_s) if after is not None else self._backoff(state)
        if self._limiter and isinstance(exc, openai.RateLimitError):
            self._limiter.back_off(wait)
        return wait

    def _reserve(self, enterprise_id: str, tokens: int) -> None:
        with self._lock:
            spent = self._spent.get(enterprise_id, 0)
            remaining = self.config.token_budget - spent
            if tokens > remaining:
                raise BudgetExceededError(
                    enterprise_id, needed=tokens, remaining=remaining, budget=self.config.token_budget
                )
            self._spent[enterprise_id] = spent + tokens

    def _settle(self, enterprise_id: str, reserved: int, actual: int, ticket: object = None) -> None:
        with self._lock:
            self._spent[enterprise_id] += actual - reserved
        if self._limiter and ticket is not None:
            self._limiter.settle(ticket, actual)

    def _record(
        self,
        call: _Call,
        messages: list[dict[str, str]],
        *,
        attempt: int,
        duration_ms: int,
        usage: Any = None,
        cache_hit: bool = False,
        **text: str | None,
    ) -> None:
        """Write one row; the API key is scrubbed from every text column, whatever a server echoed."""
        fields = {k: self._scrub(v) for k, v in text.items()}
        self.log.record(
            CallRecord(
                **call.row,
                messages_json=self._scrub(canonical_json(messages)),
                attempt=attempt,
                duration_ms=duration_ms,
                prompt_tokens=usage.prompt_tokens if usage else None,
                completion_tokens=usage.completion_tokens if usage else None,
                cache_hit=cache_hit,
                **fields,
            )
        )

    def _scrub(self, text: str | None) -> str | None:
        return text.replace(self._secret, "[API_KEY]") if text and self._secret else text
