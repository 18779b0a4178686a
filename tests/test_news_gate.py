"""The news attribution gate (agent/news_gate.py): trained by `eprof news train`, read from JSON,
deciding only whether a news document's risk event is the enterprise's own."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eprof.agent.flag_rules import find_red_flags
from eprof.agent.news_counterparties import find_counterparty_events
from eprof.agent.news_gate import NewsGate, load_gate, packaged_gate
from eprof.agent.news_gate_features import FEATURES, gate_features
from eprof.agent.news_gate_train import PARAMS, finnsp_pairs, read_pairs, trees_of
from eprof.agent.schema import RedFlagType
from eprof.agent.subjects import enterprise_names
from eprof.cli import app
from eprof.kernel.errors import InputError
from eprof.retrieval.schema import Chunk

T = RedFlagType
runner = CliRunner()
PLATFORMS = ("聚财宝", "速贷宝", "小肥羊", "快易借", "金鹅宝", "米袋计划", "钱爸爸", "天天花", "闪到", "信鸽钱包")


def chunk(text: str, doc: str = "d1", doc_type: str = "news") -> Chunk:
    return Chunk(chunk_id=f"{doc}-0", enterprise_id="e1", doc_id=doc, doc_sha="0" * 64, source=f"{doc}.txt",
                 doc_type=doc_type, page=1, page_end=1, kind="text", ordinal=0, text=text)


def constant_gate(leaf: float) -> NewsGate:
    """A gate of one leaf: it accepts (leaf > 0) or rejects every story, whatever the features."""
    gate = packaged_gate()
    assert gate is not None
    return gate.model_copy(update={"trees": [leaf], "threshold": 0.5})


def codes(name: str, chunks: list[Chunk], gate: NewsGate | None | str = "packaged") -> list[RedFlagType]:
    return [f.type for f in find_red_flags(name, chunks, gate=gate)]  # type: ignore[arg-type]


def _pairs_file(tmp_path: Path) -> Path:
    """Stories written for the test: a platform's own event, a subsidiary's, and a list of names."""
    lines = []
    for i, (a, b) in enumerate(zip(PLATFORMS, PLATFORMS[1:] + PLATFORMS[:1], strict=True)):
        own = f"{a}平台涉嫌非法集资，警方已立案侦查，投资人报案。"
        tied = f"{a}的子公司{b}金融被法院裁定破产，{a}称影响有限。"
        listed = f"平台推荐：{a}、{b}、闪电贷。闪电贷已跑路，投资人报案。"
        lines += [{"id": f"own{i}", "text": own, "name": a, "about": True},
                  {"id": f"tied{i}", "text": tied, "name": a, "about": False},
                  {"id": f"tied{i}", "text": tied, "name": f"{b}金融", "about": True},
                  {"id": f"list{i}", "text": listed, "name": a, "about": False},
                  {"id": f"list{i}", "text": listed, "name": "闪电贷", "about": True}]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def test_news_train_writes_a_gate_that_loads(tmp_path: Path) -> None:
    data, out = _pairs_file(tmp_path), tmp_path / "gate" / "news_gate.json"
    result = runner.invoke(app, ["news", "train", "--data", str(data), "--out", str(out), "--folds", "2"])
    assert result.exit_code == 0, result.output
    gate = load_gate(out)
    assert tuple(gate.features) == FEATURES and 0 <= gate.threshold <= 1 and gate.trees
    assert gate.trained_on.pairs == 50 and gate.trained_on.positives == 30 and gate.trained_on.items == 50
    assert gate.trained_on.sha256 == hashlib.sha256(data.read_bytes()).hexdigest()
    assert "50 pairs (30 about their firm)" in result.output.replace("\n", " ")
    assert gate.cross_validation.folds == 2 and gate.params["num_leaves"] == PARAMS["num_leaves"]


def test_news_train_keeps_the_tail_unseen_and_refuses_too_little(tmp_path: Path) -> None:
    pairs, items = read_pairs(_pairs_file(tmp_path), first=5)
    assert items == 5 and [p.story for p in pairs] == ["own0", "tied0", "tied0", "list0", "list0"]
    result = runner.invoke(app, ["news", "train", "--data", str(_pairs_file(tmp_path)), "--out", str(tmp_path / "g.json"),
                                 "--first", "1"])
    assert result.exit_code == 1 and "too few pairs" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "t"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not labelled news pairs"):
        read_pairs(bad)


def test_finnsp_items_become_one_pair_per_named_entity() -> None:
    items = [["a", "标题", "甲平台跑路，乙银行为存管行", "甲平台;乙银行;甲平台", "1", "甲平台"],
             ["b", "", "丙公司发布年报", "丙公司", "0", ""]]
    pairs = finnsp_pairs(items)
    assert [(p.story, p.name, p.about) for p in pairs] == [("a", "甲平台", True), ("a", "乙银行", False)]
    assert pairs[0].text == "标题\n甲平台跑路，乙银行为存管行"


def test_the_trees_score_as_lightgbm_does() -> None:
    import lightgbm as lgb
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((300, len(FEATURES)))
    y = (x[:, 0] + x[:, 3] * x[:, 5] + rng.normal(0, 0.2, 300)) > 0.8
    model = lgb.LGBMClassifier(**PARAMS, random_state=0, deterministic=True, n_jobs=1, verbose=-1).fit(x, y)
    gate = constant_gate(0.0).model_copy(update={"trees": trees_of(model.booster_)})
    expected = model.predict_proba(x[:20])[:, 1]
    got = [gate.probability(dict(zip(FEATURES, row, strict=True))) for row in x[:20]]
    assert got == pytest.approx(list(expected), abs=1e-9)


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("聚财宝", "聚财宝平台涉嫌非法集资，警方已立案侦查，投资人报案。", [T.illegal_fundraising]),  # its own event
    ("远山科技股份有限公司", "远山科技股份有限公司的全资子公司远山小贷被法院裁定破产。", []),  # a subsidiary's
    ("远山科技股份有限公司", "远山科技股份有限公司的主要客户华北重工被法院裁定破产。", []),  # a customer's
    ("速贷宝", "平台推荐：快易借、速贷宝、小肥羊。小肥羊已跑路，投资人报案。", []),  # one of a list; another's event
    ("小肥羊", "平台推荐：快易借、速贷宝、小肥羊。小肥羊已跑路，投资人报案。", [T.bankruptcy_or_closure]),
    ("钱宝", "钱宝网涉嫌非法集资，张某已投案自首。", []),  # its name inside another firm's
    # a similar name: another registered firm whose name holds the enterprise's short name
    ("泉州明川物流股份有限公司", "明川物流贸易有限公司陷入债务纠纷\n明川物流贸易有限公司因拖欠货款被多家供应商起诉，其银行账户已被法院冻结。", []),
])
def test_the_packaged_gate_on_written_stories(name: str, text: str, expected: list[RedFlagType]) -> None:
    assert codes(name, [chunk(text)]) == expected


def test_a_tied_firms_event_stays_a_counterparty_event() -> None:
    text = "远山科技股份有限公司的主要客户华北重工被法院裁定破产。"
    [event] = find_counterparty_events("远山科技股份有限公司", [chunk(text)])
    assert (event.role, event.party, event.type) == ("customer", "华北重工", T.bankruptcy_or_closure)


def test_the_gate_never_adds_an_event_for_a_similar_named_firm() -> None:
    text = "明川物流贸易有限公司因拖欠货款被多家供应商起诉，其银行账户已被法院冻结。"
    assert codes("泉州明川物流股份有限公司", [chunk(text)], gate=constant_gate(5.0)) == []  # even a gate that accepts all
    own = "明川物流因拖欠货款被多家供应商起诉，其银行账户已被法院冻结。"
    assert codes("泉州明川物流股份有限公司", [chunk(own)], gate=constant_gate(5.0)) != []


def test_an_accepted_story_is_flagged_from_a_sentence_naming_no_one() -> None:
    text = "投资人称：钱款无法提现。聚财宝回应称正在处理。"
    assert codes("聚财宝", [chunk(text)], gate=None) == []  # the rules read only the stretch after the name
    assert codes("聚财宝", [chunk(text)], gate=constant_gate(5.0)) == [T.debt_default]
    other = "小肥羊平台称钱款无法提现。聚财宝回应称正在处理。"
    assert codes("聚财宝", [chunk(other)], gate=constant_gate(5.0)) == []  # that sentence is 小肥羊's


def test_an_accepted_story_is_flagged_from_the_sentence_writing_its_name_before_the_event() -> None:
    text = "诈骗平台--今天刚上线的盛泰投资-陕西西安"
    assert codes("盛泰投资", [chunk(text)], gate=None) == []  # the rules read only the stretch after the name
    assert codes("盛泰投资", [chunk(text)], gate=constant_gate(5.0)) == [T.illegal_fundraising]
    tied = "远山科技股份有限公司的主要客户华北重工被法院裁定破产。"
    assert codes("远山科技股份有限公司", [chunk(tied)], gate=constant_gate(5.0)) == []  # still the customer's
    headlines = "远山科技(300001)董事长协助调查北海股份(600002)发布年报"
    assert codes("北海股份", [chunk(headlines)], gate=constant_gate(5.0)) == []  # the nearest name before it is 远山科技


def test_the_gate_never_removes_a_report_flag() -> None:
    report = chunk("报告期内，公司因信息披露违规收到中国证监会行政处罚决定书，罚款50万元。", "r1", "annual_report")
    story = chunk("聚财宝平台涉嫌非法集资，警方已立案侦查。", "n1")
    rejecting = constant_gate(-5.0)
    assert codes("聚财宝", [report, story], gate=rejecting) == [T.regulatory_penalty]
    assert set(codes("聚财宝", [report, story], gate=None)) == {T.regulatory_penalty, T.illegal_fundraising}


def test_a_broken_artefact_is_an_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "gate.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="gate.json: not a news attribution gate"):
        load_gate(bad)
    with pytest.raises(InputError, match="not a news attribution gate"):
        load_gate(tmp_path / "missing.json")
    gate = packaged_gate()
    assert gate is not None
    bad.write_text(gate.model_copy(update={"features": ["rules"]}).model_dump_json(), encoding="utf-8")
    with pytest.raises(InputError, match="do not match"):
        load_gate(bad)


def test_eprof_news_gate_points_the_product_at_a_retrained_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = [chunk(f"{PLATFORMS[0]}平台涉嫌非法集资，警方已立案侦查，投资人报案。")]
    assert codes(PLATFORMS[0], own) == [T.illegal_fundraising]
    rejecting = tmp_path / "retrained.json"
    rejecting.write_text(constant_gate(-5.0).model_dump_json(), encoding="utf-8")
    monkeypatch.setenv("EPROF_NEWS_GATE", str(rejecting))
    assert packaged_gate() == constant_gate(-5.0) and codes(PLATFORMS[0], own) == []
    monkeypatch.setenv("EPROF_NEWS_GATE", str(tmp_path / "absent.json"))
    with pytest.raises(InputError, match="absent.json: not a news attribution gate"):
        codes(PLATFORMS[0], own)


def test_features_come_from_the_text_and_its_own_names_only() -> None:
    text = "资易贷（北京）金融信息服务有限公司旗下“小资钱包”涉嫌诈骗，资易贷（北京）金融信息服务有限公司已被立案。"
    nested = gate_features(text, "资易贷", enterprise_names("资易贷", (), [text]), rules=True)
    assert set(nested) == set(FEATURES) and nested["nested"] == 1.0  # inside a longer registered name
    own = gate_features(text, "资易贷（北京）金融信息服务有限公司", enterprise_names("资易贷（北京）金融信息服务有限公司", (), [text]), rules=True)
    assert own["nested"] == 0.0 and own["head"] == 1.0 and own["full"] == 1.0


def test_a_name_that_cuts_a_dictionary_word_is_a_fragment() -> None:
    text = "壹佰金融正确密码登陆不上去，无法提现"  # jieba: 壹|佰|金融|…: 壹佰金 ends inside 金融
    fragment = gate_features(text, "壹佰金", enterprise_names("壹佰金", (), [text]), rules=True)
    whole = gate_features(text, "壹佰金融", enterprise_names("壹佰金融", (), [text]), rules=True)
    assert (fragment["word_start"], fragment["word_end"], fragment["word_both"]) == (1.0, 0.0, 0.0)
    assert (whole["word_start"], whole["word_end"], whole["word_both"]) == (1.0, 1.0, 1.0)


def test_a_firm_called_on_with_an_at_sign_is_addressed() -> None:
    text = "@恒丰银行 @海淀公安分局 小资钱包涉嫌诈骗，恒丰银行是其存管银行"
    bank = gate_features(text, "恒丰银行", enterprise_names("恒丰银行", (), [text]), rules=False)
    platform = gate_features(text, "小资钱包", enterprise_names("小资钱包", (), [text]), rules=True)
    assert bank["addressed"] == 0.5 and platform["addressed"] == 0.0
