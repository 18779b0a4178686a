"""`eprof ingest`, `eprof search`, `eprof enterprises`: documents in, cited passages out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from eprof.cli._common import ChromaUrlOption, StoreOption, console, err_console, print_json, settings_from
from eprof.kernel.errors import InputError
from eprof.retrieval.schema import DocType, IngestResult, IngestStatus
from eprof.retrieval.search import Searcher

if TYPE_CHECKING:
    from eprof.retrieval.ingest import IngestJob

STATUS_STYLE = {
    IngestStatus.added: "green",
    IngestStatus.replaced: "cyan",
    IngestStatus.unchanged: "dim",
    IngestStatus.failed: "bold red",
}


def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="files or folders to ingest", show_default=False)] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", "-e", help="enterprise id the documents belong to")] = None,
    name: Annotated[str | None, typer.Option("--name", help="enterprise name")] = None,
    alias: Annotated[list[str] | None, typer.Option("--alias", help="another name of the enterprise (short name, brand); repeatable")] = None,
    doc_type: Annotated[DocType | None, typer.Option("--doc-type", help="document type [default: annual_report for PDF, news for HTML, research for text/Markdown]", show_default=False)] = None,
    published: Annotated[dt.datetime | None, typer.Option("--published", formats=["%Y-%m-%d"], help="publication date YYYY-MM-DD")] = None,
    filing: Annotated[str | None, typer.Option("--filing", help="filing type (10-K, 10-Q, 8-K, annual report, 年度报告, 半年度报告, 季度报告, news, research) [default: read from the document]", show_default=False)] = None,
    period: Annotated[str | None, typer.Option("--period", help="fiscal period: FY2019, Q1 2021, H1 2019 or YYYY-MM-DD [default: read from the document]", show_default=False)] = None,
    manifest: Annotated[Path | None, typer.Option("--manifest", help="CSV: enterprise_id,name,path,doc_type,published[,aliases,filing,period]")] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print results as JSON")] = False,
) -> None:
    """Ingest PDF, HTML, text and Markdown files into one enterprise's index.

    Unchanged files are skipped, changed files replace their old version atomically, and a file
    that cannot be read is reported while the others are still ingested (exit code 1 if any failed).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from eprof.retrieval.ingest import ingest_all  # the readers (pypdf, ...): not for a search

    jobs, problems = _jobs(paths or [], enterprise, name, doc_type, published, manifest, tuple(alias or ()), filing, period)
    searcher = Searcher.open(settings_from(store, chroma_url))
    progress = Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        TextColumn("{task.description}"), console=err_console, transient=True, disable=as_json,
    )

    def report(outcome: IngestResult) -> None:
        progress.advance(task)
        if not as_json:
            style = STATUS_STYLE[outcome.status]
            detail = outcome.reason if outcome.status is IngestStatus.failed else f"{outcome.pages} pages, {outcome.chunks} chunks"
            progress.console.print(f"[{style}]{outcome.status.value:>9}[/] {escape(outcome.enterprise_id)}  {escape(Path(outcome.path).name)}  [dim]{escape(str(detail))}[/]", highlight=False)

    with progress:
        task = progress.add_task("", total=len(jobs))
        results = ingest_all(searcher.store, searcher.embedder, jobs, on_result=report)
    for enterprise_id in dict.fromkeys(r.enterprise_id for r in results if r.status in (IngestStatus.added, IngestStatus.replaced)):
        searcher.prepare(enterprise_id)  # the keyword index, saved now so that a search loads it
    failed = [r for r in results if r.status is IngestStatus.failed]
    if as_json:
        print_json({"results": [r.model_dump(mode="json") for r in results], "manifest_errors": problems})
    else:
        for problem in problems:
            err_console.print(f"[bold red]manifest line {problem['line']}:[/] {escape(problem['message'])}", highlight=False)
        counts = {s: sum(r.status is s for r in results) for s in IngestStatus}
        summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        console.print(f"[bold]{len(results)} file(s):[/] {summary or 'nothing to do'}; "
                      f"{sum(r.chunks for r in results if r.status in (IngestStatus.added, IngestStatus.replaced))} chunks written")
    if failed or problems:
        raise typer.Exit(1)


