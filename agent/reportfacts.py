"""Statutory facts read in code from the places a CSRC-format annual report puts them.

- Auditor: the 会计师事务所名称 row of the company-information section, else the firm that signs
  the auditor's report. A heading such as '公司聘请的会计师事务所' is a label, not a firm.
- Opinion: the 审计意见类型 row, else the auditor's report itself: its opinion heading (保留意见,
  否定意见, 无法表示意见) and whether it carries an emphasis or going-concern paragraph.
- Controlling shareholder: the row under the 控股股东名称/姓名 header, or the 名称/姓名 line of
  the ticked (√适用) block of 控股股东情况; '无控股股东' where the report states there is none.
- Financial institution: a bank, insurer or broker prints amounts on the lines only they have
  (吸收存款, 已赚保费, 代理买卖证券款); a manufacturer's statements leave those lines empty.

Each fact cites the line it was read from, so verification treats it like any extracted claim.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from eprof.agent.schema import Evidence, TextClaim
from eprof.retrieval.schema import Chunk, DocType

FIRM = re.compile(r"([\u4e00-\u9fff]{2,24}会计师事务所(?:\s*[(（][\u4e00-\u9fff]{2,12}[)）])?)")
AUDITOR_ROW = re.compile(r"(?:^|\s)(?:境内)?(?:会计师事务所|审计机构)名称|^公司聘请的会计师(?:事务所)?(?:[（(]境内[)）])?\s*名称")
OPINION_ROW = re.compile(r"(审计意见类型)\s*(\S+)")
ISSUED = re.compile(r"([\u4e00-\u9fff]{2,24}?会计师事务所(?:\s*[(（][\u4e00-\u9fff]{2,12}[)）])?)\s*(?:对|为)(?:本|我)?公司.{0,16}?出具了?(.{0,24}?意见)的?审计报告")
OPINION_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"无法表示意见"), "无法表示意见"),
    (re.compile(r"否定意见"), "否定意见"),
    (re.compile(r"带.{0,4}持续经营.{0,10}重大不确定性.{0,6}无保留意见"), "带持续经营重大不确定性段落的无保留意见"),
    (re.compile(r"带.{0,2}强调事项.{0,6}无保留意见"), "带强调事项段的无保留意见"),
    (re.compile(r"标准的?无保留意见"), "标准无保留意见"),
    (re.compile(r"(?<!无)保留意见"), "保留意见"),
)
REPORT_HEADINGS = {"保留意见": "保留意见", "否定意见": "否定意见", "无法表示意见": "无法表示意见"}
CONTROLLER_HEADER = re.compile(r"控股股东(名称|姓名)")
HEADER_WORDS = re.compile(r"法定代表人|单位负责人|成立日期|组织机构代码|统一社会信用代码|主要经营业务|国籍|是否取得其他国家或地区居留权|[/／]")
CONTROLLER_SECTION = re.compile(r"控股股东情况$|控股股东情况\s+1\s*法人|^\d\s*(法人|自然人)$")
"""The 控股股东情况 block, or its first sub-block (法人/自然人), which the format puts before the actual controller's."""
TICKED_NAME = re.compile(r"√\s*适用\s*□\s*不适用\s*(?:名称|姓名)\s*([^\s□√]{2,40}?)(?=\s|国籍|是否|主要|法定代表人|单位负责人|成立日期|统一社会|$)")
STATED_CONTROLLER = re.compile(r"(?:公司|本公司|本行)的?控股股东(?:为|是)([\u4e00-\u9fff（）()]{2,40}?(?:有限公司|有限责任公司)|[\u4e00-\u9fff]{2,4}(?=[先女]士|[，,。；]))")
PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
ORGANISATION = re.compile(r"^[\u4e00-\u9fff（）()A-Za-z]{4,40}(有限公司|有限责任公司|集团|委员会|管理局|合伙企业|（有限合伙）|\(有限合伙\)|中心)$")
NOT_A_NAME = re.compile(r"法定代表人|单位负责人|国籍|成立日期|主要|代码|情况|性质|类型|名称|姓名|适用")
NO_CONTROLLER = re.compile(r"(?:公司|本公司|本行)(?:目前)?(?:无|没有|不存在)控股股东(?![^，。]{0,4}情况的特别说明)")
INSTITUTION_LINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bank", re.compile(r"^(吸收存款(及同业存放)?)\s{2,}(\d{1,3}\s+)?[(（]?[\d,]{4,}")),
    ("insurer", re.compile(r"^(已赚保费)\s{2,}(\d{1,3}\s+)?[(（]?[\d,]{4,}")),
    ("broker", re.compile(r"^(代理买卖证券款)\s{2,}(\d{1,3}\s+)?[(（]?[\d,]{4,}")),
)


@dataclass(frozen=True)
class ReportFacts:
    auditor: TextClaim | None
    audit_opinion: TextClaim | None
    controlling_shareholder: TextClaim | None
    financial_institution: TextClaim | None

    def claims(self) -> list[TextClaim]:
        found = (self.auditor, self.audit_opinion, self.controlling_shareholder, self.financial_institution)
        return [c for c in found if c is not None]


def _lines(chunks: Sequence[Chunk]) -> Iterator[tuple[Chunk, str, str]]:
    """(chunk, raw line, folded stripped line) of the annual reports, in document order."""
    for chunk in sorted((c for c in chunks if c.doc_type == DocType.annual_report), key=lambda c: (c.source, c.ordinal)):
        for line in chunk.text.split("\n"):
            if line.strip():
                yield chunk, line, unicodedata.normalize("NFKC", line).strip()


def _claim(chunk: Chunk, line: str, value: str) -> TextClaim:
    """The value as the document prints it (full-width brackets and all), found by folding the line."""
    folded = "".join(f if len(f := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in line)
    at = folded.find(value)
    value = line[at : at + len(value)] if at >= 0 else value
    return TextClaim(value=value, evidence=[Evidence(chunk_id=chunk.chunk_id, source=chunk.source, page=chunk.page, quote=line.strip())])


def _auditor(lines: list[tuple[Chunk, str, str]]) -> TextClaim | None:
    for chunk, line, text in lines:
        label = AUDITOR_ROW.search(text)
        m = FIRM.match(text[label.end():].strip()) if label else ISSUED.search(text)
        if m:
            return _claim(chunk, line, m.group(1))
    for chunk, line, text in lines:  # the firm that signs the auditor's report
        m = FIRM.match(text)
        if m and "中国注册会计师" in text:
            return _claim(chunk, line, m.group(1))
    return None


def _opinion(lines: list[tuple[Chunk, str, str]]) -> TextClaim | None:
    for chunk, line, text in lines:
        m = OPINION_ROW.search(text) or ISSUED.search(text)
        if m:
            for pattern, value in OPINION_WORDS:
                if pattern.search(m.group(2)):
                    return _claim(chunk, line, value)
    for i, (_, _, text) in enumerate(lines):
        if text != "审计报告":
            continue
        window = lines[i : i + 40]
        heading = next(((c, l, REPORT_HEADINGS[t.split("、")[-1]]) for c, l, t in window if re.fullmatch(r"[一二三四]、(保留意见|否定意见|无法表示意见)", t)), None)
        if heading:
            return _claim(*heading)
        fair = next(((c, l) for c, l, t in window if "公允反映了" in t), None)
        if fair is None:
            continue
        extra = [t for _, _, t in lines[i : i + 80] if re.fullmatch(r"[一二三四五]、(强调事项|与持续经营相关的重大不确定性)", t)]
        if extra:
            value = "带持续经营重大不确定性段落的无保留意见" if "持续经营" in extra[0] else "带强调事项段的无保留意见"
        else:
            value = "标准无保留意见"
        return _claim(fair[0], fair[1], value)
    return None


def _name(text: str) -> str | None:
    first = re.split(r"\s+", text.strip())[0]
    if NOT_A_NAME.search(first) or re.search(r"[；;，,。]", first):
        return None
    return first if PERSON.match(first) or ORGANISATION.match(first) else None


def _controller(lines: list[tuple[Chunk, str, str]]) -> TextClaim | None:
    for i, (chunk, line, text) in enumerate(lines):
        if NO_CONTROLLER.search(text):
            return _claim(chunk, line, "无控股股东")
        stated = STATED_CONTROLLER.search(text)
        if stated:
            return _claim(chunk, line, stated.group(1))
        header = CONTROLLER_HEADER.search(text)
        if header:  # a table: the name is the first cell below the header (the row may run on)
            for c, l, t in [(chunk, line, text[header.end():])] + lines[i + 1 : i + 7]:
                for token in re.split(r"\s+|/", HEADER_WORDS.sub(" ", t)):
                    if token and not NOT_A_NAME.search(token):
                        name = _name(token)
                        if name:
                            return _claim(c, l, name)
                        break
        if CONTROLLER_SECTION.search(text) or CONTROLLER_SECTION.search(chunk.section or ""):  # 1 法人 / 2 自然人: the ticked block names it
            window = [(c, l, t) for c, l, t in lines[i : i + 16]]
            joined = " ".join(t for _, _, t in window)
            joined = joined[: joined.find("实际控制人情况")] if "实际控制人情况" in joined else joined
            m = TICKED_NAME.search(joined)
            if m:
                c, l, _ = next((c, l, t) for c, l, t in window if m.group(1) in t)
                return _claim(c, l, m.group(1))
    return None


def _institution(lines: list[tuple[Chunk, str, str]]) -> TextClaim | None:
    for chunk, line, text in lines:
        for kind, pattern in INSTITUTION_LINES:
            if pattern.match(text):
                return _claim(chunk, line, kind)
    return None


def report_facts(chunks: Sequence[Chunk]) -> ReportFacts:
    lines = list(_lines(chunks))
    return ReportFacts(
        auditor=_auditor(lines),
        audit_opinion=_opinion(lines),
        controlling_shareholder=_controller(lines),
        financial_institution=_institution(lines),
    )
