"""Real-news reading: whose news it is (agent/subjects.py), how the press words events
(agent/news_events.py), counterparty events (agent/news_counterparties.py), aliases from ingest
to profile, text with Unicode spaces, and labelled news as an evaluation dataset
(evaluation/news_dataset.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eprof.agent.news_counterparties import find_counterparty_events
from eprof.agent.news_taxonomy import EVENT_FLAGS, flag_for
from eprof.agent.offline import extract_offline
from eprof.agent.schema import RedFlagType
from eprof.agent.subject_rules import short_names
from eprof.agent.subjects import enterprise_names, mentions, segments
from eprof.cli import app
from eprof.kernel.errors import DocumentError, InputError
from eprof.evaluation.dataset import load_dataset
from eprof.retrieval.ingest import read_manifest
from eprof.retrieval.readers.text import decode_text
from eprof.retrieval.schema import Chunk

T = RedFlagType
runner = CliRunner()


def news(text: str, i: int = 0) -> Chunk:
    return Chunk(chunk_id=f"n-{i}", enterprise_id="e1", doc_id="d1", doc_sha="0" * 64, source=f"news_{i}.txt",
                 doc_type="news", page=1, page_end=1, kind="text", ordinal=0, text=text)


def codes(name: str, text: str, aliases: tuple[str, ...] = ()) -> list[RedFlagType]:
    return [f.type for f in extract_offline("e1", name, [news(text)], {}, aliases).red_flags]


def test_names_come_from_the_registered_name_the_aliases_and_declarations_in_the_text() -> None:
    text = "浙江明辉珠宝股份有限公司（以下简称“明辉珠宝”）今日公告。另一家公司（以下简称“远方”）无关。"
    names = enterprise_names("浙江明辉珠宝股份有限公司", ["明辉"], [text])
    assert {"浙江明辉珠宝股份有限公司", "浙江明辉珠宝", "明辉珠宝", "明辉"} <= set(names)
    assert "远方" not in names  # declared for another firm
    assert enterprise_names("上海夸客金融信息服务有限公司")[-1] == "夸客"
    assert "北京" not in enterprise_names("资易贷（北京）金融信息服务有限公司")


def test_a_short_name_inside_a_longer_one_is_not_a_mention() -> None:
    assert mentions("钱宝网涉嫌非法集资", enterprise_names("钱宝")) == []
    assert mentions("钱宝公司涉嫌非法集资", enterprise_names("钱宝")) == [(0, 2)]
    assert mentions("TPS云集品提现困难", enterprise_names("TP")) == []  # part of a longer Latin word
    assert mentions("钱爸爸网站无法登陆", enterprise_names("钱爸爸")) == [(0, 3)]  # a website is not another firm


def test_a_run_of_headlines_is_cut_where_another_listed_company_starts() -> None:
    text = "远山科技(300001)董事长失联北海股份(600002)股东减持300万股"
    [(a, b)] = segments(text, enterprise_names("远山科技"))
    assert text[a:b] == "远山科技(300001)董事长失联"


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("远山科技", "远山科技(300001)因信披违规遭证监局出具警示函", [T.regulatory_penalty]),
    ("远山科技", "远山科技(300001)董秘短线交易 收益已上缴", [T.regulatory_penalty]),
    ("远山科技", "远山科技(300001)实控人变更为某国资委", [T.control_change]),
    ("远山科技", "远山科技(300001)重大资产重组告吹 复牌跌停", [T.restructuring_failure]),
    ("远山科技", "远山科技(300001)净利降3成 经营现金流承压", [T.earnings_decline]),
    ("远山科技", "远山科技(300001)评级遭下调至中性", [T.rating_downgrade]),
    ("远山科技", "远山科技(300001)董事长协助调查 暂由总经理代行职责", [T.executive_risk]),
    ("聚财宝", "聚财宝平台跑路 投资人报案", [T.bankruptcy_or_closure]),
    ("聚财宝", "聚财宝出现提现困难，投资人维权", [T.debt_default]),
    ("远山科技", "远山科技(300001)否认财务造假传闻", []),
    ("远山科技", "远山科技公告称，控股股东所持公司股份已被法院司法冻结。", [T.equity_pledge_or_freeze]),
    ("聚财宝", "聚财宝银行账户被冻结，投资人无法取回资金", [T.debt_default]),
])
def test_press_wording_is_typed(name: str, text: str, expected: list[RedFlagType]) -> None:
    assert codes(name, text) == expected


def test_only_the_subjects_headline_counts() -> None:
    text = "远山科技违规减持遭罚华宁集团承认发生大规模数据泄露 2亿账户信息被盗北海股份(600002)股东减持202万股"
    assert codes("华宁集团", text) == [T.debt_default]
    assert codes("北海股份", text) == [T.shareholder_selldown]
    assert codes("南川股份", text) == []  # not named at all


def test_the_story_reports_one_event_and_an_officers_case_is_the_officers() -> None:
    platform = "聚财宝平台涉嫌非法吸收公众存款被立案侦查，实控人被刑事拘留，平台已停止运营"
    assert codes("聚财宝", platform) == [T.illegal_fundraising]
    officer = "远山科技公告称，公司董事长兼总经理因涉嫌非法吸收公众存款罪被刑事拘留，不能履职"
    assert codes("远山科技", officer) == [T.executive_risk]


def test_an_alias_given_at_ingest_makes_its_news_count() -> None:
    text = "明辉董事长失联，公司股价跌停"
    assert codes("浙江明辉珠宝股份有限公司", text) == []
    assert codes("浙江明辉珠宝股份有限公司", text, ("明辉",)) == [T.executive_risk]


def test_every_event_label_maps_as_the_issue_states() -> None:
    assert flag_for("其他") is None and flag_for("未知类型") is None
    assert {k for k, v in EVENT_FLAGS.items() if v == T.regulatory_penalty} == {"信批违规", "交易违规", "涉嫌违法"}
    assert {k for k, v in EVENT_FLAGS.items() if v == T.illegal_fundraising} == {"涉嫌非法集资", "涉嫌传销", "涉嫌欺诈"}
    assert {k for k, v in EVENT_FLAGS.items() if v == T.debt_default} == {"资金账户风险", "提现困难"}
    assert flag_for("资产负面") == T.asset_impairment and flag_for("投诉维权") == T.consumer_complaints


def test_text_with_unicode_spaces_is_read_and_binaries_are_still_refused(tmp_path: Path) -> None:
    text = "\u3000\u3000记者从警方获悉，\u3000某平台涉嫌非法集资。\u200b\u00a0\n"
    assert decode_text(tmp_path / "a.txt", text.encode("utf-8")) == text
    with pytest.raises(DocumentError, match="unreadable text encoding"):
        decode_text(tmp_path / "b.txt", bytes(range(1, 32)) * 40)  # control bytes, no NUL
    with pytest.raises(DocumentError):
        decode_text(tmp_path / "c.txt", "\ue000\ue001\ue002".encode("utf-8") * 50)  # private-use only


def test_manifest_aliases_column_is_optional(tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_text("x", encoding="utf-8")
    (tmp_path / "m.csv").write_text("enterprise_id,name,path,doc_type,published,aliases\nE1,甲公司,n.txt,news,,甲; 甲乙 \n", encoding="utf-8")
    jobs, errors = read_manifest(tmp_path / "m.csv")
    assert not errors and jobs[0].aliases == ("甲", "甲乙")
    (tmp_path / "old.csv").write_text("enterprise_id,name,path,doc_type,published\nE1,甲公司,n.txt,news,\n", encoding="utf-8")
    assert read_manifest(tmp_path / "old.csv")[0][0].aliases == ()


def _ingest_news(tmp_path: Path, text: str) -> str:
    """The store after ingesting one news text for 浙江明辉珠宝股份有限公司, alias 明辉."""
    doc = tmp_path / "news.txt"
    doc.write_text(text, encoding="utf-8")
    store = str(tmp_path / "store")
    ingest = runner.invoke(app, ["ingest", str(doc), "-e", "E1", "--name", "浙江明辉珠宝股份有限公司", "--alias", "明辉",
                                 "--doc-type", "news", "--store", store])
    assert ingest.exit_code == 0, ingest.output
    return store


def test_alias_from_ingest_reaches_the_profile(tmp_path: Path) -> None:
    store = _ingest_news(tmp_path, "明辉董事长失联，公司股价跌停。\n北海股份(600002)股东减持202万股。\n")
    listed = json.loads(runner.invoke(app, ["enterprises", "--store", store, "--json"]).stdout)
    assert listed[0]["aliases"] == ["明辉"]
    profile = runner.invoke(app, ["profile", "E1", "--extractor", "offline", "--json", "--store", store])
    assert profile.exit_code == 0, profile.output
    flags = json.loads(profile.stdout)["red_flags"]
    assert [f["type"] for f in flags] == ["executive_risk"] and "明辉董事长失联" in flags[0]["evidence"][0]["quote"]


@pytest.mark.parametrize(("text", "role", "party", "code"), [
    ("远山科技的主要客户华北重工日前被法院裁定破产，远山科技称影响有限。", "customer", "华北重工", T.bankruptcy_or_closure),
    ("远山科技子公司远山物流因涉嫌非法吸收公众存款被立案侦查。", "subsidiary", "远山物流", T.illegal_fundraising),
    ("据报道，远山科技供应商“光明电子”财务造假，虚增收入2亿元。", "supplier", "光明电子", T.financial_fraud),
    ("远山科技的担保方东方融资担保公司提现困难，投资人维权。", "guarantor", "东方融资担保公司", T.debt_default),
    ("远山科技被担保方华北重工未按期披露年报。", "guaranteed", "华北重工", T.regulatory_penalty),
])
def test_a_tied_firms_event_is_a_counterparty_event_not_a_red_flag(text: str, role: str, party: str, code: RedFlagType) -> None:
    assert codes("远山科技股份有限公司", text) == []
    [event] = find_counterparty_events("远山科技股份有限公司", [news(text)])
    assert (event.role, event.party, event.type) == (role, party, code)
    assert event.evidence[0].quote in text


def test_the_enterprises_own_event_beside_a_tied_firm_stays_its_red_flag() -> None:
    text = "远山科技因信披违规遭证监局出具警示函。远山科技的客户华北重工被法院裁定破产。"
    assert codes("远山科技股份有限公司", text) == [T.regulatory_penalty]
    assert [(e.role, e.type) for e in find_counterparty_events("远山科技股份有限公司", [news(text)])] == [("customer", T.bankruptcy_or_closure)]
    assert find_counterparty_events("远山科技股份有限公司", [news("远山科技的客户华北重工否认破产传闻。")]) == []
    assert codes("远山科技股份有限公司", "远山科技控股股东变更为某国资委。") == [T.control_change]  # a shareholder is not a tied firm


def test_counterparty_events_reach_the_profile_and_its_output(tmp_path: Path) -> None:
    store = _ingest_news(tmp_path, "明辉董事长失联，公司股价跌停。\n明辉的主要客户华北重工被法院裁定破产。\n")
    profile = json.loads(runner.invoke(app, ["profile", "E1", "--extractor", "offline", "--json", "--store", store]).stdout)
    assert [f["type"] for f in profile["red_flags"]] == ["executive_risk"]
    [event] = profile["counterparty_events"]
    assert (event["role"], event["party"], event["type"]) == ("customer", "华北重工", "bankruptcy_or_closure")
    shown = runner.invoke(app, ["profile", "E1", "--extractor", "offline", "--store", store])
    assert shown.exit_code == 0 and "Counterparty events (1)" in shown.output and "华北重工" in shown.output


def test_names_have_one_home_for_news_and_reports() -> None:
    report = Chunk(chunk_id="r-0", enterprise_id="e1", doc_id="d2", doc_sha="1" * 64, source="report.pdf", doc_type="annual_report",
                   page=1, page_end=1, kind="text", ordinal=0, text="证券简称：明辉珠宝 证券代码：600001")
    text = "浙江明辉珠宝股份有限公司旗下平台“金明钱包”涉嫌非法集资。"
    names = short_names("浙江明辉珠宝股份有限公司", [report, news(text)], ["明辉"])
    assert names == enterprise_names("浙江明辉珠宝股份有限公司", ["明辉"], [text], [report.text])
    assert {"明辉珠宝", "明辉", "金明钱包"} <= set(names)


def _news_file(tmp_path: Path) -> Path:
    items = [
        {"id": "a1", "text": "远山科技(300001)董事长协助调查北海股份(600002)股东减持", "subject": "远山科技", "events": ["不能履职"]},
        {"id": "a2", "text": "远山科技(300001)董事长协助调查北海股份(600002)发布年报", "subject": "北海股份", "expected": []},
        {"id": "a3", "text": "聚财宝平台跑路 投资人报案", "subject": "聚财宝平台有限公司", "aliases": ["聚财宝"], "events": ["失联跑路"]},
    ]
    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def test_labelled_news_loads_as_a_dataset(tmp_path: Path) -> None:
    dataset = load_dataset(_news_file(tmp_path))
    truths = {t.enterprise_id: t for t in dataset.truths}
    assert [f.type for f in truths["a1"].flags] == [T.executive_risk] and truths["a2"].flags == []
    assert truths["a1"].default is None and [j.aliases for j in dataset.jobs if j.enterprise_id == "a3"] == [("聚财宝",)]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "t", "subject": "s"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 1: give `expected`"):
        load_dataset(bad)


def test_eval_run_scores_labelled_news(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["eval", "run", "--dataset", str(_news_file(tmp_path)), "--extractor", "offline",
                                 "--out", str(out), "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    run = json.loads((out / "results.json").read_text(encoding="utf-8"))
    [offline] = run["contenders"]
    flags = offline["metrics"]["flag_f1"]
    assert flags["value"] == 1.0 and offline["downstream"]["n"] == 0


DATA = Path(__file__).parents[1].parent / "shared" / "data" / "cn-news-risk"


@pytest.mark.skipif(not (DATA / "finese-train.json").is_file(), reason=f"real labelled news not at {DATA}")
def test_real_news_from_the_training_split_is_typed_and_attributed(tmp_path: Path) -> None:
    """A regression guard on real data: the first items of the training split (the benchmark's
    held-back slices are the last ones). Measured when written: typing P 0.835 R 0.740 on 600
    items, attribution F1 0.792 on the first 300 stories; with the attribution gate, P 0.838 R 0.756
    and F1 0.859 (those stories are inside the gate's training range: a guard, not a measure)."""
    from benchmarks.news_events import attribution, event_typing

    events = json.loads((DATA / "finese-train.json").read_text(encoding="utf-8"))[:600]
    stories = json.loads((DATA / "finnsp-train.json").read_text(encoding="utf-8"))[:300]
    _, typing = event_typing(events, tmp_path)
    attributed = attribution(stories, tmp_path)
    assert typing["unreadable"] == 0
    assert typing["precision"] >= 0.80 and typing["recall"] >= 0.70
    assert attributed["f1"] >= 0.80
