"""Cross-language matching for the extractive answer: an English question's terms found in a Chinese
report, and the reverse, through a small analyst glossary.

The weak-evidence rule of agent.qa counts how many of the question's content terms a sentence
holds. Here each term is a group: the term itself and its glossary translations (each a phrase
whose tokens must all occur). A group is covered when any of its alternatives is. The glossary is
vocabulary only, checkable by reading it; it never turns a weak match into a strong one beyond
what the words say.
"""

from __future__ import annotations

from collections.abc import Sequence

from eprof.retrieval.tokenize import words as tokens

GLOSSARY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("guarantee", ("担保",)), ("guarantees", ("担保",)), ("external", ("对外",)),
    ("litigation", ("诉讼", "sued", "lawsuit", "suit")), ("lawsuit", ("诉讼", "起诉", "sued")), ("sued", ("起诉",)), ("arbitration", ("仲裁",)),
    ("customer", ("客户",)), ("client", ("客户",)), ("supplier", ("供应商",)), ("largest", ("第一大", "最大")),
    ("top", ("前五名",)), ("five", ("前五名",)), ("share", ("占比", "比例", "持股")), ("revenue", ("营业收入", "收入", "销售")),
    ("penalty", ("处罚",)), ("fine", ("罚款",)), ("fined", ("罚款",)), ("funds", ("资金",)), ("fund", ("资金",)),
    ("occupy", ("占用",)), ("use", ("占用",)), ("controlling", ("控股",)), ("shareholder", ("股东",)),
    ("overdue", ("逾期",)), ("debt", ("债务", "借款")), ("loan", ("借款",)), ("default", ("违约",)),
    ("pledge", ("质押",)), ("pledged", ("质押",)), ("frozen", ("冻结",)), ("freeze", ("冻结",)),
    ("auditor", ("会计师事务所",)), ("change", ("变更", "更换", "改聘")), ("changed", ("变更", "更换", "改聘")), ("更换", ("变更", "改聘")), ("audit", ("审计",)), ("opinion", ("意见",)), ("qualified", ("保留意见",)),
    ("receivable", ("应收账款",)), ("receivables", ("应收账款",)), ("ageing", ("账龄",)), ("aged", ("账龄",)),
    ("inventory", ("存货",)), ("product", ("产品",)), ("products", ("产品",)), ("main", ("主要",)),
    ("investigation", ("调查", "立案")), ("investigated", ("调查", "立案")), ("director", ("董事",)), ("executive", ("高管",)),
    ("subsidiary", ("子公司",)), ("subsidiaries", ("子公司",)), ("related", ("关联",)), ("party", ("关联方",)),
    ("going", ("持续经营",)), ("concern", ("持续经营",)), ("bankruptcy", ("破产",)), ("accident", ("事故",)),
    ("net", ("净利润", "净额")), ("profit", ("利润",)), ("total", ("总计", "合计")), ("asset", ("资产",)), ("assets", ("资产",)),
    ("liabilities", ("负债",)), ("operating", ("经营",)), ("cash", ("现金",)), ("flow", ("现金流量",)), ("end", ("期末", "年末")),
    ("employees", ("员工", "职工")), ("销售额", ("销售",)), ("占比", ("比例",)), ("采购额", ("采购",)), ("dividend", ("分红", "股利")), ("impairment", ("减值",)), ("restricted", ("受限",)),
)
_EN_TO_ZH: dict[str, tuple[str, ...]] = {}
for _en, _zh in GLOSSARY:
    _EN_TO_ZH[_en] = tuple(dict.fromkeys((*_EN_TO_ZH.get(_en, ()), *_zh)))
_ZH_TO_EN: dict[str, tuple[str, ...]] = {}
for _en, _zh in GLOSSARY:
    for _z in _zh:
        _ZH_TO_EN[_z] = tuple(dict.fromkeys((*_ZH_TO_EN.get(_z, ()), _en)))


def alternatives(term: str) -> tuple[tuple[str, ...], ...]:
    """The term and its translations, each as the tokens that must all occur."""
    found = _EN_TO_ZH.get(term.lower(), ()) + _ZH_TO_EN.get(term, ())
    return ((term,), *(tuple(tokens(phrase)) or (phrase,) for phrase in found))


def bilingual_coverage(terms: Sequence[str], text: str) -> float:
    """Share of the terms present in the text in either language (see the module docstring)."""
    if not terms:
        return 0.0
    have = set(tokens(text))
    have |= {t[:-1] for t in have if t.isascii() and t.endswith("s")}
    return sum(any(all(part in have for part in alt) for alt in alternatives(term)) for term in terms) / len(terms)


def expanded_query(question: str, terms: Sequence[str]) -> str:
    """The question plus the translations of its terms, so keyword search finds the other language too."""
    extra = [phrase for term in terms for alt in alternatives(term)[1:] for phrase in ("".join(alt) if not alt[0].isascii() else " ".join(alt),)]
    return " ".join([question, *dict.fromkeys(extra)])
