"""`eprof ask` and `eprof chat`: an analyst's questions about one enterprise, answered with citations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import click
import typer

from eprof.agent.qa import Mode, QAResult
from eprof.cli._common import ChromaUrlOption, StoreOption, console, print_json, settings_from

if TYPE_CHECKING:  # the session (Chroma, the embedder, the gateway) loads when a question is asked, not for --help
    from eprof.workflows.qa_session import QASession

ModeOption = Annotated[
    str | None,
    typer.Option("--mode", help="offline | llm [default: llm when an endpoint is configured, else offline]", show_default=False),
]
CHAT_HELP = "Commands: /open N prints the full text of citation N, /help, /quit (or end of input)."


def _session(enterprise_id: str, mode: str | None, store: StoreOption, chroma_url: ChromaUrlOption) -> QASession:
    if mode not in (None, "offline", "llm"):
        raise typer.BadParameter(f"expected offline or llm; got {mode!r}", param_hint="--mode")
    chosen: Mode | None = mode  # type: ignore[assignment]  # checked just above
    from eprof.workflows.qa_session import QASession

    return QASession(settings_from(store, chroma_url), enterprise_id, chosen)


def ask(
    enterprise_id: Annotated[str, typer.Argument(help="enterprise to ask about (must be ingested)")],
    question: Annotated[str, typer.Argument(help="the question, in Chinese or English")],
    mode: ModeOption = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer JSON")] = False,
) -> None:
    """Answer one question about an enterprise from its documents, profile and decision, with citations."""
    result = _session(enterprise_id, mode, store, chroma_url).ask(question)
    if as_json:
        print_json(result)
        return
    show_answer(result)


def chat(
    enterprise_id: Annotated[str, typer.Argument(help="enterprise to ask about (must be ingested)")],
    mode: ModeOption = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
) -> None:
    """Ask questions about one enterprise in a session; follow-up questions keep the context.

    /open N prints the full text of citation N of the last answer; /quit or end of input leaves.
    """
    session = _session(enterprise_id, mode, store, chroma_url)
    console.print(f"[bold]{session.info.name or enterprise_id}[/] ({enterprise_id}) · {session.mode} mode. {CHAT_HELP}", highlight=False)
    last: QAResult | None = None
    while True:
        try:
            line = click.prompt("ask", prompt_suffix="> ", default="", show_default=False).strip()
        except click.exceptions.Abort:  # end of input or Ctrl-C
            console.print()
            return
        if line in ("/quit", "/exit", "/q"):
            return
        if line == "/help":
            console.print(CHAT_HELP)
        elif line.startswith("/open"):
            _open(session, last, line.removeprefix("/open").strip())
        elif line.startswith("/"):
            console.print(f"unknown command {line.split()[0]}. {CHAT_HELP}", highlight=False)
        elif line:
            last = session.ask(line)
            show_answer(last)


def _open(session: QASession, last: QAResult | None, number: str) -> None:
    citations = last.citations if last else []
    if not number.isdigit() or not 1 <= int(number) <= len(citations):
        console.print(f"usage: /open N, with N from 1 to {len(citations)} (the citations of the last answer)", highlight=False)
        return
    citation = citations[int(number) - 1]
    chunk = session.chunk(citation)
    if chunk is None:
        console.print(f"chunk {citation.chunk_id} is no longer in the store; re-run the question", highlight=False)
        return
    pages = f"p.{chunk.page}" if chunk.page == chunk.page_end else f"p.{chunk.page}-{chunk.page_end}"
    console.print(f"[{number}] {chunk.source} {pages} · {chunk.section or 'no section'} · chunk {chunk.chunk_id}", style="bold", highlight=False, markup=False)
    console.print(chunk.text, highlight=False, markup=False, soft_wrap=True)


def show_answer(result: QAResult) -> None:
    style = "yellow" if result.abstained else ("cyan" if result.basis == "extractive" else "")
    console.print(result.answer, style=style, highlight=False, markup=False, soft_wrap=True)
    for i, c in enumerate(result.citations, start=1):
        quote = c.quote if len(c.quote) <= 160 else c.quote[:160] + "…"
        console.print(f"  [{i}] [{c.source} p.{c.page}] \"{quote}\"", highlight=False, markup=False, style="dim")
    if result.rejected:
        console.print(f"  {len(result.rejected)} citation(s) dropped: the quote was not found in the cited chunk", style="yellow", markup=False)
    u = result.usage
    cost = f" · {u.calls} model call(s), {u.tokens} tokens" if u.calls else ""
    console.print(f"  {result.mode} · {result.basis} · {u.latency_ms} ms{cost}", style="dim", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.command()(chat)
