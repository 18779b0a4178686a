"""The two extractors behind one signature, and the entry point that picks one.

offline: deterministic patterns and lexicons (agent/offline.py); the default with no endpoint.
llm:     any OpenAI-compatible endpoint through agent/llm.py, with a versioned prompt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eprof.agent.extraction import Extraction
from eprof.agent.offline import extract_offline
from eprof.agent.profile import DEFAULT_PROMPT, MAX_LLM_EVIDENCE_CHARS, Extractor, build_profile
from eprof.agent.schema import OperatingProfile, Usage
from eprof.kernel.config import Settings
from eprof.kernel.errors import ConfigError
from eprof.prompts import Passage, format_documents, load_prompt
from eprof.retrieval.schema import Chunk
from eprof.retrieval.search import Searcher

if TYPE_CHECKING:  # the model client (openai) loads only on the LLM path: an offline profile or question never needs it
    from eprof.agent.llm import Gateway

ALIASES_VARIABLE = "enterprise_aliases"


def _offline(enterprise_id: str, name: str | None, chunks: list[Chunk], ratios: dict[str, float | None],
             aliases: tuple[str, ...] = ()) -> tuple[Extraction, Usage]:
    return extract_offline(enterprise_id, name, chunks, ratios, aliases), Usage()


def within_budget(chunks: list[Chunk], max_chars: int = MAX_LLM_EVIDENCE_CHARS) -> list[Chunk]:
    """The evidence set cut to a character budget, keeping document order."""
    kept, used = [], 0
    for chunk in chunks:
        if used + len(chunk.text) > max_chars:
            continue
        kept.append(chunk)
        used += len(chunk.text)
    return kept


def choose_extractor(settings: Settings, requested: Extractor | None = None) -> Extractor:
    """The extractor to use: the one requested, else llm when an endpoint is configured, else offline."""
    chosen: Extractor = requested or ("llm" if settings.llm_configured else "offline")
    if chosen == "llm" and not settings.llm_configured:
        raise ConfigError("the LLM path needs an endpoint: set OPENAI_BASE_URL or OPENAI_API_KEY, and EPROF_MODEL")
    return chosen


def run_profile(
    settings: Settings,
    enterprise_id: str,
    extractor: Extractor | None = None,
    prompt_ref: str = DEFAULT_PROMPT,
    searcher: Searcher | None = None,
    gateway: Gateway | None = None,
    run_id: str | None = None,
) -> OperatingProfile:
    """Profile one enterprise. extractor=None picks llm when an endpoint is configured."""
    searcher = searcher or Searcher.open(settings)
    if choose_extractor(settings, extractor) == "offline":
        return build_profile(searcher, enterprise_id, _offline, extractor="offline")
    from eprof.agent.llm import Gateway

    prompt = load_prompt(prompt_ref)
    gateway = gateway or Gateway(settings)
    model = settings.model or prompt.model

    def _llm(eid: str, name: str | None, chunks: list[Chunk], ratios: dict[str, float | None],
             aliases: tuple[str, ...] = ()) -> tuple[Extraction, Usage]:
        passages = [Passage(chunk_id=c.chunk_id, source=c.source, page=c.page, text=c.text) for c in within_budget(chunks)]
        variables = {"enterprise_id": eid, "enterprise_name": name or eid, "documents": format_documents(passages)}
        if ALIASES_VARIABLE in prompt.variables:  # prompts from profile_news@v1 on are told the other names
            variables[ALIASES_VARIABLE] = "、".join(aliases) or "(none given)"
        completion = gateway.complete(
            prompt,
            variables,
            Extraction,
            enterprise_id=eid,
            run_id=run_id,
        )
        usage = Usage(
            calls=1,
            cache_hits=int(completion.cache_hit),
            prompt_tokens=completion.usage.prompt_tokens,
            completion_tokens=completion.usage.completion_tokens,
            latency_ms=completion.latency_ms,
        )
        return completion.parsed, usage

    return build_profile(searcher, enterprise_id, _llm, extractor="llm", model=model, prompt=prompt.ref, prompt_hash=prompt.hash)
