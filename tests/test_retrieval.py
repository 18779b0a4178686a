"""Ingest -> index -> search on real files, the embedded Chroma store and the real embedder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eprof.cli import app
from eprof.kernel.config import load_settings
from eprof.retrieval.embeddings import Usem3Embedder
from eprof.retrieval.ingest import IngestJob, ingest_file, read_manifest
from eprof.retrieval.keyword import KeywordIndex
from eprof.retrieval.layout import cells
from eprof.retrieval.readers import read_document
from eprof.retrieval.schema import DocType, IngestStatus
from eprof.retrieval.search import Searcher
from tests.documents import annual_report, encrypted_copy, image_only_pdf, news_page

runner = CliRunner()


@pytest.fixture
def searcher(tmp_path: Path) -> Searcher:
    return Searcher.open(load_settings(home=tmp_path / "store"))


def job(path: Path, enterprise: str, doc_type: DocType = DocType.annual_report) -> IngestJob:
    return IngestJob(enterprise_id=enterprise, path=path, doc_type=doc_type)


def test_table_stays_whole_across_page_break_with_caption_and_unit(tmp_path: Path, searcher: Searcher) -> None:
    pdf = annual_report(tmp_path / "acme-2024.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="No material litigation.")
    assert ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME")).status is IngestStatus.added
    hits = searcher.search("ACME", "Line item 35 balance", k=3)
    table = next(h for h in hits if h.kind == "table")
    assert (table.page, table.page_end) == (1, 2)
    lines = table.text.splitlines()
    assert lines[:2] == ["Consolidated Balance Sheet", "Unit: RMB thousand"]
    rows = [cells(line) for line in lines]
    assert ["Line item 1", "1,234.50", "1,000.25"] in rows and ["Line item 39", "48,145.50", "39,009.75"] in rows


def test_running_header_and_footer_are_not_indexed(tmp_path: Path, searcher: Searcher) -> None:
    pdf = annual_report(tmp_path / "acme.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="No material litigation.")
    ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"))
    chunks = searcher.store.chunks(searcher.store.enterprise("ACME"))
    assert chunks and not any("2024 Annual Report" in c.text or "- 2 -" in c.text for c in chunks)
    governance = [c for c in chunks if c.section == "Section 4 Governance"]
    assert [(c.page, c.text) for c in governance] == [(3, "No material litigation.")]


def bm25(query: list[str], chunk: list[str], corpus: list[list[str]], k1: float = 1.5, b: float = 0.75) -> float:
    """Lucene's BM25, written out from the formula (an empty chunk counts as one token long)."""
    avg = sum(len(c) or 1 for c in corpus) / len(corpus)
    score = 0.0
    for token in query:
        df = sum(token in c for c in corpus)
        tf = chunk.count(token)
        if df and tf:
            idf = math.log(1 + (len(corpus) - df + 0.5) / (df + 0.5))
            score += idf * tf / (tf + k1 * (1 - b + b * (len(chunk) or 1) / avg))
    return score


def test_keyword_index_scores_lucene_bm25_and_ranks_by_it() -> None:
    corpus = [["营收", "增长", "营收"], ["诉讼", "仲裁"], [], ["营收", "下降", "诉讼", "担保", "担保"], ["担保"]]
    types = ["annual_report", "news", "news", "annual_report", "research"]
    index = KeywordIndex.build([f"c{i}" for i in range(len(corpus))], corpus, types)
    for query in (["营收"], ["诉讼", "担保"], ["担保", "担保", "营收"], ["未知", "诉讼"]):
        expected = {f"c{i}": bm25(query, chunk, corpus) for i, chunk in enumerate(corpus)}
        ranked = index.top(query, n=5)
        assert ranked == sorted((c for c, s in expected.items() if s > 0), key=lambda c: -expected[c])
        known = [t for t in dict.fromkeys(query) if t in index.vocabulary]
        positions, terms = zip(*(index._scored(t) for t in known), strict=True)
        got = {}
        for token, where, values in zip(known, positions, terms, strict=True):
            for i, value in zip(where, values, strict=True):
                got[f"c{i}"] = got.get(f"c{i}", 0.0) + float(value) * query.count(token)
        assert got == pytest.approx({c: s for c, s in expected.items() if s > 0}, rel=1e-6)
    assert index.top(["担保"], n=5, doc_type="research") == ["c4"]
    assert index.top(["营收"], n=1) == ["c0"]
    assert index.top(["未知"], n=5) == [] and KeywordIndex.build([], [], []).top(["营收"], n=5) == []