def _jobs(paths, enterprise, name, doc_type, published, manifest, aliases=(), filing=None, period=None) -> tuple[list[IngestJob], list[dict]]:  # noqa: ANN001
    from eprof.retrieval.ingest import IngestJob, default_doc_type, expand_paths, read_manifest

    if manifest is not None:
        if paths or enterprise or filing or period:
            raise InputError("give either --manifest or PATH... with --enterprise, not both")
        jobs, errors = read_manifest(manifest)
        return jobs, [e.model_dump() for e in errors]
    if not paths:
        raise InputError("nothing to ingest: give PATH... with --enterprise, or --manifest FILE.csv")
    if not enterprise:
        raise InputError("--enterprise is required with PATH...: every document belongs to one enterprise")
    day = published.date() if published else None
    return [
        IngestJob(enterprise_id=enterprise, name=name, path=p, doc_type=doc_type or default_doc_type(p), published=day, aliases=aliases,
                  filing=filing, period=period, doc_key=key)
        for p, key in expand_paths(paths)
    ], []


def search(
    enterprise_id: Annotated[str, typer.Argument(help="enterprise to search (required: searches never cross enterprises)")],
    query: Annotated[str, typer.Argument(help="question or keywords, Chinese or English")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="number of hits")] = 5,
    doc_type: Annotated[DocType | None, typer.Option("--doc-type", help="only this document type")] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print hits as JSON")] = False,
) -> None:
    """Hybrid (dense + BM25) search within one enterprise's documents, with page citations."""
    searcher = Searcher.open(settings_from(store, chroma_url), queries=[query])
    hits = searcher.search(enterprise_id, query, k=k, doc_type=doc_type)
    if as_json:
        print_json([h.model_dump(mode="json", exclude={"page_end", "kind", "dense_rank", "keyword_rank"}) for h in hits])
        return
    if not hits:
        console.print(f"No passages found for {query!r} in {enterprise_id}'s documents.")
        return
    table = Table("#", "source", "filing", "page", "section", "text", "score", title=f"{enterprise_id}: {query}", show_lines=True)
    for rank, hit in enumerate(hits, start=1):
        pages = f"{hit.page}" if hit.page == hit.page_end else f"{hit.page}-{hit.page_end}"
        text = hit.text if len(hit.text) <= 400 else hit.text[:400] + " …"
        filing = " ".join(x for x in (hit.filing, hit.period) if x)
        table.add_row(str(rank), escape(hit.source), escape(filing), pages, escape(hit.section or ""), escape(text), f"{hit.score:.4f}")
    console.print(table)


def enterprises(
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List indexed enterprises: documents (filing type and period), pages, chunks and last ingest."""
    infos = Searcher.open(settings_from(store, chroma_url)).store.enterprises()
    if as_json:
        print_json([{**i.model_dump(mode="json"), "pages": i.pages, "chunks": i.chunks} for i in infos])
        return
    table = Table("enterprise", "name", "documents", "filings", "pages", "chunks", "last ingest (UTC)", title="indexed enterprises")
    for info in infos:
        last = info.last_ingest.strftime("%Y-%m-%d %H:%M") if info.last_ingest else ""
        filings = "\n".join(" ".join(x for x in (d.filing or "?", d.period or "?")) for d in info.documents)
        table.add_row(escape(info.enterprise_id), escape(info.name or ""), str(len(info.documents)), escape(filings), str(info.pages), str(info.chunks), last)
    console.print(table if infos else "No enterprises indexed yet: run `eprof ingest`.")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(search)
    app.command()(enterprises)
