"""The reply checker (domain.md §5) on texts as staff write them."""

import pytest

from careloop.accounts.models import User
from careloop.replies.checker import FindingKind, reply_check
from careloop.replies.models import AvoidPhrase
from careloop.replies.services import avoid_phrase_save
from tests.replies.conftest import CLEAN_REPLY, DRAFT

pytestmark = pytest.mark.django_db

FACTS = ("20260213-001", "治療師遲到二十分鐘，也沒有事先通知。")


def kinds(result):
    return [(f.kind, f.code) for f in result.findings]


def marked(result, kind):
    return [result.text[s:e] for f in result.findings if f.kind == kind for s, e in f.spans]


def test_given_the_draft_then_avoid_phrases_missing_apology_and_placeholder_are_flagged():
    result = reply_check(text=DRAFT, customer_name="林美玲", case_facts=FACTS)

    assert marked(result, FindingKind.AVOID_PHRASE) == ["這是公司規定", "您可能誤會了"]
    assert marked(result, FindingKind.PLACEHOLDER) == ["{客戶姓名}"]
    assert ("structure", "structure:apology") in kinds(result)
    assert not result.sendable
    placeholder = next(f for f in result.findings if f.kind == FindingKind.PLACEHOLDER)
    assert placeholder.message == "尚未填入「客戶姓名」。"
    avoid = next(f for f in result.findings if f.kind == FindingKind.AVOID_PHRASE)
    assert avoid.message == "「這是公司規定」是應避免的用語（推卸責任）。"
    assert avoid.suggestion


def test_given_a_clean_reply_then_nothing_is_found():
    result = reply_check(
        text=CLEAN_REPLY, customer_name="林美玲", case_facts=FACTS, staff_name="張美惠"
    )

    assert result.findings == ()
    assert result.clean and result.sendable


def test_the_check_reads_the_avoid_list_once(django_assert_num_queries):
    with django_assert_num_queries(1):
        reply_check(text=CLEAN_REPLY)


@pytest.mark.parametrize(
    "words",
    [
        "這是公司規定",
        "這是我們的政策",
        "不是我們的錯",
        "應該是物流的責任",
        "應該是其他部門的責任",
        "這是物流公司的問題",
        "其他客人都沒有這個問題",
        "其他客人都沒問題",
        "您可能誤會了",
        "你應該誤會了",
        "可能是您使用不當",
        "保證…絕不會再發生",
        "保證以後絕不會再發生",
        "我們保證這種事不會再出現",
    ],
)
def test_given_a_seeded_phrase_or_its_variant_then_it_is_flagged(words):
    text = f"林小姐您好，{words}。"

    result = reply_check(text=text)

    assert marked(result, FindingKind.AVOID_PHRASE) == [words.removeprefix("我們")]


@pytest.mark.parametrize(
    "text",
    [
        "我們已加強治療師的時間管理，並會盡最大努力避免再次發生。",
        "這次的情況確實是我們的疏失。",
        "如果我沒有理解錯誤，您的意思是希望改約時段。",
        "依照物流單號，商品明天送達。",
    ],
)
def test_given_good_wording_then_no_avoid_phrase_is_flagged(text):
    assert marked(reply_check(text=text), FindingKind.AVOID_PHRASE) == []


def test_given_a_phrase_added_by_an_administrator_then_the_next_check_flags_it(administrator):
    text = "林小姐您好，療程費用恕不退還。"
    assert marked(reply_check(text=text), FindingKind.AVOID_PHRASE) == []

    avoid_phrase_save(
        values={"phrase": "恕不(退還|退費)", "category": "other", "suggestion": "", "active": True},
        by=administrator,
    )

    assert marked(reply_check(text=text), FindingKind.AVOID_PHRASE) == ["恕不退還"]


def test_given_a_phrase_switched_off_then_it_is_not_flagged(administrator):
    phrase = AvoidPhrase.objects.get(phrase__startswith="這是(公司")
    avoid_phrase_save(values={"active": False}, phrase=phrase, by=administrator)

    assert marked(reply_check(text="這是公司規定。"), FindingKind.AVOID_PHRASE) == []


def test_given_a_broken_phrase_in_the_database_then_the_check_skips_it():
    AvoidPhrase.objects.create(phrase="(壞掉", category="other")

    result = reply_check(text="這是公司規定（壞掉")

    assert marked(result, FindingKind.AVOID_PHRASE) == ["這是公司規定"]


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("親愛的[顧客姓名]您好", ["[顧客姓名]"]),
        ("預計於XX月XX日送達", ["XX", "XX"]),
        ("退還NT$XXX至您的帳戶", ["XXX"]),
        ("由○○專員與您聯絡", ["○○"]),
        ("{客戶名稱}您好", ["{客戶名稱}"]),
        ("【重要回覆】關於您的意見", []),
        ("請寫信到 max@example.test", []),
    ],
)
def test_unfilled_fields_in_other_forms_are_flagged(text, flagged):
    assert marked(reply_check(text=text), FindingKind.PLACEHOLDER) == flagged


