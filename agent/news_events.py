"""Risk events as Chinese financial news words them, read only where the news is about the enterprise.

Annual-report wording (agent/lexicon.py) misses most of how the financial press reports an
event: "信披违规", "短线交易", "董事长失联", "重组告吹", "净利降3成", "评级遭下调至中性",
"账户被冻结", "平台跑路". This lexicon was written from the training split of a CCKS-2019-style
labelled news set (BBT-FinCUGE FinESE; the held-back slice judges it, see
benchmarks/news_events.py). Each `NewsEvent` names its event label (agent/news_taxonomy.py maps
labels to red-flag codes) and the phrases that state it; the first event in `EVENTS` order whose
phrase matches inside a stretch about the enterprise (agent/subjects.py `segments`) wins for
that phrase, and each stretch reports one event (`_primary`). Generic press wording (立案, 涉嫌,
经侦…; a bare 逾期) is a fallback: it types a stretch only where no specific phrase does.
`counterparty_events` types the stretches about a firm tied to the enterprise (its customer,
supplier, guarantor…; agent/subjects.py `related`) the same way, for agent/news_counterparties.py.

Only the stretch about the enterprise is read: in "金一文化违规减持…雅虎承认发生大规模数据泄露…
科远股份(002380)股东减持202万股" the leak is 雅虎's, the selldowns are the others'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eprof.agent.news_taxonomy import flag_for
from eprof.agent.schema import RedFlagType, Severity
from eprof.agent.subjects import related, segments

__all__ = ["EVENTS", "SEGMENT_LEFT", "CounterpartyHit", "NewsEvent", "NewsHit", "counterparty_events", "denied", "news_events", "sentence_event"]

S = Severity
SEGMENT_LEFT = 30
"""How far back a mention's clause may start and still be read with it ('对XX涉嫌…立案侦查')."""


@dataclass(frozen=True)
class NewsEvent:
    """One event label and the phrases that state it, with the severity it starts at."""

    label: str
    pattern: re.Pattern[str]
    severity: Severity
    fallback: bool = False

    @property
    def flag(self) -> RedFlagType:
        flag = flag_for(self.label)
        assert flag is not None, self.label  # every label in EVENTS raises a flag
        return flag


def _e(label: str, pattern: str, severity: Severity, fallback: bool = False) -> NewsEvent:
    return NewsEvent(label, re.compile(pattern, re.I), severity, fallback)


