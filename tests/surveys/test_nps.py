"""NPS = % promoters (9–10) − % detractors (0–6), rounded; per branch and month."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from careloop.surveys.models import Survey, SurveyKind, SurveyResponse
from careloop.surveys.selectors import (
    Nps,
    nps_by_branch_month,
    nps_compute,
    responses_filter,
    responses_visible_to,
)
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
def make_answers(senior, make_complaint):
    """Answered surveys with the given recommend scores, at a branch and a time."""
    counter = iter(range(10_000))

    def make(scores, *, branch, at=None):
        at = at or timezone.now()
        for score in scores:
            complaint = make_complaint(
                branch=branch, complainant_name=f"客戶{next(counter)}", by=senior
            )
            survey = Survey.objects.create(
                kind=SurveyKind.COMPLAINT_RESOLVED,
                branch=branch,
                complaint=complaint,
                recipient_name=complaint.complainant_name,
                nonce="n",
                sent_by=senior,
                sent_at=at - dt.timedelta(days=1),
                expires_at=at + dt.timedelta(days=29),
                answered_at=at,
            )
            SurveyResponse.objects.create(
                survey=survey, satisfaction=8, recommend=score, answered_at=at
            )

    return make


def test_worked_example_ten_answers_give_30(make_answers, branch_a, django_assert_num_queries):
    # given 10 answers: 5 promoters (9–10), 3 passives (7–8), 2 detractors (0–6)
    make_answers([9, 10, 9, 10, 9, 7, 8, 7, 6, 0], branch=branch_a)
    # when NPS is computed
    with django_assert_num_queries(1):
        nps = nps_compute(responses=SurveyResponse.objects.all())
    # then 50% − 20% = 30, with the counts
    assert (nps.promoters, nps.passives, nps.detractors, nps.total) == (5, 3, 2, 10)
    assert (nps.promoter_pct, nps.detractor_pct) == (50, 20)
    assert nps.score == 30


@pytest.mark.parametrize(
    "promoters, passives, detractors, score",
    [
        (0, 0, 0, None),  # no answers: no score, not 0
        (0, 0, 4, -100),
        (4, 0, 0, 100),
        (0, 5, 0, 0),  # passives only count in the total
        (1, 1, 1, 0),
        (1, 2, 0, 33),  # 33.33… → 33
        (2, 1, 0, 67),  # 66.67… → 67
        (1, 7, 0, 13),  # 12.5 → 13: half away from zero
        (0, 7, 1, -13),  # −12.5 → −13
    ],
)
def test_nps_rounding_and_edges(promoters, passives, detractors, score):
    assert Nps(promoters, passives, detractors).score == score


def test_boundaries_of_the_groups(make_answers, branch_a):
    make_answers([6, 7, 8, 9], branch=branch_a)
    nps = nps_compute(responses=SurveyResponse.objects.all())
    assert (nps.promoters, nps.passives, nps.detractors) == (1, 2, 1)
    assert nps.score == 0


def test_per_branch_and_month_in_taipei_time(make_answers, branch_a, branch_b):
    # given answers at branch A in March (one at 23:30 Taipei on 31 March, which is still
    # March in Taipei though already 15:30 UTC) and April, and at branch B in March
    make_answers([10, 10], branch=branch_a, at=dt.datetime(2026, 3, 31, 23, 30, tzinfo=TAIPEI))
    make_answers([0], branch=branch_a, at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI))
    make_answers([9, 3], branch=branch_a, at=dt.datetime(2026, 4, 1, 0, 30, tzinfo=TAIPEI))
    make_answers([8], branch=branch_b, at=dt.datetime(2026, 3, 15, 12, 0, tzinfo=TAIPEI))
    # when split by branch and month
    rows = nps_by_branch_month(responses=SurveyResponse.objects.all())
    # then newest month first, each with its own NPS
    got = [(r.month, r.branch.code, r.nps.total, r.nps.score) for r in rows]
    assert got == [
        (dt.date(2026, 4, 1), "taipei", 2, 0),
        (dt.date(2026, 3, 1), "taipei", 3, 33),
        (dt.date(2026, 3, 1), "taoyuan", 1, 0),
    ]


def test_per_branch_and_month_queries_are_bounded(
    make_answers, branch_a, django_assert_max_num_queries
):
    for month in range(1, 7):
        make_answers([9, 3], branch=branch_a, at=dt.datetime(2026, month, 10, tzinfo=TAIPEI))
    other = BranchFactory(code="hsinchu", name="新竹分院")
    make_answers([10], branch=other, at=dt.datetime(2026, 2, 10, tzinfo=TAIPEI))
    with django_assert_max_num_queries(2):
        rows = nps_by_branch_month(responses=SurveyResponse.objects.all())
    assert len(rows) == 7


def test_answer_dates_filter_both_ends_included(make_answers, branch_a, senior):
    make_answers([10], branch=branch_a, at=dt.datetime(2026, 3, 1, 0, 5, tzinfo=TAIPEI))
    make_answers([0], branch=branch_a, at=dt.datetime(2026, 3, 31, 23, 55, tzinfo=TAIPEI))
    make_answers([0], branch=branch_a, at=dt.datetime(2026, 4, 1, 0, 5, tzinfo=TAIPEI))
    march = responses_filter(
        responses_visible_to(user=senior),
        answered_from=dt.date(2026, 3, 1),
        answered_to=dt.date(2026, 3, 31),
    )
    assert nps_compute(responses=march).total == 2


def test_branch_b_staff_count_only_branch_b_answers(make_answers, branch_a, branch_b, therapist_b):
    make_answers([10, 10, 10], branch=branch_a)
    make_answers([0], branch=branch_b)
    nps = nps_compute(responses=responses_visible_to(user=therapist_b))
    assert (nps.total, nps.score) == (1, -100)
