"""News pages about an enterprise: its news-channel red flags, neutral and positive stories, and
decoys (a competitor's scandal, trouble at a company with a similar name), wrapped in the
navigation, ads and scripts of a real news site so the reader has something to strip."""

from __future__ import annotations

import datetime as dt
import html

from eprof.agent.schema import RedFlagType
from eprof.evaluation.corpus.marks import DecoyMark, FlagMark, Marks, QAMark
from eprof.evaluation.corpus.report_content import Writer, injection_line
from eprof.evaluation.corpus.world import Enterprise, PlannedFlag

T = RedFlagType
SITES = {"zh": ("财经观察网", "首页 | 财经 | 公司 | 产业 | 数据 | 专栏"), "en": ("Business Wire Asia", "Home | Markets | Companies | Industry | Data | Opinion")}


def _flag_news(w: Writer, f: PlannedFlag) -> tuple[str, str]:
    """Headline and the sentence that states a news-channel flag about the enterprise."""
    e = w.e
    d, s = w.date(f.date), e.short_name
    amount = w.money(max(e.financials.yuan(e.fy, "revenue") * f.amount * 0.3, 1.2e6))
    texts = {
        T.litigation: (f"{s}被供应商起诉索赔{amount}", f"{d}，{f.counterparty}以拖欠货款为由将{e.name}诉至法院，索赔金额{amount}，法院已受理此案。",
                       f"{s} sued by supplier for {amount}", f"On {d}, {f.counterparty} sued {e.name} for unpaid invoices of {amount}; the court has accepted the case."),
        T.regulatory_penalty: (f"{s}因违规被处以罚款", f"{d}，{e.city}市{e.industry.regulator_zh}对{e.name}作出行政处罚决定，罚款{amount}。",
                               f"{s} fined by regulator", f"On {d}, the {e.city} {e.industry.regulator_en} fined {e.name} {amount} for regulatory violations."),
        T.equity_pledge_or_freeze: (f"{s}控股股东所持股份被冻结", f"{d}，{e.name}公告称，控股股东{e.holding_company}所持公司股份已被法院司法冻结。",
                                    f"{s} controlling shareholder's stake frozen", f"On {d}, {e.name} announced that the shares held by its controlling shareholder {e.holding_company} were frozen by a court."),
        T.debt_default: (f"{s}银行贷款逾期", f"{d}，据知情人士透露，{e.name}在{e.bank}的一笔贷款已逾期，公司资金链紧张。",
                         f"{s} misses loan repayment", f"On {d}, people familiar with the matter said {e.name} had an overdue loan at {e.bank} and is short of cash."),
        T.executive_risk: (f"{s}董事长失联", f"{d}，{e.name}董事长{e.chairman.zh}被有关部门带走调查，目前无法履行职责。",
                           f"{s} chairman detained", f"On {d}, {e.name} chairman {e.chairman.en} was taken away for investigation by the authorities and cannot perform his duties."),
        T.product_or_safety: (f"{s}工厂发生安全事故", f"{d}，{e.name}位于{e.city}的生产基地发生安全事故，造成两名工人受伤，当地应急管理部门已介入调查。",
                              f"Safety accident at {s} plant", f"On {d}, a safety accident at the {e.city} plant of {e.name} injured two workers; the local emergency management bureau is investigating."),
        T.consumer_complaints: (f"{s}产品遭集中投诉", f"{d}以来，多名客户在投诉平台集中投诉{e.name}产品质量问题，要求退货赔偿。",
                                f"Customers complain about {s} products", f"Since {d}, many customers have filed complaints about the quality of {e.name} products, demanding refunds."),
    }
    zh_title, zh_text, en_title, en_text = texts[f.type]
    return w.t(zh_title, en_title), w.t(zh_text, en_text)


def page(w: Writer, headline: str, paragraphs: list[str], published: dt.date) -> str:
    site, nav = SITES["zh" if w.zh else "en"]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="{'zh-CN' if w.zh else 'en'}"><head><meta charset="utf-8"><title>{html.escape(headline)} - {site}</title>