EVENTS: tuple[NewsEvent, ...] = (
    _e("财务造假", r"财务造假|造假|财务舞弊|舞弊|虚增(营业)?(收入|利润|资产)|虚构(交易|收入|业务|利润)|欺诈(发行|上市)|粉饰(业绩|报表|财报)|"
                  r"做假账|假账|利润注水|虚假(上市|财报)", S.critical),
    _e("涉嫌传销", r"传销|拉人头|层级返利|金字塔(式|骗局)", S.critical),
    _e("涉嫌非法集资", r"非法集资|非法吸收公众存款|非法吸收(公众)?(资金|存款)|非法融资|借新还旧|非法吸存|非法吸储|非吸|集资诈骗|庞氏|资金盘|自融|资金池|非法经营.{0,4}(理财|资金)", S.critical),
    _e("涉嫌欺诈", r"诈骗|骗局|欺诈|欺骗|骗取|骗钱|骗人|骗子|被骗|骗了|涉诈|套路贷|虚假(宣传|标|背景|合同|资料|借款|项目)|假标", S.critical),
    _e("提现困难", r"提现(困难|难|受限|延迟|逾期|缓慢|异常)|无法提现|不能提现|提不出|(无法|不能)(正常)?出金|出金(困难|难|受限)|血本无归|兑付(困难|危机|逾期|延期|风险)|延期兑付|逾期(兑付|未兑付)|"
                  r"逾期\d*(个)?月|爆雷|暴雷|停止(兑付|发标)", S.critical),
    _e("失联跑路", r"跑路|失联|人去楼空|卷款|携款|关门|清盘|良性退出|立案侦查|被查封", S.critical),
    _e("歇业停业", r"倒闭|停业|歇业|停产|关停|破产|清算|注销|停止(经营|营业|运营)|暂停(营业|经营|运营)", S.critical),
    _e("资金账户风险", r"(账户|账号|资金|存款|银行账户|资产)[^股]{0,6}(被冻结|遭冻结|冻结|被盗|失窃|丢失|挪用|被划走)|"
                      r"(冻结|挪用|盗取|盗刷).{0,6}(资金|存款|账户)|被盗|挪用|数据泄露", S.critical),
    _e("不能履职", r"失联|协助调查|配合调查|被带走|带走调查|去世|逝世|病逝|身故|辞世|离世|猝死|意外身亡|被批捕|批捕|被捕|逮捕|刑事拘留|拘留|刑拘|"
                  r"跑路|出逃|外逃|潜逃|被抓|落马|被查|接受(组织)?(审查|调查)|留置|双规|(无法|不能)(正常)?履(行)?职|被限制出境|边控|自首|投案|"
                  r"强制措施|被调查|被立案", S.high),
    _e("高管负面", r"(董事长|总经理|总裁|高管|董秘|董事|监事|实控人|实际控制人|老板|创始人|负责人|法人|行长|CEO|CFO).{0,12}"
                  r"(涉嫌|判刑|获刑|受贿|行贿|贪污|违纪|违法|丑闻|被判|犯罪|被罚|处罚|警示|谴责|处分|被诉|纠纷|性侵|猥亵|吸毒|醉驾)", S.high),
    _e("重组失败", r"(重组|资产重组|并购|收购|定增|借壳|重大事项|合并|资产注入|非公开发行).{0,8}(失败|终止|告吹|搁浅|被否|流产|夭折|叫停|未获|未通过|"
                  r"暂停|中止|泡汤|落空|生变|撤回|否决|难产|遇阻|受阻|放弃|取消)|终止.{0,8}(重组|收购|并购|定增|借壳|发行)|"
                  r"重组.{0,16}(复牌|跌停)", S.medium),
    _e("评级调整", r"(评级|信用等级|展望).{0,12}(下调|调降|调低|降至|降为|下降|至|为|调整|负面|列入|观察|撤销|中性|减持|卖出|回避)|"
                  r"(下调|调降|调低|降低|下修).{0,8}(评级|信用等级|目标价)|目标价.{0,6}(下调|调降|降)|降级|负面观察", S.high),
    _e("业绩下滑", r"业绩.{0,4}(下滑|下降|变脸|跳水|大降|预减|预亏|亏损|下挫|滑坡|不及预期|低于预期|大跌|缩水|腰斩|承压|下行|下跌|大幅下降|降)|"
                  r"(净利|利润|盈利|营收|收入|毛利|利润总额|归母净利).{0,12}(下滑|下降|下跌|减少|锐减|大减|腰斩|缩水|预减|跌|降\d|降[一二三四五六七八九]|"
                  r"降幅|大降|骤降|暴跌|同比降|下挫|不及预期|低于预期)|由盈转亏|扭盈为亏|转亏|首亏|续亏|巨亏|预亏|亏损|下调.{0,6}(盈利|业绩|全年).{0,4}(预期|预测|指引)|"
                  r"盈利预警|业绩预警", S.medium),
    _e("实控人股东变更", r"(实控人|实际控制人|控股股东|第一大股东|大股东|控制权|控股权|股权|股东|董事会|管理层|掌门人|董事长).{0,10}(变更|变化|易主|更迭|易人|换人|生变|变动|转让|之争|争夺|拟变)|"
                        r"(股权|控制权|控股权|经营权)(争夺|之争|纷争|争斗|大战|转让|内斗)|争夺战|易主|易其主|无实控人|举牌|入主|新主|夺权|逼宫|宫斗|内斗|让渡控制权|权力之争", S.medium),
    _e("信批违规", r"信披|信息披露|披露(违规|不实|不及时|不完整|不准确|瑕疵|虚假)|(未|没有|未能|迟迟未|延迟|推迟|延期|无法按期|未按(期|时|规定)|未及时|未如实|未依法|隐瞒不报|隐瞒)"
                  r".{0,6}(披露|公告|发布|报告)|未披|隐瞒|(延至|延期至|推迟至).{0,10}披露|无法.{0,4}披露|披露不(充分|规范)|虚假陈述|虚假记载|重大遗漏|误导性陈述|年报难产|问询函|关注函|监管函|警示函|"
                  r"立案(调查|稽查)|调查通知书|行政处罚|罚单|罚款|被罚|遭罚|罚没|责令(改正|整改)|约见谈话|纪律处分|公开谴责|通报批评|"
                  r"监管措施|被约谈", S.medium),
    _e("交易违规", r"内幕交易|内幕信息|短线交易|违规(买卖|交易|减持|增持|操作|炒股)|操纵(股价|市场|证券)|老鼠仓|利益输送|泄密|窗口期.{0,6}(买卖|交易|减持)|"
                  r"超比例(减持|增持)", S.medium),
    _e("资产负面", r"查封|扣押|资产.{0,6}(减值|缩水|流失|被查)|商誉减值|计提.{0,10}减值|拍卖|司法拍卖|被执行|强制执行|失信", S.medium),
    _e("产品违规", r"(质量|安全)(问题|隐患|事故)|不合格|召回|假货|假冒|违规(产品|销售)|0元购|下架|有毒|致癌|超标", S.high),
    _e("投诉维权", r"投诉|维权|消费者.{0,8}(举报|不满|集体)|黑猫|讨说法|被坑|受害人|投资人.{0,6}(报案|维权)", S.low),
    _e("涉嫌违法", r"立案|涉嫌|被查|查处|经侦|警方|报案|爆雷|暴雷|踩雷|炸雷|约谈|点名|违法|违规|黑名单|警告|无证|罪犯|犯罪|黑恶|涉案|被告|公诉|判处|追赃|违反|叫停|非法所得|高利贷|超范围经营|野鸡平台", S.medium, fallback=True),
    _e("提现困难", r"逾期|还钱|血汗钱", S.high, fallback=True),
)
"""Event labels in precedence order (a fallback, generic wording, counts only where nothing else
does): where one phrase could state two events, the earlier label
wins (欺诈发行 is fraud, not fundraising fraud; 失联 of a platform is 失联跑路, of an officer 不能履职
when an officer title precedes it, see `_officer`)."""

OFFICER = re.compile(r"主席|董事长|总经理|总裁|高管|董秘|董事|监事|实控人|实际控制人|老板|创始人|负责人|法人|法定代表人|行长|CEO|CFO|掌门|大佬", re.I)
CANCELLED = re.compile(r"否认|辟谣|不存在|并未|没有|未受|未发生|澄清|谣言|不实传闻")
"""A denial or clarification right before the phrase ('否认“跑路”', '澄清…传闻') states no event."""


@dataclass(frozen=True)
class NewsHit:
    """The event a stretch about the enterprise reports, and where its phrase starts."""

    label: str
    flag: RedFlagType
    severity: Severity
    start: int


def _officer(text: str, start: int, pos: int, reach: int = 12) -> bool:
    """An officer title within `reach` characters before pos (and after start)."""
    return bool(OFFICER.search(text, max(start, pos - reach), pos))


def _label(event: NewsEvent, text: str, start: int, pos: int) -> str:
    """失联/跑路 of an officer is 不能履职; of the firm it is 失联跑路."""
    if event.label == "失联跑路" and _officer(text, start, pos):
        return "不能履职"
    return event.label


RATING = next(e for e in EVENTS if e.label == "评级调整")
RATING_VERB = re.compile(r"(下调|调降|调低|下修|降低)[^，。,；;\n]{0,6}$")
RATING_OBJECT = re.compile(r"评级|信用等级|展望")
RATING_REACH = 12


