"""`eprof profile`: the verified operating profile and red flags of one enterprise."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from eprof.agent.profile import DEFAULT_PROMPT, profile_path, save_profile
from eprof.agent.schema import Evidence, OperatingProfile, Severity
from eprof.agent.spread import Spread, build_spread, spread_rows
from eprof.cli._common import ChromaUrlOption, StoreOption, console, settings_from

KEY_FIGURES = ("revenue", "net_profit", "total_assets", "total_liabilities", "operating_cash_flow", "accounts_receivable")
SEVERITY_ORDER = {Severity.critical: 0, Severity.high: 1, Severity.medium: 2, Severity.low: 3}
SEVERITY_STYLE = {Severity.critical: "bold white on red", Severity.high: "bold red", Severity.medium: "yellow", Severity.low: "dim"}


def profile(
    enterprise_id: Annotated[str, typer.Argument(help="enterprise to profile (must be ingested)")],
    prompt: Annotated[str, typer.Option("--prompt", help="prompt version for the llm extractor")] = DEFAULT_PROMPT,
    extractor: Annotated[str | None, typer.Option("--extractor", help="offline | llm [default: llm when an endpoint is configured, else offline]", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="where to write the profile JSON [default: STORE/profiles/]", show_default=False)] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the profile JSON")] = False,
    spread: Annotated[bool, typer.Option("--spread", help="with --json: print the financial spread (spread/1) instead of the profile")] = False,
) -> None:
    """Extract the operating profile and red flags, verify every quote, and write the profile JSON."""
    if extractor not in (None, "offline", "llm"):
        raise typer.BadParameter(f"expected offline or llm; got {extractor!r}", param_hint="--extractor")
    from eprof.agent.extractors import run_profile  # the extractors load the gateway: not needed for --help

    settings = settings_from(store, chroma_url)
    result = run_profile(settings, enterprise_id, extractor, prompt)  # type: ignore[arg-type]
    path = save_profile(result, out or profile_path(settings, enterprise_id))
    if as_json:
        typer.echo((build_spread(result) if spread else result).model_dump_json(indent=2))
        return
    show_profile(result)
    console.print(f"[dim]profile written to {path}[/]")


def cite(evidence: Evidence) -> str:
    """A citation as analysts read it: [source p.N]."""
    return f"[{evidence.source} p.{evidence.page}]"


def show_profile(p: OperatingProfile) -> None:
    made_by = "offline extractor" if p.extractor == "offline" else f"{p.model} with {p.prompt}"
    console.print(f"[bold]{p.name or p.enterprise_id}[/] ({p.enterprise_id}) · fiscal year {p.fiscal_year or 'unknown'} · {made_by}")
    for label, claim in (("industry", p.industry), ("main business", p.main_business), ("auditor", p.auditor),
                         ("audit opinion", p.audit_opinion), ("controlling shareholder", p.controlling_shareholder)):
        if claim:
            e = claim.evidence[0]
            console.print(f"  {label}: {escape(claim.value)} [dim]{escape(cite(e))}[/]", highlight=False)
    customers = [x for x in p.parties if x.role == "customer"]
    if customers:
        shown = escape(", ".join(f"{c.name}{f' {c.share:.0%}' if c.share is not None else ''}" for c in customers[:5]))
        console.print(f"  key customers: {shown}", highlight=False)
    figures = Table("figure", "as printed", "yuan", "source", title=f"Key figures {p.fiscal_year or ''}")
    by_key = {(f.name, f.period): f for f in p.figures}
    for name in KEY_FIGURES:
        f = by_key.get((name, p.fiscal_year or ""))
        if f is None or f.value is None:
            figures.add_row(name, "[dim]not in the documents[/]", "", "")
        else:
            figures.add_row(name, escape(f.as_printed or ""), f"{f.value:,.0f}", escape(f"{f.evidence[0].source} p.{f.evidence[0].page}"))
    console.print(figures)
    show_spread(build_spread(p))
    ratios = ", ".join(f"{k}={v:.2f}" for k, v in p.ratios.items() if v is not None)
    console.print(f"  ratios: {ratios or 'none computable'}", highlight=False)
    failed = [c for c in p.checks if not c.passed]
    console.print(f"  identity checks: {len(p.checks) - len(failed)} passed, {len(failed)} failed" + "".join(f"\n    [red]FAILED[/] {c.rule} ({c.period}): {c.detail}" for c in failed))
    flags = Table("severity", "type", "explanation", "evidence", title=f"Red flags ({len(p.red_flags)})", show_lines=True)
    for flag in sorted(p.red_flags, key=lambda f: (SEVERITY_ORDER[f.severity], f.type.value)):
        e = flag.evidence[0]
        quote = e.quote if len(e.quote) <= 120 else e.quote[:120] + "…"
        flags.add_row(f"[{SEVERITY_STYLE[flag.severity]}]{flag.severity.value}[/]", flag.type.value, escape(flag.explanation), escape(f"{cite(e)} {quote}"))
    console.print(flags if p.red_flags else "  no red flags found in the documents")
    if p.counterparty_events:
        tied = Table("role", "firm", "event", "type", "evidence", title=f"Counterparty events ({len(p.counterparty_events)}): tied firms' risk events, not red flags of this enterprise", show_lines=True)
        for event in p.counterparty_events:
            e = event.evidence[0]
            quote = e.quote if len(e.quote) <= 120 else e.quote[:120] + "…"
            tied.add_row(event.role, escape(event.party or "—"), f"{event.event} ({event.severity.value})", event.type.value, escape(f"{cite(e)} {quote}"))
        console.print(tied)
    scores = Table("dimension", "score", "rationale", title="Dimension scores (0 worst, 100 best)")
    for name in ("business_stability", "industry_chain_position", "financial_health", "governance", "external_risk"):
        d = getattr(p.scores, name)
        scores.add_row(name, "—" if d is None else str(d.score), "[dim]no basis in the documents[/]" if d is None else escape(d.rationale))
    console.print(scores)
    if p.rejected:
        console.print(f"  [yellow]{len(p.rejected)} claim(s) rejected[/] (quote not found in the cited chunk, or similar); see 'rejected' in the JSON")
    if p.usage.calls:
        console.print(f"  LLM: {p.usage.calls} call(s), {p.usage.prompt_tokens}+{p.usage.completion_tokens} tokens, {p.usage.cache_hits} cached, {p.usage.latency_ms} ms")


def show_spread(spread: Spread) -> None:
    """Every year the documents give, side by side, with year-on-year change."""
    if len(spread.years) < 2:
        return
    rows = spread_rows(spread)
    table = Table(*rows[0], title=f"Financial spread ({spread.currency}; ratios as fractions)")
    for row in rows[1:]:
        table.add_row(*row)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(profile)
