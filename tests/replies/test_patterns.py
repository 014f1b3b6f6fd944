"""The avoid-list's pattern language."""

import pytest

from careloop.replies.patterns import PatternError, pattern_compile


@pytest.mark.parametrize(
    ("pattern", "text", "match"),
    [
        ("這是公司規定", "喔這是公司規定啦", "這是公司規定"),
        ("保證…絕不會再發生", "保證以後絕不會再發生", "保證以後絕不會再發生"),
        ("保證...絕不會再發生", "保證絕不會再發生", "保證絕不會再發生"),
        ("應該是(物流|其他部門)的責任", "應該是其他部門的責任", "應該是其他部門的責任"),
        ("應該是（物流｜其他部門）的責任", "應該是物流的責任", "應該是物流的責任"),
        ("其他客人都沒(有|)…問題", "其他客人都沒問題", "其他客人都沒問題"),
        ("「這是公司規定」".strip("「」"), "這是公司規定", "這是公司規定"),
        ("NO WAY", "no way", "no way"),
        ("…不可能…", "這不可能啦", "不可能"),
    ],
)
def test_patterns_match_their_variants(pattern, text, match):
    found = pattern_compile(pattern).search(text)

    assert found is not None and found.group(0) == match


def test_a_gap_stays_within_one_sentence():
    pattern = pattern_compile("保證…不會再發生")

    assert pattern.search("我們保證。這次的情況不會再發生") is None
    assert pattern.search("保證" + "很" * 21 + "不會再發生") is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "請輸入應避免的用語。"),
        ("  ", "請輸入應避免的用語。"),
        ("不", "用語至少要有兩個固定的字，以免每則回覆都被標示。"),
        ("…", "用語至少要有兩個固定的字，以免每則回覆都被標示。"),
        ("(不是|)錯", "用語至少要有兩個固定的字，以免每則回覆都被標示。"),
        ("應該是(物流|其他部門的責任", "括號沒有成對，請檢查「(」與「)」。"),
        ("應該是物流)的責任", "括號沒有成對，請檢查「(」與「)」。"),
        ("物流|其他部門", "「|」只能用在括號裡，例如「(物流|其他部門)」。"),
        (
            "應該是物流/其他部門的責任",
            "多種寫法請用括號與「|」表示，例如「應該是(物流|其他部門)的責任」。",
        ),
    ],
)
def test_unusable_patterns_say_why(pattern, message):
    with pytest.raises(PatternError) as raised:
        pattern_compile(pattern)

    assert str(raised.value) == message