def _primary(text: str, a: int, b: int) -> NewsHit | None:
    """The event a stretch reports: the first phrase after the name (the earlier label on a tie).

    What follows it is its consequence, reported with it: a platform's 非法集资 then 立案侦查 and
    the boss 刑拘 is one fundraising event. But when an officer title stands between the name and
    the first phrase and the officer is detained, missing or the like ('九有股份董事长…因涉嫌非法吸收
    公众存款被刑事拘留'), the event is the officer's. A rating agency's verb may come before the name
    ('惠誉下调南非主权评级').
    """
    first: tuple[int, int, NewsEvent] | None = None
    executive: tuple[int, NewsEvent] | None = None
    for rank, event in enumerate(EVENTS):
        if event.fallback and first is not None:
            continue
        for m in event.pattern.finditer(text, a, b):
            if CANCELLED.search(text, max(a, m.start() - 6), m.start()):
                continue
            at = m.end() if event.label == "高管负面" else m.start()  # it starts at the title, the event is its end
            if first is None or (at, rank) < first[:2]:
                first = (at, rank, event)
            if event.label == "不能履职" and executive is None:
                executive = (m.start(), event)
            break
    prefix = RATING_VERB.search(text, max(0, a - RATING_REACH), a)
    if prefix and RATING_OBJECT.search(text, a, b) and (first is None or first[2].label != "评级调整"):
        first = (a, -1, RATING)  # '标普下调南非主权评级': the agency and its verb come before the name
    if first is None:
        return None
    pos, _, event = first
    if executive is not None and event.label not in ("不能履职", "高管负面") and _officer(text, a, pos, reach=max(0, pos - a)):
        pos, event = executive
    label = _label(event, text, a, pos)
    flag = flag_for(label)
    if flag is None:
        return None
    return NewsHit(label, flag, event.severity, pos)


def sentence_event(text: str, start: int = 0) -> NewsHit | None:
    """The event a sentence reports from `start` on, whoever it names (for a document the
    attribution gate, agent/news_gate.py, judges to be about the enterprise)."""
    return _primary(text, start, len(text))


def news_events(text: str, names: tuple[str, ...], left: int = SEGMENT_LEFT) -> list[NewsHit]:
    """The event each stretch about the enterprise reports, in a (folded) news text; one per label."""
    found: dict[str, NewsHit] = {}
    for a, b in segments(text, names, left=left):
        hit = _primary(text, a, b)
        if hit is not None and hit.label not in found:
            found[hit.label] = hit
    return sorted(found.values(), key=lambda h: (h.start, h.label))


def denied(text: str, names: tuple[str, ...], left: int = SEGMENT_LEFT) -> set[RedFlagType]:
    """Codes whose phrase, in a stretch about the enterprise, is denied ('否认财务造假传闻')."""
    out: set[RedFlagType] = set()
    for a, b in segments(text, names, left=left):
        for event in EVENTS:
            if any(CANCELLED.search(text, max(a, m.start() - 6), m.start()) for m in event.pattern.finditer(text, a, b)):
                out.add(event.flag)
    return out


@dataclass(frozen=True)
class CounterpartyHit:
    """An event of a firm tied to the enterprise ('XX的客户Y破产'): its role, its name where the
    words right after the role give one, and the event."""

    role: str
    party: str | None
    hit: NewsHit


PARTY = re.compile(r"[\u4e00-\u9fffA-Za-z0-9（）()·&]{2,40}")
PARTY_END = re.compile(r"因|被|已|于|等|也|又|均|都|称|未|将|日前|近日|近期|目前|正式|涉嫌|出现|发生|遭|陷入|宣布|宣告|公告|表示")
"""Words that end the name before the event ('华北重工日前被法院裁定破产' -> 华北重工)."""


def _party(text: str, start: int, event_at: int) -> str | None:
    """The tied firm's name: the name-like run after the role word, up to the event's phrase."""
    m = PARTY.match(text, start, max(start, event_at))
    name = m.group() if m else ""
    end = PARTY_END.search(name, 2)
    name = name[:end.start()] if end else name
    return name if len(name) >= 2 else None


def counterparty_events(text: str, names: tuple[str, ...]) -> list[CounterpartyHit]:
    """Events the (folded) text tells of the enterprise's customer, supplier, guarantor, guaranteed
    party, subsidiary or parent (agent/subjects.py `related`): recorded, never its own red flag."""
    found = []
    for role, a, b in related(text, names):
        hit = _primary(text, a, b)
        if hit is not None:
            found.append(CounterpartyHit(role, _party(text, a, hit.start), hit))
    return found