def test_an_unknown_braced_field_says_it_is_not_a_field():
    result = reply_check(text="{客戶名稱}您好")

    assert result.findings[0].message == "「{客戶名稱}」不是可用的欄位，請改成實際內容。"


def test_given_a_reply_missing_every_part_then_each_structure_finding_is_listed():
    result = reply_check(text="您好，已收到。")

    assert [f.code for f in result.findings] == [
        "structure:thanks",
        "structure:apology",
        "structure:issue",
        "structure:solution",
        "structure:prevention",
        "structure:thanks_again",
        "structure:contact",
        "structure:contact_name",
    ]
    assert result.sendable  # structure findings are warnings
    assert all(f.spans == () for f in result.findings)


def test_given_a_staff_name_then_the_contact_must_carry_it():
    result = reply_check(text=CLEAN_REPLY, staff_name="王大明")

    assert [f.code for f in result.findings] == ["structure:contact_name"]


def test_a_public_social_reply_needs_only_thanks_apology_and_a_move_to_private():
    good = "您好，感謝您分享這次的經驗，造成您的不愉快我們深感抱歉，已私訊與您聯繫。"
    bad = "您好，感謝您分享這次的經驗，造成您的不愉快我們深感抱歉。"

    assert reply_check(text=good, channel="social_public", customer_name="林美玲").clean
    assert [f.code for f in reply_check(text=bad, channel="social_public").findings] == [
        "structure:private"
    ]


@pytest.mark.parametrize("greeting", ["林美玲您好", "林小姐您好", "美玲您好", "林女士您好"])
def test_the_customer_is_recognised_by_full_name_surname_and_title_or_given_name(greeting):
    result = reply_check(
        text=CLEAN_REPLY.replace("林美玲小姐您好", greeting), customer_name="林美玲"
    )

    assert "personalisation:name" not in [f.code for f in result.findings]


def test_given_a_compound_surname_then_surname_and_title_count():
    result = reply_check(text="歐陽先生您好", customer_name="歐陽娜娜")

    assert "personalisation:name" not in [f.code for f in result.findings]


def test_given_another_name_then_personalisation_is_flagged():
    result = reply_check(
        text=CLEAN_REPLY.replace("林美玲小姐", "陳先生"), customer_name="林美玲", case_facts=FACTS
    )

    finding = next(f for f in result.findings if f.kind == FindingKind.PERSONALISATION)
    assert finding.message == "沒有稱呼客戶的姓名（林美玲）。"


def test_given_a_generic_reply_then_missing_case_specifics_are_flagged():
    generic = CLEAN_REPLY.replace(
        "關於您反映治療師遲到二十分鐘、也沒有事先通知的情況", "關於您反映的情況"
    ).replace("補做一堂完整療程，並由原治療師親自向您致歉", "後續處理")
    generic = generic.replace("治療師若可能延誤", "如有異動")

    result = reply_check(text=generic, customer_name="林美玲", case_facts=FACTS)

    assert [f.code for f in result.findings] == ["personalisation:facts"]


def test_the_case_number_alone_is_a_specific():
    result = reply_check(text="關於客訴編號 20260213-001", case_facts=FACTS)

    assert "personalisation:facts" not in [f.code for f in result.findings]


def test_segments_put_marks_exactly_on_the_spans():
    result = reply_check(text=DRAFT, customer_name="林美玲")

    marks = [(s.text, s.kind) for s in result.segments() if s.kind]
    assert marks == [
        ("{客戶姓名}", "placeholder"),
        ("這是公司規定", "avoid-phrase"),
        ("您可能誤會了", "avoid-phrase"),
    ]
    assert "".join(s.text for s in result.segments()) == DRAFT


def test_overlapping_findings_split_the_marks_and_a_blocking_kind_wins():
    AvoidPhrase.objects.create(phrase="公司規定", category="other")

    segments = [s for s in reply_check(text="這是公司規定").segments() if s.kind]

    assert [(s.text, len(s.findings)) for s in segments] == [("這是", 1), ("公司規定", 2)]


def test_nothing_is_written_by_a_check():
    before = (AvoidPhrase.objects.count(), User.objects.count())

    reply_check(text=DRAFT)

    assert (AvoidPhrase.objects.count(), User.objects.count()) == before
