"""The labelled corpus: truth that holds when the documents are parsed back, determinism, the
portfolio's data-generating process, and the committed demo corpus running end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eprof.agent.schema import RedFlagType
from eprof.agent.verify import normalise
from eprof.cli import app
from eprof.evaluation.corpus.generate import MANIFEST_COLUMNS, generate, portfolio_table
from eprof.evaluation.corpus.truth import EnterpriseTruth
from eprof.retrieval.ingest import read_manifest
from eprof.retrieval.readers import read_document

DEMO = Path(__file__).resolve().parents[1] / "demo"
runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    generate(4, 5, out)
    return out


def truths(folder: Path) -> list[EnterpriseTruth]:
    return [EnterpriseTruth.model_validate_json(p.read_text(encoding="utf-8")) for p in sorted((folder / "truth").glob("*.json"))]


def test_every_truth_quote_is_on_its_stated_page_when_parsed_back_with_the_product_reader(corpus: Path) -> None:
    checked = 0
    for truth in truths(corpus):
        pages = {d.source: [normalise(p.text) for p in read_document(corpus / "docs" / truth.enterprise_id / d.source).pages]
                 for d in truth.documents}
        cited = [*truth.flags, *truth.figures, *truth.decoys, *truth.parties, *(q.evidence for q in truth.qa if q.evidence)]
        for item in cited:
            assert normalise(item.quote) in pages[item.source][item.page - 1], (truth.enterprise_id, item.source, item.page, item.quote)
            checked += 1
        assert {d.doc_type for d in truth.documents} == {"annual_report", "news", "research"}
        assert any(not q.answerable for q in truth.qa) and any(q.answerable for q in truth.qa)
    assert checked > 200


def test_figures_in_truth_match_the_printed_cells(corpus: Path) -> None:
    for truth in truths(corpus):
        for figure in truth.figures:
            cell = figure.as_printed.split(" ")[0]
            assert cell in figure.quote
            unit = {"元": 1, "万元": 1e4, "RMB": 1, "RMB thousand": 1e3}[figure.as_printed.split(" ", 1)[1]]
            assert figure.value == pytest.approx(float(cell.replace(",", "")) * unit, abs=0.01)


def test_same_seed_gives_byte_identical_truth_and_another_seed_does_not(corpus: Path, tmp_path: Path) -> None:
    generate(4, 5, tmp_path / "again")
    generate(2, 6, tmp_path / "other")
    for path in sorted((corpus / "truth").glob("*.json")):
        assert (tmp_path / "again" / "truth" / path.name).read_bytes() == path.read_bytes()
    assert (tmp_path / "again" / "manifest.csv").read_bytes() == (corpus / "manifest.csv").read_bytes()
    assert (tmp_path / "other" / "truth" / "e001.json").read_bytes() != (corpus / "truth" / "e001.json").read_bytes()


def test_manifest_is_what_ingest_and_batch_accept(corpus: Path) -> None:
    with (corpus / "manifest.csv").open(encoding="utf-8") as fh:
        assert tuple(csv.DictReader(fh).fieldnames or ()) == MANIFEST_COLUMNS
    jobs, errors = read_manifest(corpus / "manifest.csv")
    assert not errors and all(j.path.is_file() for j in jobs)
    assert {j.doc_type.value for j in jobs} == {"annual_report", "news", "research"}


def test_news_pages_carry_boilerplate_that_the_reader_strips(corpus: Path) -> None:
    page = next((corpus / "docs").rglob("news-01.html"))
    raw = page.read_text(encoding="utf-8")
    text = read_document(page).pages[0].text
    assert "<nav" in raw and "<script>" in raw and "analytics" not in text and "ad-banner" in raw
    assert len(text) > 40


def test_portfolio_default_rate_and_drivers() -> None:
    rows = portfolio_table(4000, 11, default_rate=0.03)
    rate = sum(r["default"] for r in rows) / len(rows)
    assert 0.02 <= rate <= 0.04
    flagged = [r for r in rows if sum(r[f"flag_{t.value}"] for t in RedFlagType) >= 2]
    clean = [r for r in rows if sum(r[f"flag_{t.value}"] for t in RedFlagType) == 0]
    assert sum(r["default"] for r in flagged) / len(flagged) > 2 * sum(r["default"] for r in clean) / len(clean)
    assert portfolio_table(5, 11) == rows[:5]


def test_cli_generate(tmp_path: Path) -> None:
    result = runner.invoke(app, ["corpus", "generate", "--enterprises", "2", "--seed", "3", "--out", str(tmp_path / "c"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["enterprises"] == 2 and len(list((tmp_path / "c" / "truth").glob("*.json"))) == 2
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    refused = runner.invoke(app, ["corpus", "generate", "--out", str(tmp_path / "busy")], env={"COLUMNS": "300"})
    assert refused.exit_code == 1 and "not a corpus folder" in refused.output


def test_committed_demo_corpus_is_exactly_what_the_generator_makes(tmp_path: Path) -> None:
    generate(8, 18, tmp_path / "demo")
    for path in sorted((DEMO / "truth").glob("*.json")):
        assert (tmp_path / "demo" / "truth" / path.name).read_bytes() == path.read_bytes(), path.name
    assert (tmp_path / "demo" / "manifest.csv").read_bytes() == (DEMO / "manifest.csv").read_bytes()


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--store", str(tmp_path / "store")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "41 documents (0 failed)" in result.output
    decided = json.loads(runner.invoke(app, ["decide", "e008", "--json", "--store", str(tmp_path / "store")]).stdout)
    assert decided["decision"]["decision"] == "decline" and decided["decision"]["reasons"]
    cited = [e for r in decided["decision"]["reasons"] for e in r["evidence"]]
    assert cited and all(e["page"] >= 1 and e["quote"] for e in cited)


def test_long_statements_cross_a_page_break_and_stay_one_table(corpus: Path) -> None:
    from eprof.retrieval.chunking import chunk_document
    from eprof.retrieval.schema import DocType

    crossing = [c for path in sorted((corpus / "docs").rglob("annual-report.pdf"))
                for c in chunk_document(read_document(path), "E", DocType.annual_report) if c.page_end > c.page]
    assert crossing and all(c.kind == "table" and c.text.splitlines()[1].startswith(("单位", "Unit")) for c in crossing)


def test_truth_holds_every_flag_the_code_computes_from_the_printed_statements(tmp_path: Path) -> None:
    """The extractor computes a loss, a profit or revenue fall and operating cash flow turning
    negative from the statements (agent.signals); the truth must record them too, or an evaluation
    counts correct flags as false positives."""
    from eprof.agent.ratios import compute_ratios
    from eprof.agent.schema import Evidence, Figure
    from eprof.agent.signals import numeric_flags

    generate(16, 2026, tmp_path / "c")
    computed_types = set()
    for truth in truths(tmp_path / "c"):
        figures = {(f.name, f.period): Figure(name=f.name, period=f.period, value=f.value, as_printed=f.as_printed,
                                              evidence=[Evidence(chunk_id="t", source=f.source, page=f.page, quote=f.quote)])
                   for f in truth.figures}
        year, prior = str(truth.fiscal_year), str(truth.fiscal_year - 1)
        values = {p: {n: f.value for (n, y), f in figures.items() if y == p} for p in (year, prior)}
        computed = numeric_flags(figures, compute_ratios(values[year], values[prior]), year)
        wanted = {f.type for f in computed} & {RedFlagType.earnings_decline, RedFlagType.negative_operating_cash_flow}
        assert wanted <= {f.type for f in truth.flags}, truth.enterprise_id
        computed_types |= wanted
    assert computed_types == {RedFlagType.earnings_decline, RedFlagType.negative_operating_cash_flow}
