"""The suggestion rule (PIC4R2119v2 一.2, 四.4), as a table of cases over plain data."""

import datetime as dt

import pytest

from careloop.treatments.suggestions import Held, Offer, treatment_suggest

TODAY = dt.date(2026, 11, 23)
LABELS = {
    "physiotherapy": "物理治療",
    "sports_recovery": "運動恢復",
    "pain_management": "疼痛管理",
    "rehabilitation": "復健訓練",
    "health_products": "保健產品",
}
NECK10 = Offer("package", 1, "肩頸舒緩物理治療 10 堂", "physiotherapy", 12000, 10)
BACK6 = Offer("package", 2, "下背痛物理治療 6 堂", "physiotherapy", 7200, 6)
PAIN12 = Offer("package", 3, "慢性疼痛管理 12 堂", "pain_management", 16800, 12)
REHAB20 = Offer("package", 4, "術後復健訓練 20 堂", "rehabilitation", 28000, 20)
SPORT5 = Offer("package", 5, "運動按摩放鬆 5 堂", "sports_recovery", 5500, 5)
BELT = Offer("product", 11, "護腰支撐帶", "physiotherapy", 1280)
BAND = Offer("product", 12, "彈力帶（中阻力）", "rehabilitation", 450)
GLUCO = Offer("product", 13, "葡萄糖胺膠囊 90 粒", "health_products", 1200)
CATALOGUE = [NECK10, BACK6, PAIN12, REHAB20, SPORT5, BELT, BAND, GLUCO]


def held(offer, remaining, expires_in_days=120):
    return Held(
        offer.id, offer.name, offer.category, remaining, TODAY + dt.timedelta(expires_in_days)
    )


CASES = [
    # (case, interests, budget, held, bought categories, expected names, reason fragments)
    (
        "a package nearly used up is renewed first, then a complementary product",
        [],
        "unstated",
        [held(NECK10, 2)],
        ["physiotherapy"],
        [NECK10.name, BELT.name],
        ["剩 2 堂，建議續購同一療程", "曾購買物理治療療程"],
    ),
    (
        "a package expiring within 30 days is renewed",
        [],
        "unstated",
        [held(NECK10, 6, expires_in_days=20)],
        ["physiotherapy"],
        [NECK10.name, BELT.name],
        ["到期，建議續購同一療程", "搭配居家使用"],
    ),
    (
        "an interest within an economy budget picks the package in the band",
        ["physiotherapy"],
        "economy",
        [],
        [],
        [BACK6.name, SPORT5.name],
        ["符合需求「物理治療」，價格在預算範圍內", "入門療程"],
    ),
    (
        "a standard budget picks the standard-priced package of the interest",
        ["physiotherapy", "pain_management"],
        "standard",
        [],
        [],
        [NECK10.name, PAIN12.name],
        ["符合需求「物理治療」", "符合需求「疼痛管理」"],
    ),
    (
        "a premium budget with no premium package of the interest falls back to its entry",
        ["pain_management"],
        "premium",
        [],
        [],
        [PAIN12.name, SPORT5.name],
        ["入門療程", "入門療程"],
    ),
    (
        "a package held active and not running out is never suggested",
        ["physiotherapy"],
        "standard",
        [held(NECK10, 8)],
        ["physiotherapy"],
        [BELT.name, BACK6.name],
        ["曾購買物理治療療程", "入門療程"],
    ),
    (
        "interest in health products suggests a product",
        ["health_products", "rehabilitation"],
        "premium",
        [],
        [],
        [BAND.name, REHAB20.name],
        ["符合需求「保健產品」", "符合需求「復健訓練」"],
    ),
    (
        "a new customer with no profile gets two entry packages",
        [],
        "unstated",
        [],
        [],
        [SPORT5.name, BACK6.name],
        ["入門療程", "入門療程"],
    ),
    (
        "never more than three, even with much to say",
        ["physiotherapy", "pain_management", "rehabilitation"],
        "unstated",
        [held(SPORT5, 1)],
        ["sports_recovery", "physiotherapy"],
        [SPORT5.name, BACK6.name, PAIN12.name],
        ["剩 1 堂", "符合需求「物理治療」。", "符合需求「疼痛管理」。"],
    ),
    (
        "'other' interest is ignored and an empty catalogue suggests nothing",
        ["other"],
        "economy",
        [],
        [],
        [],
        [],
    ),
]


@pytest.mark.parametrize(
    "interests, budget, held_now, bought, expected, reasons",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_suggestions(interests, budget, held_now, bought, expected, reasons):
    # given the customer's needs, packages held and categories bought
    catalogue = [] if not expected else CATALOGUE
    # when the rule runs
    found = treatment_suggest(
        catalogue=catalogue,
        interests=interests,
        budget=budget,
        category_labels=LABELS,
        held=held_now,
        bought_categories=bought,
        today=TODAY,
    )
    # then the expected items come in order, each with its reason
    assert [s.offer.name for s in found] == expected
    for suggestion, fragment in zip(found, reasons, strict=True):
        assert fragment in suggestion.reason