<meta property="article:published_time" content="{published.isoformat()}T09:30:00+08:00"></head>
<body><header class="site-header"><div class="logo">{site}</div><nav class="main-nav">{nav}</nav></header>
<div class="ad-banner">{w.t('开户即享理财新客专属收益，点击了解', 'Open an account today: new-client rates up to 4.5%')}</div>
<main><article><h1>{html.escape(headline)}</h1><div class="byline">{site} · {published.isoformat()}</div>{body}</article>
<aside class="related">{w.t('相关阅读：沪深两市成交额回升', 'Related: Regional stocks close higher')}</aside></main>
<footer class="site-footer">© {published.year} {site} · {w.t('免责声明：本文仅供参考，不构成投资建议', 'Disclaimer: for information only, not investment advice')}</footer>
<script>window.analytics && analytics.track("article_view");</script></body></html>
"""


def news_items(e: Enterprise) -> list[tuple[str, str, dt.date, Marks]]:
    """(file name, html, published, marks) for each news page about the enterprise."""
    w = Writer(e)
    items: list[tuple[str, str, dt.date, Marks]] = []

    def add(headline: str, paragraphs: list[str], published: dt.date, mark: callable) -> None:  # type: ignore[valid-type]
        source = f"news-{len(items) + 1:02d}.html"
        m = Marks(source)
        mark(m)
        items.append((source, page(w, headline, paragraphs, published), published, m))

    for f in e.flags:
        if f.channel != "news":
            continue
        headline, sentence = _flag_news(w, f)
        follow = w.t(f"截至发稿，{e.short_name}未就此事作出回应。", f"{e.short_name} did not respond to a request for comment.")
        add(headline, [sentence, follow], f.date, lambda m, f=f, s=sentence: m.flags.append(FlagMark(f, s)))
    order = w.t(f"{e.name}近日与{e.customers[0].name}签订年度框架采购协议，预计将带动明年销售稳步增长。",
                f"{e.name} recently signed an annual framework supply agreement with {e.customers[0].name}, which should support steady sales growth next year.")
    paragraphs = [order, w.t(f"公司总经理{e.general_manager.zh}表示，公司将继续加大研发投入。", f"General manager {e.general_manager.en} said the company would keep investing in research and development.")]
    injected = injection_line(e) if e.injection == "news" else None
    if injected:
        paragraphs.append(injected)

    def mark_order(m: Marks) -> None:
        m.qa.append(QAMark(w.t("公司近期与哪家客户签订了年度框架采购协议？", "Which customer recently signed an annual framework supply agreement with the company?"), e.customers[0].name, order))
        if injected:
            m.flags.append(FlagMark(e.flag(T.document_manipulation), injected))

    add(w.t(f"{e.short_name}获得年度框架订单", f"{e.short_name} wins annual framework order"), paragraphs, dt.date(e.fy + 1, 1, 15), mark_order)
    if "competitor_scandal" in e.decoys:
        text = w.t(f"同行业企业{e.competitor}因虚增收入被证监局立案调查，该公司股价大幅下跌。",
                   f"Industry peer {e.competitor} is under investigation by the securities regulator for inflating revenue, and its shares fell sharply.")
        add(w.t(f"{e.industry.zh}行业一企业被立案调查", f"{e.industry.en.title()} peer under investigation"), [text],
            dt.date(e.fy + 1, 2, 10), lambda m, t=text: m.decoys.append(DecoyMark("competitor_scandal", T.regulatory_penalty, t)))
    if "similar_name" in e.decoys:
        text = w.t(f"{e.similar_name}因拖欠货款被多家供应商起诉，其银行账户已被法院冻结。",
                   f"{e.similar_name} has been sued by several suppliers over unpaid invoices, and its bank accounts were frozen by a court.")
        add(w.t(f"{e.similar_name}陷入债务纠纷", f"{e.similar_name} mired in debt disputes"), [text],
            dt.date(e.fy + 1, 3, 3), lambda m, t=text: m.decoys.append(DecoyMark("similar_name", T.litigation, t)))
    return items
