"""Bilingual (Chinese / English) wording of credit red flags, as annual reports and news print them.

The offline extractor (agent.offline and its rule modules) reads these tables; they hold no logic of their own, so
a reviewer can check the vocabulary without reading the matching code. Patterns are compiled
case-insensitive and run on NFKC-normalised text (full-width letters and digits folded).

Each red-flag type has `Trigger`s. A trigger's `strong` flag says whether it states an incident
by itself (`召回`, `explosion`) or only a condition that a regulator's fine in the same sentence
explains better (`抽查不合格`): weak product triggers yield to regulatory_penalty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eprof.agent.schema import RedFlagType, Severity

T = RedFlagType
S = Severity


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


@dataclass(frozen=True)
class Trigger:
    """One way a document states a red flag, with the severity it starts at."""

    pattern: re.Pattern[str]
    severity: Severity
    strong: bool = True


def _t(pattern: str, severity: Severity, strong: bool = True) -> Trigger:
    return Trigger(_re(pattern), severity, strong)


TRIGGERS: dict[RedFlagType, tuple[Trigger, ...]] = {
    T.litigation: (
        _t(r"失信被执行人|被列为被执行人|被强制执行|被执行人", S.high),
        _t(r"起诉|提起诉讼|诉至|被诉|诉讼请求|申请仲裁|提起仲裁|仲裁申请|仲裁委员会受理|纠纷[一案]|涉诉|(?<!不)重大诉讼|未决诉讼", S.medium),
        _t(r"\bsued\b|\bsuing\b|lawsuits?\b|filed (a )?(suit|claim|complaint)|legal proceedings|arbitration (claim|proceeding|case)|"
           r"brought (a|an) (claim|action)|court (ordered|ruled|froze)|enforcement (order|proceedings)|pending litigation|judgment debtor", S.medium),
    ),
    T.regulatory_penalty: (
        _t(r"(证监会|证券监督管理委员会|证监局).{0,12}立案(调查)?|立案调查|立案侦查", S.high),
        _t(r"行政处罚|处以罚款|罚款|没收违法所得|责令(停产|停业|改正|整改)|被处罚|处罚决定", S.medium),
        _t(r"警示函|监管函|监管关注|通报批评|公开谴责|纪律处分|被约谈|问询函", S.low),
        _t(r"\bfined\b|\bfine of\b|administrative penalt(y|ies)|penalty (decision|notice)|was penali[sz]ed|"
           r"(CSRC|regulator|commission|authority|administration|bureau)\b.{0,40}\b(investigation|probe)|placed under (regulatory )?investigation|"
           r"warning letter|public(ly)? censure|regulatory (warning|sanction)", S.medium),
    ),
    T.financial_fraud: (
        _t(r"财务造假|虚增(营业)?(收入|利润|资产)|虚构(交易|收入|业务)|财务舞弊|欺诈发行|虚假记载", S.critical),
        _t(r"financial fraud|accounting fraud|falsified (its )?(accounts|financial|revenue|records)|"
           r"(inflated|fabricated|overstated) (its )?(revenue|profits?|sales|assets)|fraudulent (accounting|financial)", S.critical),
    ),
    T.illegal_fundraising: (
        _t(r"非法集资|非法吸收公众存款|集资诈骗|传销|庞氏", S.critical),
        _t(r"illegal (fund-?raising|deposit-taking)|ponzi|pyramid scheme", S.critical),
    ),
    T.audit_opinion: (
        _t(r"无法表示意见|否定意见|disclaimer of opinion|adverse opinion|do not express an opinion", S.critical),
        _t(r"(?<!无)保留意见|(?<!un)qualified opinion|except for the (possible )?effects", S.high),
        _t(r"(更换|变更|改聘)(了)?(会计师事务所|审计机构|年审会计师)|会计师事务所.{0,6}(辞任|辞聘|解聘)|"
           r"auditors? (resigned|was dismissed|was replaced)|change of auditors?|(dismissed|replaced) (its|the) auditors?", S.medium),
    ),
    T.going_concern: (
        _t(r"持续经营能力.{0,10}(重大不确定性|重大疑虑|存在重大不确定)|与持续经营相关的重大不确定性|持续经营.{0,6}存在(重大)?不确定性", S.critical),
        _t(r"going concern.{0,40}(uncertaint|doubt)|(material uncertaint|significant doubt).{0,120}going concern", S.critical),
    ),
    T.debt_default: (
        _t(r"逾期|(?<!合同)违约(?!金|责任|方|行为|条款)|未能(按期|按时|如期)(偿还|兑付|支付)|到期未(偿还|兑付|支付)|无法(按期)?(偿还|兑付)|兑付(困难|危机)|展期", S.critical),
        _t(r"资金链(紧张|断裂)|流动性(危机|困难)|偿债压力(较大|巨大)", S.high),
        _t(r"\boverdue\b|\bdefault(ed)? on\b|in default\b|missed (a |its )?(payment|coupon|repayment)|failed to (repay|pay|redeem)|"
           r"unable to repay|debt restructuring with (its )?(lenders|creditors)|liquidity (crisis|crunch)|cash crunch", S.critical),
    ),
    T.bankruptcy_or_closure: (
        _t(r"破产(重整|清算|和解|申请)?|停产停业|全面停产|停产整顿|停业整顿|停止生产经营|全面停工|失联跑路|人去楼空", S.critical),
        _t(r"bankruptcy|insolven(t|cy)|ceased (all )?operations|suspended (all )?(production|operations)|shut down (its|the|all)|"
           r"liquidation (proceedings|application)|wound up", S.critical),
    ),
    T.earnings_decline: (
        _t(r"由盈转亏|净亏损|亏损额|出现亏损|发生亏损|经营亏损|(归属于.{0,12})?净利润为负", S.high),
        _t(r"net loss|loss-making|swung to a loss|made a loss", S.high),
    ),
    T.rating_downgrade: (
        _t(r"(评级|信用等级).{0,12}(下调|调降|调低|列入.{0,6}观察名单)|下调.{0,12}(评级|信用等级)|负面观察", S.high),
        _t(r"\bdowngraded?\b|rating (cut|lowered)|(negative|credit) watch", S.high),
    ),
    T.equity_pledge_or_freeze: (
        _t(r"(股份|股权|股票|万股|持股).{0,40}(司法冻结|轮候冻结|被冻结|冻结)|(司法冻结|轮候冻结|冻结).{0,20}(股份|股权|股票|万股)", S.high),
        _t(r"(股份|股权|股票|万股|持股).{0,40}质押|质押.{0,20}(股份|股权|股票|万股)|股权质押|股票质押", S.medium),
        _t(r"(shares|stake|equity|holding)\b.{0,80}\bfrozen\b|\bfroze\b.{0,40}\b(shares|stake)|judicial freeze", S.high),
        _t(r"(shares|stake|equity|holding)\b.{0,80}\bpledged\b|\bpledged?\b.{0,40}\b(shares|stake)|share pledge", S.medium),
    ),
    T.shareholder_selldown: (
        _t(r"减持", S.low),
        _t(r"sold down|reduce(d)? (its|their|his|her) (stake|holding)|sell-?down|disposed of .{0,20}shares", S.low),
    ),
    T.control_change: (
        _t(r"(实际控制人|控股股东)(发生)?(变更|变化|易主)|控制权(变更|转让|发生变化)", S.medium),
        _t(r"change (of|in) (the )?(control|controlling shareholder|actual controller)|controlling shareholder changed", S.medium),
    ),
    T.executive_risk: (
        _t(r"留置|失联|刑事拘留|被逮捕|采取强制措施|(无法|不能)(正常)?履行职责|协助调查|(监察委员会|监委|纪委|公安).{0,12}(调查|立案)", S.high),
        _t(r"(先后|频繁|多次)(变更|更换|离职)|变更[两三四五六2-6]次|更换[两三四五六2-6]次|突然辞职|辞职.{0,6}原因不明", S.high),
        _t(r"\bdetained\b|\bdetention\b|went missing|could not be reached|cannot perform (his|her|their) duties|unable to perform|"
           r"placed under (investigation|detention)|changed (two|three|four|five|several|\d) times|resigned (abruptly|unexpectedly|suddenly)", S.high),
    ),
    T.restructuring_failure: (
        _t(r"(重组|重大资产重组|并购|收购)(事项)?.{0,8}(终止|失败|未获(通过|批准))|终止.{0,8}(重组|重大资产重组)", S.medium),
        _t(r"(restructuring|merger|acquisition|takeover)( plan| deal)? (was )?(terminated|failed|called off|abandoned|collapsed)", S.medium),
    ),
    T.related_party: (
        _t(r"资金占用|占用(公司)?资金|非经营性占用|违规担保|违规对外担保|关联方占用|利益输送", S.high),
        _t(r"non-operating (use|occupation)|(occupied|used|misappropriated) .{0,60}(the Company's|its|our) funds|(funds|cash) .{0,30}(diverted|misappropriated)|"
           r"irregular guarantee|unauthori[sz]ed guarantee", S.high),
    ),
    T.customer_concentration: (
        _t(r"(对|依赖).{0,6}(主要|大)客户.{0,6}(存在)?(较大|重大|严重)?依赖|客户集中度(较)?高", S.medium),
        _t(r"depends? heavily on (its|a few|a small number of|its main|its major) customers|high customer concentration", S.medium),
    ),
    T.receivables_anomaly: (
        _t(r"应收账款.{0,20}(大幅(增长|增加|上升)|异常|难以收回|回收困难|严重逾期)|坏账(准备)?.{0,10}大幅(增加|计提)", S.medium),
        _t(r"receivables .{0,40}(surged|jumped|rose sharply|increased sharply|difficult to collect|uncollectable)", S.medium),
    ),
    T.asset_impairment: (
        _t(r"计提.{0,16}(减值准备|跌价准备|减值损失)|减值损失|商誉减值|资产减值|受限资产|被查封|被扣押", S.medium),
        _t(r"impairment (loss|charge)|impaired|wrote (down|off)|write-(down|off)|written (down|off)|(assets|property) .{0,20}(seized|sealed up)", S.medium),
    ),
    T.product_or_safety: (
        _t(r"(安全|生产|环境|环保|质量)事故|爆炸|火灾|伤亡|死亡|召回|泄漏|环保处罚|环境污染|中毒", S.high),
        _t(r"抽(检|查)不合格|质量不合格|超标排放|超过排放标准|质量问题|安全隐患", S.high, strong=False),
        _t(r"\brecall(s|ed)?\b|explosion|\bfire\b|fatalit(y|ies)|killed|injured|leak(ed|age)?|(safety|environmental|industrial) (accident|incident)|pollution incident", S.high),
        _t(r"failed (a )?(product )?quality (spot )?check|exceed(ed|ing) (air |water )?emission limits|quality (defect|problem)s?|safety hazards?", S.high, strong=False),
    ),
    T.consumer_complaints: (
        _t(r"投诉|维权|消费者.{0,8}(举报|不满|集体)|黑猫", S.low),
        _t(r"complaints?\b|consumer rights|customers protested|class action", S.low),
    ),
}
"""Phrases that state a red flag, per type. Order within a type matters: the first hit sets severity."""

NEGATION = _re(
    r"不存在|并不存在|均不存在|亦不存在|也不存在|不是|并非|不属于|没有|未曾|未发生|未受到|未收到|未被|未涉及|不涉及|未出现|尚无|无(?!法|锡|为|人|需)(?=.{0,4}(重大|任何|其他|未决|诉讼|仲裁|违约|逾期|处罚|质押|冻结|占用|担保|事故|投诉))|"
    r"\bno\b|\bnot\b|\bnor\b|\bneither\b|\bnone\b|\bnever\b|\bwithout\b|free (of|from)|n't\b"
)
"""A negator between the start of the trigger's clause and the trigger itself negates it."""

RESOLUTION: dict[RedFlagType, re.Pattern[str]] = {
    T.litigation: _re(r"撤诉|撤回(起诉|仲裁申请)|已结案|已审结|已和解|达成和解|调解结案|驳回.{0,6}(起诉|诉讼请求|全部诉讼请求)|胜诉|"
                      r"\bwithdr(ew|awn)\b|\bdismissed\b|\bsettled\b|case (is|was) closed|ruled in (the Company's|its|our) favou?r"),
    T.equity_pledge_or_freeze: _re(r"解除(质押|冻结)|解押|解冻|\breleased\b|\bunfrozen\b|lifted the freeze"),
    T.regulatory_penalty: _re(r"撤销.{0,6}处罚|(不予|免予)(行政)?处罚|penalty (was )?(revoked|withdrawn)"),
}
"""A resolved event is not a red flag: the lawsuit withdrawn or settled, the pledge released."""

MITIGATION: dict[RedFlagType, re.Pattern[str]] = {
    T.debt_default: _re(r"已(全部)?(归还|偿还|清偿|兑付)|(have|has|had) been (fully )?(repaid|settled)|was (fully )?repaid"),
    T.related_party: _re(r"已(全部)?(归还|偿还|收回)|(have|has|had) been (fully )?(repaid|returned)|was (fully )?(repaid|returned)"),
    T.regulatory_penalty: _re(r"已(整改完毕|完成整改|缴纳罚款)|rectification (was|has been) completed|has (completed|finished) (the )?rectification"),
    T.product_or_safety: _re(r"已整改完毕|已完成整改|(was|has been) remedied"),
}
"""Resolved but still telling: the severity drops one step (an overdue loan since repaid)."""

UNRESOLVED = _re(r"尚未|未(?=归还|偿还|清偿|收回|解除|整改)|\bnot (yet )?(been )?(repaid|returned|released|settled)\b|\bunpaid\b|\boutstanding\b")
"""Wording that cancels a resolution word: 尚未归还, not repaid."""

HYPOTHETICAL = _re(r"若|如果|倘若|一旦|假如|如未能|可能导致|可能面临|可能存在|\bif\b|\bshould\b|\bmay\b|\bmight\b|\bcould\b|\bwould\b|risk of")
"""A condition before the trigger ('若客户经营恶化，可能导致坏账') describes a risk, not an event."""

MODAL_TYPES = frozenset({T.going_concern, T.audit_opinion})
"""Types whose standard wording is itself modal ('可能导致对持续经营能力产生重大疑虑')."""

ZH_SELF = _re(r"本公司|我公司|(?<!有限)(?<!股份)(?<!集团)(?<!行业)(?<!该)(?<!其他)(?<!子)(?<!一家)(?<!某)(?<!对手)(?<!上市)(?<!合伙)公司(?![章法律])")
EN_SELF = _re(r"\bthe Company\b|\bthe Group\b|\bour (company|group)\b")
INSIDERS = _re(
    r"控股股东|实际控制人|董事长|总经理|董事会秘书|财务负责人|财务总监|高级管理人员|董事|监事|"
    r"controlling shareholder|actual controller|chairman|general manager|chief executive|\bCEO\b|\bCFO\b|chief financial officer|"
    r"\bdirectors?\b|board secretary|senior management"
)
"""Words that make a sentence about this enterprise: itself, its controllers and its officers."""

