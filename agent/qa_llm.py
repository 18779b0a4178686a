"""The tool-calling Q&A loop: LangChain tools bound to one enterprise, run through the gateway
(the one place that talks to a model) until the model returns an `Answer`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool, tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field, ValidationError

from eprof.agent.llm import Gateway
from eprof.agent.qa import HISTORY_TURNS, MAX_STEPS, Answer, QAUsage
from eprof.agent.schema import OperatingProfile
from eprof.kernel.errors import EprofError
from eprof.prompts import Passage, Prompt, format_documents
from eprof.retrieval.schema import Hit

class _Query(BaseModel):
    query: str = Field(min_length=1, description="what to look for, in Chinese or English")


def make_tools(
    search: Callable[[str], list[Hit]], profile: OperatingProfile, decision_json: str, searched: list[str]
) -> list[BaseTool]:
    """The agent's tools, each closed over one enterprise: none of them takes an enterprise id.

    `search` is already bound to the enterprise; each query it runs is appended to `searched`.
    """

    @tool(args_schema=_Query)
    def search_documents(query: str) -> str:
        """Search this enterprise's documents; returns the best passages with chunk_id, source and page."""
        searched.append(query)
        hits = search(query)
        return format_documents(Passage(chunk_id=h.chunk_id, source=h.source, page=h.page, text=h.text) for h in hits)

    @tool
    def read_profile() -> str:
        """Read this enterprise's verified profile: table-read figures, auditor, shareholder, parties, red flags."""
        return profile_digest(profile)

    @tool
    def read_decision() -> str:
        """Read this enterprise's credit decision with reason codes and knock-outs, or why there is none."""
        return decision_json

    return [search_documents, read_profile, read_decision]


def profile_digest(profile: OperatingProfile) -> str:
    """The profile as the model reads it: the read figures and the verified claims, with evidence."""
    data = profile.model_dump(
        mode="json",
        include={"name", "fiscal_year", "industry", "main_business", "upstream", "downstream", "parties", "auditor",
                 "audit_opinion", "controlling_shareholder", "ratios", "red_flags"},
        exclude_none=True,
    )
    data["figures"] = [
        f.model_dump(mode="json", include={"name", "period", "as_printed", "value", "currency", "evidence"})
        for f in profile.figures
        if f.value is not None
    ]
    return json.dumps(data, ensure_ascii=False)


def _run_tool(tools: Mapping[str, BaseTool], name: str, arguments: str) -> str:
    """A tool's result, or an error the model can act on (unknown tool, bad arguments, failed search)."""
    if name not in tools:
        return f"error: unknown tool {name!r}; available: {', '.join(tools)}"
    try:
        return str(tools[name].invoke(json.loads(arguments or "{}")))
    except json.JSONDecodeError as exc:
        return f"error: arguments are not JSON: {exc}"
    except ValidationError as exc:
        return "error: invalid arguments: " + json.dumps(exc.errors(include_url=False, include_context=False), ensure_ascii=False, default=str)
    except EprofError as exc:
        return f"error: {exc}"


def answer_llm(
    question: str,
    *,
    gateway: Gateway,
    prompt: Prompt,
    enterprise_id: str,
    enterprise_name: str,
    tools: Sequence[BaseTool],
    history: Sequence[tuple[str, str]] = (),
    run_id: str | None = None,
) -> tuple[Answer | None, QAUsage]:
    """Run the tool-calling loop; the final Answer (None if MAX_STEPS turns all called tools) and its cost."""
    system, user = (m.model_dump() for m in prompt.render(enterprise_name=enterprise_name, question=question))
    past = [m for q, a in history[-HISTORY_TURNS:] for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})]
    messages: list[dict[str, Any]] = [system, *past, user]
    schemas = [convert_to_openai_tool(t) for t in tools]
    by_name = {t.name: t for t in tools}
    calls = tokens_used = 0
    for _ in range(MAX_STEPS):
        turn = gateway.chat(prompt, messages, schemas, Answer, enterprise_id=enterprise_id, run_id=run_id)
        calls, tokens_used = calls + turn.attempts, tokens_used + turn.usage.total_tokens
        if turn.parsed is not None:
            return turn.parsed, QAUsage(calls=calls, tokens=tokens_used)
        results = [{"role": "tool", "tool_call_id": c.id, "content": _run_tool(by_name, c.name, c.arguments)} for c in turn.tool_calls]
        messages = [*turn.messages, *results]
    return None, QAUsage(calls=calls, tokens=tokens_used)