def test_exact_number_is_found_by_keyword_search(tmp_path: Path, searcher: Searcher) -> None:
    pdf = annual_report(tmp_path / "acme.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="None.")
    ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"))
    top = searcher.search("ACME", "41,973.00", k=1)[0]
    assert "41,973.00" in top.text and top.keyword_rank == 1


def test_reingest_unchanged_then_changed_file_replaces_old_chunks(tmp_path: Path, searcher: Searcher) -> None:
    pdf = annual_report(tmp_path / "r.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="No material litigation.")
    first = ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"))
    old_ids = set(searcher.store.raw_ids("ACME"))
    assert ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME")).status is IngestStatus.unchanged
    known = searcher.store.enterprise("ACME")
    assert ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"), known).status is IngestStatus.unchanged
    other = known.model_copy(update={"enterprise_id": "OTHER"})  # another enterprise's record is never trusted
    assert ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"), other).status is IngestStatus.unchanged
    assert set(searcher.store.raw_ids("ACME")) == old_ids
    annual_report(pdf, "Acme Parts", revenue="345.6", customer="BYD", litigation="Steelco sued the company for RMB 12 million.")
    second = ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"))
    assert (first.status, second.status) == (IngestStatus.added, IngestStatus.replaced)
    new_ids = set(searcher.store.raw_ids("ACME"))
    assert len(new_ids) == second.chunks and not (new_ids & old_ids)
    info = searcher.store.enterprise("ACME")
    assert len(info.documents) == 1 and info.documents[0].chunks == second.chunks
    texts = [h.text for h in searcher.search("ACME", "litigation lawsuit", k=10)]
    assert any("Steelco" in t for t in texts) and not any("No material litigation" in t for t in texts)


def test_a_read_one_publish_behind_takes_the_newer_version_from_the_rows_it_read(
        tmp_path: Path, searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer adds a document's new chunks before it publishes and cleans the old ones after: a
    reader holding the older record gets the newer version whole, without scanning again (under a
    writer that publishes without pause, every extra scan is another race to lose)."""
    pdf = annual_report(tmp_path / "r.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="No material litigation.")
    ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"))
    behind = searcher.store.enterprise("ACME")
    annual_report(pdf, "Acme Parts", revenue="345.6", customer="BYD", litigation="Steelco sued the company for RMB 12 million.")
    ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"))
    scans = []
    scan = type(searcher.store)._scan

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the store's own signature
        scans.append(1)
        return scan(*args, **kwargs)

    monkeypatch.setattr(type(searcher.store), "_scan", staticmethod(counted))
    chunks = searcher.store.chunks(behind)
    newer = searcher.store.enterprise("ACME")
    assert len(scans) == 1 and newer.revision == behind.revision + 1
    assert {c.doc_sha for c in chunks} == {newer.documents[0].sha256} and len(chunks) == newer.documents[0].chunks
    assert any("Steelco" in c.text for c in chunks)


def test_interrupted_ingest_is_invisible_and_cleaned_up(tmp_path: Path, searcher: Searcher) -> None:
    """A crash after staging and before publishing: old version still served, orphans removed later."""
    from eprof.retrieval.chunking import chunk_document
    from eprof.retrieval.tokenize import tokens

    pdf = annual_report(tmp_path / "r.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="No material litigation.")
    ingest_file(searcher.store, searcher.embedder, job(pdf, "ACME"))
    live = set(searcher.store.raw_ids("ACME"))
    annual_report(pdf, "Acme Parts", revenue="999.9", customer="Geely", litigation="A fraud probe was opened.")
    staged = chunk_document(read_document(pdf), "ACME", DocType.annual_report)
    searcher.store.stage(staged, searcher.embedder.embed([c.text for c in staged]), [tokens(c.text) for c in staged])
    assert len(searcher.store.raw_ids("ACME")) == len(live) + len(staged)
    hits = searcher.search("ACME", "fraud probe Geely", k=20)
    assert hits and {h.chunk_id for h in hits} <= live
    news = news_page(tmp_path / "n.html", "Acme wins order", ["Acme Parts won a new order."])
    ingest_file(searcher.store, searcher.embedder, job(news, "ACME", DocType.news))
    remaining = set(searcher.store.raw_ids("ACME"))
    assert live <= remaining and not remaining & {c.chunk_id for c in staged}


def test_no_hit_ever_comes_from_another_enterprise(tmp_path: Path, searcher: Searcher) -> None:
    twins = {
        "ALPHA": ("Alpha Precision", "BYD", "Alpha was sued by Steelco over unpaid invoices."),
        "BETA": ("Beta Precision", "Geely", "Beta was sued by Steelco over unpaid invoices."),
    }
    for eid, (company, customer, lawsuit) in twins.items():
        folder = tmp_path / eid
        folder.mkdir()
        annual_report(folder / "report.pdf", company, revenue="345.6", customer=customer, litigation=lawsuit)
        news_page(folder / "news.html", f"{company} sued", [lawsuit, f"{company} said it would appeal."])
        for path in sorted(folder.iterdir()):
            assert ingest_file(searcher.store, searcher.embedder, job(path, eid)).status is IngestStatus.added
    queries = ["who sued the company", "largest customer", "Beta Precision", "Alpha Precision", "Geely", "BYD", "41,973.00", "appeal"]
    for eid in twins:
        other = "Beta" if eid == "ALPHA" else "Alpha"
        for query in queries:
            hits = searcher.search(eid, query, k=10)
            assert hits, (eid, query)
            assert all(h.enterprise_id == eid for h in hits)
            assert not any(other in h.text for h in hits), (eid, query)


def test_search_filters_by_doc_type(tmp_path: Path, searcher: Searcher) -> None:
    annual_report(tmp_path / "r.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="Steelco sued Acme.")
    news_page(tmp_path / "n.html", "Steelco sues Acme", ["Steelco sued Acme Parts over unpaid invoices."])
    ingest_file(searcher.store, searcher.embedder, job(tmp_path / "r.pdf", "ACME"))
    ingest_file(searcher.store, searcher.embedder, job(tmp_path / "n.html", "ACME", DocType.news))
    assert {h.doc_type for h in searcher.search("ACME", "Steelco lawsuit", k=10, doc_type=DocType.news)} == {DocType.news}


def test_html_keeps_the_article_and_drops_navigation_scripts_and_ads(tmp_path: Path) -> None:
    page = news_page(tmp_path / "n.html", "Acme wins order", ["Acme Parts won a RMB 50 million order.", "Delivery starts in May."])
    document = read_document(page)
    text = document.pages[0].text
    assert "Acme Parts won a RMB 50 million order." in text and "Delivery starts in May." in text
    for noise in ("Markets", "8% interest", "Related:", "Copyright", "track("):
        assert noise not in text
    assert str(document.published) == "2025-03-02"


def test_chinese_text_is_split_on_chinese_punctuation_and_found_in_either_language(tmp_path: Path, searcher: Searcher) -> None:
    path = tmp_path / "研究报告.txt"
    text = ("一、行业概况\n汽车零部件行业集中度持续提升。公司主要客户为比亚迪，前五大客户销售额占营业收入的62%。"
            "报告期内公司涉及一起买卖合同纠纷诉讼，涉案金额1,200万元！\n二、展望\n预计明年需求稳定增长。")
    path.write_bytes(text.encode("gb18030"))
    ingest_file(searcher.store, searcher.embedder, job(path, "华东精密", DocType.research))
    hits = searcher.search("华东精密", "诉讼", k=1)
    assert "买卖合同纠纷诉讼" in hits[0].text and hits[0].section == "一、行业概况"
    assert searcher.search("华东精密", "1,200万元", k=1)[0].keyword_rank == 1
    english = searcher.search("华东精密", "what share of revenue comes from the top five customers", k=1)
    assert "62%" in english[0].text


def test_cli_reports_each_bad_file_and_still_ingests_the_good_ones(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    good = annual_report(docs / "good.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="None.")
    news_page(docs / "news.html", "Acme wins order", ["Acme Parts won an order."])
    encrypted_copy(good, docs / "locked.pdf")
    image_only_pdf(docs / "scan.pdf")
    (docs / "truncated.pdf").write_bytes(good.read_bytes()[:400])
    (docs / "empty.pdf").write_bytes(b"")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02\x03garbage")
    (docs / "data.xlsx").write_bytes(b"PK\x03\x04")
    store = tmp_path / "store"
    result = runner.invoke(app, ["ingest", str(docs), str(tmp_path / "missing.pdf"), "-e", "ACME", "--store", str(store), "--json"])
    assert result.exit_code == 1
    outcome = {Path(r["path"]).name: r for r in json.loads(result.stdout)["results"]}
    reasons = {name: r["reason"] for name, r in outcome.items() if r["status"] == "failed"}
    assert set(reasons) == {"locked.pdf", "scan.pdf", "truncated.pdf", "empty.pdf", "binary.txt", "data.xlsx", "missing.pdf"}
    assert "encrypted" in reasons["locked.pdf"] and "image-only" in reasons["scan.pdf"]
    assert "corrupt" in reasons["truncated.pdf"] and reasons["empty.pdf"] == "empty file"
    assert "unsupported file type '.xlsx'" in reasons["data.xlsx"] and reasons["missing.pdf"] == "file not found"
    assert {outcome["good.pdf"]["status"], outcome["news.html"]["status"]} == {"added"}
    listed = json.loads(runner.invoke(app, ["enterprises", "--store", str(store), "--json"]).stdout)
    assert [d["source"] for d in listed[0]["documents"]] == ["good.pdf", "news.html"]
    human = runner.invoke(app, ["ingest", str(docs / "scan.pdf"), "-e", "ACME", "--store", str(store)])
    assert human.exit_code == 1 and "scan.pdf" in human.output and "image-only PDF" in human.output


def test_manifest_rows_with_errors_are_reported_by_line(tmp_path: Path) -> None:
    annual_report(tmp_path / "a.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="None.")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "enterprise_id,name,path,doc_type,published\n"
        "ACME,Acme Parts,a.pdf,annual_report,2025-04-30\n"
        ",Nameless,a.pdf,annual_report,\n"
        "ACME,Acme Parts,a.pdf,press_release,\n"
        "ACME,Acme Parts,a.pdf,news,30/04/2025\n",
        encoding="utf-8",
    )
    jobs, errors = read_manifest(manifest)
    assert [j.path for j in jobs] == [tmp_path / "a.pdf"] and str(jobs[0].published) == "2025-04-30"
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [(3, "enterprise_id"), (4, "doc_type"), (5, "published")]
    result = runner.invoke(app, ["ingest", "--manifest", str(manifest), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1 and "manifest line 4" in result.output and "1 added" in result.output


def test_search_cli_json_shape_and_unknown_enterprise(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    annual_report(tmp_path / "a.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="None.")
    assert runner.invoke(app, ["ingest", str(tmp_path / "a.pdf"), "-e", "ACME", "--store", store]).exit_code == 0
    hits = json.loads(runner.invoke(app, ["search", "ACME", "largest customer", "--k", "2", "--json", "--store", store]).stdout)
    assert len(hits) == 2
    assert set(hits[0]) == {"chunk_id", "enterprise_id", "source", "doc_type", "page", "section", "text", "filing", "period", "score"}
    assert hits[0]["source"] == "a.pdf" and "BYD" in hits[0]["text"] and hits[0]["page"] == 1
    missing = runner.invoke(app, ["search", "NOPE", "anything", "--store", store])
    assert missing.exit_code == 1 and "'NOPE' is not indexed" in missing.output


def test_a_query_is_embedded_on_one_thread_as_it_would_be_in_a_batch() -> None:
    embedder = Usem3Embedder(threads=2)
    one = embedder.embed(["合并利润表中的营业收入"])
    batch = embedder.embed(["合并利润表中的营业收入", "net income"])
    assert one.shape == (1, 512) and float(one[0] @ batch[0]) > 0.9999
    assert embedder._one_thread().threads == 1 and embedder._batches().threads == 2  # noqa: SLF001 - the two thread counts