ZH_ORG = _re(r"(?:(?!公司|本|向|与|及|和|对|被|由|为)[\u4e00-\u9fff（）()]){2,40}?(股份有限公司|有限责任公司|有限公司|集团|合伙企业（有限合伙）)")
EN_ORG = re.compile(
    r"(?:[A-Z][\w&'.-]*\s+){1,8}?(?:Co\.,?\s*Ltd\.?|Company Limited|Co\.|Ltd\.?|Limited|Inc\.?|Corp(?:oration|\.)?|Group|Holdings|LLC)"
)
"""Organisation names: another firm named with no self-reference moves the subject away.

Banks, courts, regulators and auditors are left out: they act on the enterprise, they are not
another subject of its news."""

CORPORATE_SUFFIXES = _re(
    r"(股份有限公司|有限责任公司|有限公司|集团股份有限公司|集团有限公司|\(集团\)|（集团）|"
    r",?\s*Co\.,?\s*Ltd\.?|,?\s*Company Limited|,?\s*Limited|,?\s*Inc\.?|,?\s*Corp(oration|\.)?|,?\s*Co\.)\s*$"
)
ALIAS_DECLARATION = _re(
    r"(?:证券简称|股票简称|公司简称|简称)\s*[:：]\s*([\u4e00-\u9fffA-Za-z0-9]{2,12})|以下简称\s*[“\"]([^”\"]{2,20})[”\"]|"
    r"(?:short name|stock short name|abbreviation)\s*:\s*([A-Z][\w&-]*(?: [A-Z][\w&-]*){0,3})"
)
GENERIC_ALIASES = frozenset({"公司", "本公司", "集团", "the company", "company", "the group"})

