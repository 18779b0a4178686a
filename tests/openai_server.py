"""A scripted server that speaks the OpenAI protocol, for tests that use the real `openai` client.

    server.script([Reply.text("{not json"), Reply.json({"answer": "ok"})])
    ... code under test calls server.base_url ...
    server.requests[1].json["messages"][-1]["content"]   # the re-ask the gateway sent

`POST /v1/chat/completions` answers with the next scripted Reply, in order (418 when the script is
used up, which no client retries). `script(replies, when="ACME")` gives requests whose messages
mention "ACME" their own script, so concurrent clients get deterministic answers. `POST /v1/embeddings` needs no script: each text gets a
deterministic unit vector derived from its sha256. Every request is recorded, headers included.
The app runs under uvicorn on 127.0.0.1, on a free port, in a background thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

__all__ = ["OpenAIServer", "RecordedRequest", "Reply", "embed"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a chat completion or an error status, optionally after a delay."""

    status_code: int = 200
    message: dict[str, Any] | None = None
    finish_reason: str = "stop"
    usage: tuple[int, int] = (50, 20)
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    raw_body: str | None = None

    @classmethod
    def raw(cls, body: str, *, content_type: str = "text/html") -> Reply:
        """A 200 whose body is sent as it is (not a chat completion: a proxy's error page, say)."""
        return cls(raw_body=body, headers={"content-type": content_type})

    @classmethod
    def json(cls, data: Any, *, usage: tuple[int, int] = (50, 20)) -> Reply:
        """Valid JSON content (valid for the schema or not: that is the test's choice)."""
        return cls.text(json.dumps(data, ensure_ascii=False), usage=usage)

    @classmethod
    def text(cls, content: str, *, finish_reason: str = "stop", usage: tuple[int, int] = (50, 20)) -> Reply:
        """Raw message content, e.g. malformed JSON."""
        return cls(message={"role": "assistant", "content": content}, finish_reason=finish_reason, usage=usage)

    @classmethod
    def truncated(cls, content: str, *, usage: tuple[int, int] = (50, 4096)) -> Reply:
        """Content cut off at max_tokens: finish_reason "length"."""
        return cls.text(content, finish_reason="length", usage=usage)

    @classmethod
    def tool_calls(cls, calls: Iterable[tuple[str, dict[str, Any]]], *, usage: tuple[int, int] = (50, 20)) -> Reply:
        """An assistant message that calls tools: (function name, arguments) pairs."""
        tool_calls = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
            }
            for i, (name, arguments) in enumerate(calls)
        ]
        message = {"role": "assistant", "content": None, "tool_calls": tool_calls}
        return cls(message=message, finish_reason="tool_calls", usage=usage)

    @classmethod
    def status(cls, code: int, *, retry_after: float | None = None, message: str = "scripted error") -> Reply:
        """An HTTP error with an OpenAI-shaped body; `retry_after` sets the Retry-After header."""
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        return cls(status_code=code, error=message, headers=headers)

    def slow(self, seconds: float) -> Reply:
        """The same reply, sent after `seconds` (longer than the client timeout -> a timeout)."""
        return replace(self, delay_s=seconds)


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    json: dict[str, Any]


def embed(text: str, dimensions: int = 64) -> list[float]:
    """The server's embedding: a unit vector from sha256(text) blocks, the same on every run."""
    raw: list[float] = []
    block = 0
    while len(raw) < dimensions:
        digest = hashlib.sha256(f"{block}\0{text}".encode()).digest()
        raw.extend(b / 127.5 - 1.0 for b in digest)
        block += 1
    vector = raw[:dimensions]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class OpenAIServer:
    """Start with `with OpenAIServer() as server:`; `base_url` goes to the client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._routed: dict[str, deque[Reply]] = {}
        self._requests: list[RecordedRequest] = []
        self._completions = 0
        self._in_flight = 0
        self.peak_in_flight = 0
        """Most chat requests seen waiting at once (their replies' delays overlapping)."""
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._chat)
        self.app.post("/v1/embeddings")(self._embeddings)
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off"))
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> OpenAIServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("scripted OpenAI server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def script(self, replies: Iterable[Reply], *, when: str | None = None) -> None:
        """Queue replies for the next chat completion requests, after any still queued; with `when`,
        only for requests whose messages contain that text (they never take the common script)."""
        with self._lock:
            (self._queue if when is None else self._routed.setdefault(when, deque())).extend(replies)

    def reset(self) -> None:
        """Forget the script and the recorded requests (done before each test)."""
        with self._lock:
            self._queue.clear()
            self._routed.clear()
            self._requests.clear()
            self.peak_in_flight = 0

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (embeddings included)."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._queue) + sum(len(q) for q in self._routed.values())

    async def _record(self, request: Request) -> dict[str, Any]:
        body = await request.json()
        with self._lock:
            self._requests.append(RecordedRequest(request.url.path, dict(request.headers), body))
        return body

    async def _chat(self, request: Request) -> Response:
        body = await self._record(request)
        sent = json.dumps(body.get("messages", []), ensure_ascii=False)
        with self._lock:
            queue = next((q for marker, q in self._routed.items() if marker in sent), self._queue)
            reply = queue.popleft() if queue else Reply.status(418, message="no scripted reply left")
            self._completions += 1
            number = self._completions
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            if reply.delay_s:
                await asyncio.sleep(reply.delay_s)
        finally:
            with self._lock:
                self._in_flight -= 1
        if reply.status_code >= 400:
            error = {"message": reply.error, "type": "scripted_error", "param": None, "code": str(reply.status_code)}
            return JSONResponse({"error": error}, status_code=reply.status_code, headers=reply.headers)
        if reply.raw_body is not None:
            return Response(reply.raw_body, headers=reply.headers)
        prompt_tokens, completion_tokens = reply.usage
        return JSONResponse(
            {
                "id": f"chatcmpl-{number}",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": body.get("model", ""),
                "choices": [
                    {"index": 0, "message": reply.message, "finish_reason": reply.finish_reason, "logprobs": None}
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
            status_code=reply.status_code,
            headers=reply.headers,
        )

    async def _embeddings(self, request: Request) -> JSONResponse:
        body = await self._record(request)
        texts = [body["input"]] if isinstance(body["input"], str) else list(body["input"])
        dimensions = int(body.get("dimensions") or 64)
        data = []
        for index, text in enumerate(texts):
            vector = embed(str(text), dimensions)
            if body.get("encoding_format") == "base64":
                encoded: Any = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
            else:
                encoded = vector
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(str(t)) // 4 + 1 for t in texts)
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": body.get("model", ""),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )
