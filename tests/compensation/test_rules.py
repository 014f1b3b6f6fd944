"""The rules of domain.md §4 as pure functions: the score, the levels, the offers."""

import pytest

from careloop.compensation import rules
from careloop.compensation.rules import Level, level_for, offers_suggest, score_compute
from tests.compensation.conftest import MINOR, MODERATE, SEVERE


def test_the_four_weights_are_the_articles_and_add_up_to_100():
    assert [(f.code, f.weight) for f in rules.FACTORS] == [
        ("actual_loss", 30),
        ("time_cost", 20),
        ("emotional_distress", 30),
        ("trust_loss", 20),
    ]


@pytest.mark.parametrize(
    ("ratings", "score"),
    [
        ({"actual_loss": 0, "time_cost": 0, "emotional_distress": 0, "trust_loss": 0}, 0),
        ({"actual_loss": 5, "time_cost": 5, "emotional_distress": 5, "trust_loss": 5}, 100),
        ({"actual_loss": 5, "time_cost": 0, "emotional_distress": 0, "trust_loss": 0}, 30),
        ({"actual_loss": 0, "time_cost": 5, "emotional_distress": 0, "trust_loss": 0}, 20),
        (MODERATE, 50),
        (MINOR, 20),
        (SEVERE, 92),
    ],
)
def test_score_is_the_weighted_sum_of_ratings_over_5_times_100(ratings, score):
    assert score_compute(ratings) == score


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, Level.MINOR),
        (34, Level.MINOR),
        (35, Level.MODERATE),
        (69, Level.MODERATE),
        (70, Level.SEVERE),
        (100, Level.SEVERE),
    ],
)
def test_level_thresholds_minor_below_35_severe_from_70(score, level):
    assert level_for(score) == level


@pytest.mark.parametrize(
    "ratings",
    [
        {"actual_loss": 6, "time_cost": 0, "emotional_distress": 0, "trust_loss": 0},
        {"actual_loss": -1, "time_cost": 0, "emotional_distress": 0, "trust_loss": 0},
        {"time_cost": 0, "emotional_distress": 0, "trust_loss": 0},
    ],
)
def test_a_rating_outside_0_5_or_missing_is_refused(ratings):
    with pytest.raises(ValueError):
        score_compute(ratings)


def test_moderate_offers_refund_30_to_50_percent_plus_a_gift_of_the_same_value():
    offers = offers_suggest(level="moderate", amount=3000)

    assert 2 <= len(offers) <= 3
    assert [o.refund_amount for o in offers] == [900, 1200, 1500]
    for offer in offers:
        assert 900 <= offer.refund_amount <= 1500
        assert offer.benefit_value == offer.refund_amount
        assert "等值" in offer.title
        assert offer.value == offer.refund_amount + offer.benefit_value


def test_minor_offers_are_an_apology_with_10_to_20_percent_off_and_a_non_monetary_option():
    offers = offers_suggest(level="minor", amount=3000)

    assert [(o.refund_amount, o.benefit_value) for o in offers] == [(0, 300), (0, 600), (0, 0)]
    assert all("書面致歉" in o.title for o in offers)
    assert offers[2].kind == rules.OfferKind.APOLOGY_PRIORITY


def test_minor_third_option_is_a_free_session_when_the_purchase_is_a_package():
    offers = offers_suggest(level="minor", amount=3000, session_value=300)

    assert offers[2].kind == rules.OfferKind.FREE_SESSION
    assert offers[2].benefit_value == 300


def test_severe_offers_are_a_full_refund_plus_50_to_100_percent_and_a_managers_apology():
    offers = offers_suggest(level="severe", amount=3000)

    assert [(o.refund_amount, o.benefit_value) for o in offers] == [
        (3000, 1500),
        (3000, 2250),
        (3000, 3000),
    ]
    assert all("主管" in o.description for o in offers)


def test_without_an_affected_amount_offers_still_come_at_zero_money():
    offers = offers_suggest(level="moderate", amount=0)
    assert [o.value for o in offers] == [0, 0, 0]


def test_settlement_is_required_for_grade_a_or_above_10000():
    assert rules.settlement_required(grade="A", value=100, case_total=100)
    # an apology settles no money
    assert not rules.settlement_required(grade="A", value=0, case_total=0)
    assert rules.settlement_required(grade="B", value=10_001, case_total=10_001)
    assert not rules.settlement_required(grade="B", value=10_000, case_total=10_000)
    assert not rules.settlement_required(grade="C", value=0, case_total=0)
    # the threshold counts the case's payout whole: NT$9,000 twice is NT$18,000
    assert rules.settlement_required(grade="B", value=9_000, case_total=18_000)
    assert not rules.settlement_required(grade="B", value=0, case_total=18_000)
