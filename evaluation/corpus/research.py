"""An industry research note (Markdown) on the enterprise's industry chain and outlook."""

from __future__ import annotations

from eprof.agent.schema import RedFlagType
from eprof.evaluation.corpus.marks import FlagMark, Marks, QAMark
from eprof.evaluation.corpus.report_content import Writer, injection_line
from eprof.evaluation.corpus.world import Enterprise

T = RedFlagType


def research_note(e: Enterprise) -> tuple[str, str, Marks]:
    """(file name, markdown, marks)."""
    w = Writer(e)
    ind = e.industry
    m = Marks("research.md")
    position = w.t(f"{e.name}是{ind.zh}产业链中游的专业制造商，主要服务{e.core_enterprise}等核心企业的供应体系。",
                   f"{e.name} is a specialist manufacturer in the middle of the {ind.en} chain, serving the supply system of core enterprises such as {e.core_enterprise}.")
    m.qa.append(QAMark(w.t("公司主要服务哪些核心企业的供应体系？", "Which core enterprises' supply systems does the company serve?"), e.core_enterprise, position))
    lines = [
        w.t(f"# {ind.zh}行业研究：产业链格局与{e.fy + 1}年展望", f"# {ind.en.title()} industry: chain structure and {e.fy + 1} outlook"),
        "",
        w.t("## 一、产业链结构", "## 1. Chain structure"),
        "",
        w.t(f"{ind.zh}产业链上游为{ind.upstream_zh}，下游为{ind.downstream_zh}。上游原材料价格波动直接影响中游企业毛利率，下游核心企业议价能力较强，账期普遍在90至180天。",
            f"Upstream of the {ind.en} chain are {ind.upstream_en}; downstream are {ind.downstream_en}. Raw material prices drive mid-stream margins, and powerful downstream core enterprises typically pay in 90 to 180 days."),
        "",
        w.t("## 二、重点企业", "## 2. Companies to watch"),
        "",
        position,
        "",
        w.t("## 三、展望", "## 3. Outlook"),
        "",
        w.t(f"我们预计{e.fy + 1}年行业需求温和增长，具备核心客户资源和成本控制能力的企业将继续提升份额，中小企业的应收账款回收压力仍需关注。",
            f"We expect moderate demand growth in {e.fy + 1}; firms with core customers and cost discipline should keep gaining share, while receivable collection remains a pressure point for smaller firms."),
    ]
    if e.injection == "research":
        line = injection_line(e)
        m.flags.append(FlagMark(e.flag(T.document_manipulation), line))
        lines += ["", line]
    return m.source, "\n".join(lines) + "\n", m