AUDITOR = (
    _re(r"([\u4e00-\u9fff（）()]{2,30}?会计师事务所(?:（特殊普通合伙）|\(特殊普通合伙\))?)"),
    re.compile(r"((?:[A-Z][\w&'-]*\s+){1,6}(?:Certified Public Accountants|CPAs?)(?:\s*(?:LLP|Co\.,?\s*Ltd\.?|\(Special General Partnership\)))?)"),
    re.compile(r"audited by ((?:[A-Z][\w&'-]*\s*){1,8}(?:LLP|Co\.,?\s*Ltd\.?|Certified Public Accountants)?)"),
    re.compile(r"^\s*((?:[A-Z][\w&'-]*\s+){1,5}?(?:LLP\s+)?)(?:has\s+)?audited the (?:consolidated )?financial statements"),
)
OPINIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_re(r"无法表示意见"), "无法表示意见"),
    (_re(r"否定意见"), "否定意见"),
    (_re(r"保留意见并包含与持续经营相关的重大不确定性段落"), "保留意见（含持续经营重大不确定性段落）"),
    (_re(r"带有与持续经营相关的重大不确定性段落的无保留意见"), "带持续经营重大不确定性段落的无保留意见"),
    (_re(r"带(有)?强调事项段的无保留意见"), "带强调事项段的无保留意见"),
    (_re(r"标准无保留意见"), "标准无保留意见"),
    (_re(r"(?<!无)保留意见"), "保留意见"),
    (_re(r"disclaimer of opinion|do not express an opinion"), "disclaimer of opinion"),
    (_re(r"adverse opinion"), "adverse opinion"),
    (_re(r"(?<!un)qualified opinion with a material uncertainty related to going concern"), "qualified opinion with a going-concern uncertainty paragraph"),
    (_re(r"unqualified opinion with a material uncertainty related to going concern"), "unqualified opinion with a going-concern uncertainty paragraph"),
    (_re(r"unqualified opinion with an emphasis of matter"), "unqualified opinion with an emphasis of matter"),
    (_re(r"(?<!un)qualified opinion"), "qualified opinion"),
    (_re(r"(standard )?unqualified opinion|clean (audit )?opinion"), "unqualified opinion"),
)
"""Audit opinion wording, most specific first; the value is the normalised opinion."""

MAIN_BUSINESS = (
    _re(r"主营业务(?:为|是)([^。；;]{2,80})"),
    _re(r"(?:专业|主要)从事([^。；;，,]{2,80}?)(?:的)?(?:高新技术企业|企业|业务|。|；|;|，|,)"),
    _re(r"(?:is |are )?(?:principally|mainly|primarily) engaged in ([^.;]{3,160})"),
    _re(r"engaged in the ([^.;]{3,160})"),
)
INDUSTRY = (
    _re(r"^\s*(?:所属行业|行业分类|所处行业)\s+(\S[^\n]{1,40})$"),
    _re(r"^\s*Industry\s{2,}(\S[^\n]{1,60})$"),
    _re(r"(?:所属行业|所处行业)(?:为|是|属于)([^。；;，,]{2,30})"),
    _re(r"公司处于([^。；;，,]{2,30}?)产业链"),
    _re(r"sits in the (?:middle|upstream|downstream|lower|upper)?(?: part)?(?: of)? (?:the )?([\w\s-]{2,40}?) (?:industry )?chain"),
    _re(r"operates in the ([\w\s-]{2,40}?) industry"),
)
UPSTREAM = (
    _re(r"上游(?:主要)?(?:为|是|包括)([^。；;，,]{2,60})"),
    _re(r"upstream (?:are|is|include[s]?) ([^.;]{3,120}?)(?:,? downstream|[.;]|$)"),
    _re(r"主要原材料(?:为|是|包括)([^。；;，,]{2,60})"),
)
DOWNSTREAM = (
    _re(r"下游(?:客户)?(?:主要)?(?:为|是|包括)([^。；;，,]{2,60})"),
    _re(r"downstream (?:are|is|include[s]?|customers are) ([^.;]{3,120})"),
    _re(r"产品主要供应([^。；;，,]{2,60})"),
)
CONTROLLING = (
    _re(r"控股股东(?:为|是)([\u4e00-\u9fff（）()A-Za-z0-9]{2,40}?)(?:[，,。；;]|持有|$)"),
    re.compile(r"[Cc]ontrolling shareholder (?:is|was) ((?:[A-Z][\w&'.,-]*\s*){1,10}?)(?:,|;|\.\s|\s+which|\s+holding|$)"),
)
CORE_SUPPLIER = (
    _re(r"(?:公司)?(?:是|为)([\u4e00-\u9fff（）()A-Za-z0-9]{2,40}?)的(?:一级|核心|主要|战略)?(?:供应商|配套商)"),
    re.compile(r"(?:tier-1|tier-one|key|core|strategic) supplier to ((?:[A-Z][\w&'.,-]*\s*){1,10}?)(?:,|;|\.\s|\s+which|$)"),
    _re(r"进入([\u4e00-\u9fff（）()A-Za-z0-9]{2,40}?)等核心企业"),
    re.compile(r"supply system of core enterprises such as ((?:[A-Z][\w&'.,-]*\s*){1,10}?)(?:,|;|\.\s|$)"),
)
CUSTOMER_TABLE = _re(r"前五(名|大)客户|主要客户|top (five|5) customers|major customers|largest customers")
SUPPLIER_TABLE = _re(r"前五(名|大)供应商|主要供应商|top (five|5) suppliers|major suppliers|largest suppliers")
TOTAL_ROW = _re(r"^\s*(合计|总计|小计|total)\b")

TOP5_SHARE = (
    _re(r"前五(名|大)客户.{0,30}?(?:占|比例|占比).{0,20}?(\d{1,3}(?:\.\d+)?)\s*%"),
    _re(r"(?:top|largest) (?:five|5) customers.{0,60}?(\d{1,3}(?:\.\d+)?)\s*%"),
)
TOP1_SHARE = (
    _re(r"(?:第一大客户|最大客户|第一名客户).{0,40}?(?:占|比例|占比).{0,12}?(\d{1,3}(?:\.\d+)?)\s*%"),
    _re(r"(?:the )?largest(?: customer)?,?.{0,60}?(?:for|accounted for|representing|at) (\d{1,3}(?:\.\d+)?)\s*%"),
    _re(r"(?:向其销售金额|销售金额)占(?:营业收入|年度销售总额|销售总额)的?(\d{1,3}(?:\.\d+)?)\s*%"),
    _re(r"which accounted for (\d{1,3}(?:\.\d+)?)\s*% of (?:its |the Company's )?(?:revenue|sales)"),
)

EARNINGS_DROP = (
    _re(r"净利润.{0,40}?同比(?:下降|减少|下滑)\s*(\d{1,3}(?:\.\d+)?)\s*%"),
    _re(r"营业(?:总)?收入.{0,40}?同比(?:下降|减少|下滑)\s*(\d{1,3}(?:\.\d+)?)\s*%"),
    _re(r"net (?:profit|income).{0,60}?\bdown (\d{1,3}(?:\.\d+)?)\s*%"),
    _re(r"revenue.{0,60}?\bdown (\d{1,3}(?:\.\d+)?)\s*%"),
    _re(r"(?:net profit|net income|revenue) (?:fell|declined|decreased|dropped) (?:by )?(\d{1,3}(?:\.\d+)?)\s*%"),
)
"""Stated declines; below EARNINGS_DROP_FLAG a dip is ordinary business, not a red flag."""

REVENUE_STATED = (
    _re(r"营业(?:总)?收入(?:为)?\s*([\d,]+(?:\.\d+)?)\s*(亿元|万元|元)"),
    _re(r"revenue (?:was|of|reached) (RMB\s*[\d,]+(?:\.\d+)?\s*(?:billion|million|thousand)?)"),
)
AMOUNT = _re(r"(RMB|CNY|人民币|¥)?\s*([\d,]+(?:\.\d+)?)\s*(亿元|万元|千元|元|billion|million|thousand|yuan)")
AMOUNT_FACTORS = {"亿元": 1e8, "万元": 1e4, "千元": 1e3, "元": 1.0, "billion": 1e9, "million": 1e6, "thousand": 1e3, "yuan": 1.0}

IMMATERIAL = _re(r"金额较小|无重大影响|影响较小|不重大|not material|immaterial|no material effect|were small|was small")
CSRC = _re(r"证监会|证券监督管理委员会|证监局|CSRC|securities regulator")
COURT_ENFORCEMENT = _re(r"被执行|强制执行|失信|enforcement|judgment debtor")
DISCLAIMER = _re(r"无法表示意见|否定意见|disclaimer|adverse opinion|do not express")
FREEZE = _re(r"冻结|frozen|freeze")
PLEDGE_RATIO = (_re(r"占其所持(?:公司)?股份(?:总数)?的\s*(\d{1,3}(?:\.\d+)?)\s*%"), _re(r"(\d{1,3}(?:\.\d+)?)\s*% of (?:its|his|her|their) (?:holding|shares)"))
FATALITIES = _re(r"死亡|身亡|遇难|fatalit|killed|died")
MASS = _re(r"集体|大量|大规模|数百|上千|hundreds|thousands|mass|class action")
CONTROLLER = _re(r"控股股东|实际控制人|controlling shareholder|actual controller")

MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), start=1)}
DATES = (
    _re(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    _re(r"\b((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})\b"),
)
EN_DATES = (
    _re(r"\b(january|february|march|april|may|june|july|august|september|october|november|december)\s+(\d{1,2}),?\s+((?:19|20)\d{2})\b"),
    _re(r"\b(\d{1,2})\s+(january|february|march|april|may|june|july|august|september|october|november|december),?\s+((?:19|20)\d{2})\b"),
)
