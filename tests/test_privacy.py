"""kernel/privacy.py: personal data is masked, everything else survives byte for byte."""

from __future__ import annotations

import pytest

from eprof.kernel.privacy import mask_personal_data

MASKED = [
    ("联系电话13812345678，请回电", "联系电话[PHONE]，请回电"),
    ("mobile 138-1234-5678 or 139 8765 4321", "mobile [PHONE] or [PHONE]"),
    ("+86 138 1234 5678", "[PHONE]"),
    ("+86-13812345678", "[PHONE]"),
    ("call +1 (415) 555-0100 today", "call [PHONE] today"),
    ("London office +44 20 7946 0958.", "London office [PHONE]."),
    ("身份证号110101199003071234。", "身份证号[ID_CARD]。"),
    ("ID 11010119900307123X, issued", "ID [ID_CARD], issued"),
    ("账号6222021234567890123", "账号[BANK_ACCOUNT]"),
    ("卡号 6222 0212 3456 7890", "卡号 [BANK_ACCOUNT]"),
    ("account 6222-0212-3456-7890-123 closed", "account [BANK_ACCOUNT] closed"),
    ("邮箱 zhang.san+ir@example.com.cn。", "邮箱 [EMAIL]。"),
    ("Contact: cfo@acme-holdings.com", "Contact: [EMAIL]"),
]

KEPT = [
    "营业收入12,345.67万元，同比下降3.5%",
    "amounts 1234567890.12 and 98,765,432,109.00",
    "report dated 2024-01-15, signed 20240115, period 2023-2024",
    "ratio 0.13812345678",
    "统一社会信用代码91310000MA1FL4XX1B",
    "chunk sha256:1381234567812345abcdef and id c_13812345678",
    "股票代码600519，注册资本1,256,197,800元",
    "growth +12.5% to 3.2 billion",
    "",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_other_text_is_unchanged(text: str) -> None:
    assert mask_personal_data(text) == text


def test_masking_is_idempotent() -> None:
    once = mask_personal_data("张三 13812345678 zs@example.com 110101199003071234 6222021234567890")
    assert once == "张三 [PHONE] [EMAIL] [ID_CARD] [BANK_ACCOUNT]"
    assert mask_personal_data(once) == once
