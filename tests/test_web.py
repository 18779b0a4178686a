"""The analyst page in a real headless Chromium (Debian's, driven by Playwright) against the real
service on loopback: sign in, open a Chinese enterprise, see a red flag, follow its citation to the
highlighted source page, ask a question and follow the cited answer; read the financial spread,
download the credit memo (PDF rendered to PNG, xlsx opened) and use the portfolio page. Screenshots (eprof-web-*.png) go to $SCREENSHOTS
when set, else to the test's temporary folder."""

from __future__ import annotations

import unicodedata

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pydantic import SecretStr

from eprof.agent.profile import load_profile
from eprof.agent.schema import OperatingProfile
from eprof.kernel.config import Settings
from tests.test_service import build_demo_store, demo_settings, serving

CHROMIUM = "/usr/bin/chromium"
TOKEN = "web-analyst-token-0123456789"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = demo_settings(tmp_path_factory.mktemp("web") / "store", api_tokens=SecretStr(f"alice:{TOKEN}"))
    build_demo_store(settings, ("e001", "e003"))
    return settings


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with serving(settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert problems == []  # no script errors, no content-security-policy violations


def drawn(png: Path) -> int:
    """Distinct colours in a screenshot or rendered page: a blank or failed render has one or two."""
    with Image.open(png) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 22) or ())


def squash(text: str) -> str:
    return "".join(text.split())


def sign_in_and_open(page: Page, base_url: str, name: str) -> None:
    page.goto(base_url)
    expect(page.locator("#login")).to_be_visible()
    page.fill("#token", TOKEN)
    page.click("#login-form button")
    page.get_by_role("link", name=name).click()
    expect(page.locator("#decision .badge")).to_be_visible()


def test_analyst_opens_a_chinese_enterprise_sees_a_red_flag_and_follows_its_citation(page: Page, base_url: str, settings: Settings, shots: Path) -> None:
    profile: OperatingProfile = load_profile(settings, "e001")
    flag = next(f for f in profile.red_flags if f.type.value == "document_manipulation")
    sign_in_and_open(page, base_url, profile.name or "")
    expect(page.locator("h1")).to_have_text(profile.name or "")
    expect(page.locator("#decision .badge")).to_have_text("REFER")
    expect(page.locator("#decision")).to_contain_text("KO-DOC-MANIPULATION")
    expect(page.locator(".chain-box.upstream .chain-value")).to_have_text(profile.upstream.value if profile.upstream else "")
    item = page.locator("#red-flags li.flag", has_text="document manipulation")
    expect(item.locator(".chip")).to_have_text(flag.severity.value)
    expect(item.locator("blockquote")).to_contain_text(flag.evidence[0].quote)
    # Chinese renders without a CJK font on the machine: the page's own font is served and accepted.
    faces = page.evaluate("""async () => (await document.fonts.load('16px "eprof CJK"', '营业收入'))
                                         .map(f => [f.family, f.status])""")
    assert faces == [['"eprof CJK"', "loaded"]] or faces == [["eprof CJK", "loaded"]], faces
    page.screenshot(path=shots / "eprof-web-enterprise.png", full_page=True)

    item.locator("a.cite").first.click()
    evidence = flag.evidence[0]
    expect(page.locator(".source h1")).to_have_text(f"{evidence.source} · page {evidence.page} of 9")
    mark = page.locator("#page-text mark").first
    expect(mark).to_be_visible()
    assert squash(mark.inner_text()) == squash(evidence.quote)
    page.screenshot(path=shots / "eprof-web-source.png")


def test_analyst_asks_a_question_and_follows_the_cited_answer(page: Page, base_url: str, settings: Settings, shots: Path) -> None:
    profile = load_profile(settings, "e001")
    assert profile.auditor is not None
    sign_in_and_open(page, base_url, profile.name or "")
    page.fill("#question", "审计机构是谁？")
    page.click("#ask button")
    answer = page.locator(".msg.bot").last
    citation = answer.locator(".citations a").first
    expect(citation).to_be_visible()
    expect(answer.locator(".answer")).to_contain_text(profile.auditor.value)
    expect(answer.locator(".status")).to_contain_text("offline · profile")
    page.screenshot(path=shots / "eprof-web-chat.png")

    citation.click()
    firm = unicodedata.normalize("NFKC", profile.auditor.value).split("(")[0]  # the claim is NFKC-folded; the page is verbatim
    expect(page.locator("#page-text mark").first).to_contain_text(firm)
    expect(page.locator(".cited")).to_have_class("cited found")
    page.screenshot(path=shots / "eprof-web-chat-citation.png")


def test_analyst_reads_the_spread_and_downloads_the_memo(page: Page, base_url: str, settings: Settings, shots: Path, tmp_path: Path) -> None:
    profile = load_profile(settings, "e001")
    sign_in_and_open(page, base_url, profile.name or "")
    spread = page.locator("#spread")
    expect(spread.locator("thead th")).to_contain_text(["line", "2023", "2024", "yoy 2024", "trend"])
    revenue = spread.locator("tbody tr", has_text="revenue").first
    expect(revenue).to_contain_text("473,887,754")
    expect(revenue).to_contain_text("-19.0%")
    expect(revenue.locator("svg.spark rect")).to_have_count(2)
    spread.scroll_into_view_if_needed()
    page.screenshot(path=shots / "eprof-web-spread.png", full_page=True)
    spread.screenshot(path=shots / "eprof-web-spread-table.png")
    assert drawn(shots / "eprof-web-spread-table.png") >= 16  # text, rules and the sparkline bars, not a blank box

    with page.expect_download() as pdf_download:
        page.click("#memo-pdf")
    pdf = tmp_path / pdf_download.value.suggested_filename
    pdf_download.value.save_as(pdf)
    assert pdf.name == "e001-memo.pdf" and pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(shots / "eprof-web-memo")], check=True)
    memo_png = next(shots.glob("eprof-web-memo*.png"))
    assert memo_png.stat().st_size > 10_000 and drawn(memo_png) >= 16
    with page.expect_download() as xlsx_download:
        page.click("#memo-xlsx")
    xlsx = tmp_path / "memo.xlsx"
    xlsx_download.value.save_as(xlsx)
    book = load_workbook(xlsx)
    assert (profile.name or "") in book["Memo"]["A1"].value
    assert [c.value for c in book["Spread"][1]][:3] == ["line", "2023", "2024"]


def test_portfolio_page_sorts_filters_and_keeps_the_watch_list(page: Page, base_url: str, shots: Path) -> None:
    page.goto(base_url)
    page.fill("#token", TOKEN)
    page.click("#login-form button")
    page.click("#portfolio-link")
    rows = page.locator("#portfolio-body tr")
    expect(rows).to_have_count(2)
    page.locator("#portfolio-head th", has_text="enterprise").click()  # descending first
    expect(rows.first).to_have_attribute("data-id", "e003")
    page.locator("#portfolio-head th", has_text="enterprise").click()
    expect(rows.first).to_have_attribute("data-id", "e001")
    expect(rows.first.locator(".badge")).to_have_text("refer")
    page.fill("#portfolio-filter", "Lianchuang")
    expect(rows).to_have_count(1)
    rows.first.locator("button.star").click()
    expect(rows.first.locator("button.star")).to_have_class("star on")
    page.screenshot(path=shots / "eprof-web-portfolio.png", full_page=True)
    assert drawn(shots / "eprof-web-portfolio.png") >= 16
    page.reload()
    page.click("#portfolio-link")
    expect(page.locator("#portfolio-body tr[data-id='e003'] button.star")).to_have_class("star on")
