"""Reads of surveys shared by the pages and the API, always within the user's branches.

NPS (Net Promoter Score) from the 0–10 "would you recommend us" answer: promoters answer 9–10,
passives 7–8, detractors 0–6; NPS = % promoters − % detractors, from −100 to +100.
Worked example: 10 answers — 5 of 9 or 10, 3 of 7 or 8, 2 of 6 or less → 50% − 20% = 30.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import Branch, User
from careloop.accounts.permissions import Capability, require, user_branch_ids
from careloop.complaints.models import Complaint
from careloop.surveys.models import Survey, SurveyKind, SurveyResponse, SurveyStatus

PAGE_SIZE = 50
PROMOTER_MIN = 9
DETRACTOR_MAX = 6


# --- scope -------------------------------------------------------------------------------


def surveys_visible_to(*, user: User) -> QuerySet[Survey]:
    """Surveys of the user's branches; raises PermissionDenied for users who see no customers."""
    require(user, Capability.CUSTOMER_VIEW)
    branch_ids = user_branch_ids(user)
    queryset = Survey.objects.all()
    if branch_ids is not None:
        queryset = queryset.filter(branch_id__in=branch_ids)
    return queryset


def survey_get_for_user(*, user: User, survey_id: int) -> Survey:
    """One survey with its answer, or 404 when it is not there or outside the user's branches."""
    survey = (
        surveys_visible_to(user=user)
        .select_related(
            "branch", "complaint", "purchase", "customer", "sent_by", "last_message", "response"
        )
        .filter(pk=survey_id)
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def branches_visible_to(*, user: User) -> QuerySet[Branch]:
    branch_ids = user_branch_ids(user)
    branches = Branch.objects.order_by("code")
    return branches if branch_ids is None else branches.filter(id__in=branch_ids)


# --- the list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyFilters:
    branch: int | None = None
    kind: str = ""
    status: str = ""
    month: dt.date | None = None  # the first day of the month the link was sent in


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) of a calendar month in Taipei time."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime(month.year, month.month, 1, tzinfo=zone)
    following = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone)
    return start, following


def survey_list(*, user: User, filters: SurveyFilters) -> QuerySet[Survey]:
    """Surveys sent, newest first, with what a row shows selected in the same query."""
    queryset = surveys_visible_to(user=user)
    if filters.branch:
        queryset = queryset.filter(branch_id=filters.branch)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status:
        queryset = queryset.with_status(filters.status)
    if filters.month:
        start, end = month_bounds(filters.month)
        queryset = queryset.filter(sent_at__gte=start, sent_at__lt=end)
    return queryset.select_related(
        "branch", "complaint", "purchase", "customer", "sent_by", "response"
    ).order_by("-sent_at", "-id")


def survey_counts(*, queryset: QuerySet[Survey]) -> dict[str, int]:
    """Sent / answered / waiting / expired of a filtered list, in one query."""
    now = timezone.now()
    waiting = Q(answered_at__isnull=True)
    return queryset.order_by().aggregate(
        sent=Count("id"),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
        waiting=Count("id", filter=waiting & Q(expires_at__gte=now)),
        expired=Count("id", filter=waiting & Q(expires_at__lt=now)),
    )


# --- NPS ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nps:
    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        """% promoters − % detractors, rounded half away from zero; None with no answers."""
        if not self.total:
            return None
        exact = Decimal(100 * (self.promoters - self.detractors)) / Decimal(self.total)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def promoter_pct(self) -> int | None:
        return _pct(self.promoters, self.total)

    @property
    def detractor_pct(self) -> int | None:
        return _pct(self.detractors, self.total)


def _pct(part: int, whole: int) -> int | None:
    if not whole:
        return None
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_NPS_COUNTS = {
    "promoters": Count("id", filter=Q(recommend__gte=PROMOTER_MIN)),
    "passives": Count("id", filter=Q(recommend__gt=DETRACTOR_MAX, recommend__lt=PROMOTER_MIN)),
    "detractors": Count("id", filter=Q(recommend__lte=DETRACTOR_MAX)),
}


def nps_compute(*, responses: QuerySet[SurveyResponse]) -> Nps:
    """NPS of the given answers, counted in one query."""
    counts = responses.order_by().aggregate(**_NPS_COUNTS)
    return Nps(**{name: counts[name] or 0 for name in _NPS_COUNTS})


def responses_visible_to(*, user: User) -> QuerySet[SurveyResponse]:
    require(user, Capability.CUSTOMER_VIEW)
    branch_ids = user_branch_ids(user)
    responses = SurveyResponse.objects.all()
    if branch_ids is not None:
        responses = responses.filter(survey__branch_id__in=branch_ids)
    return responses


def responses_filter(
    responses: QuerySet[SurveyResponse],
    *,
    branch: int | None = None,
    kind: str = "",
    answered_from: dt.date | None = None,
    answered_to: dt.date | None = None,
) -> QuerySet[SurveyResponse]:
    """Answers by branch, kind and answer date (both ends included, Taipei days)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    if branch:
        responses = responses.filter(survey__branch_id=branch)
    if kind:
        responses = responses.filter(survey__kind=kind)
    if answered_from:
        start = dt.datetime.combine(answered_from, dt.time.min, tzinfo=zone)
        responses = responses.filter(answered_at__gte=start)
    if answered_to:
        end = dt.datetime.combine(answered_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        responses = responses.filter(answered_at__lt=end)
    return responses


@dataclass(frozen=True)
class NpsRow:
    branch: Branch
    month: dt.date
    nps: Nps


def nps_by_branch_month(*, responses: QuerySet[SurveyResponse]) -> list[NpsRow]:
    """NPS per branch and answer month (Taipei), newest month first: one query for the counts
    and one for the branch names, however many months."""
    rows = list(
        responses.order_by()
        .annotate(month=TruncMonth("answered_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("survey__branch_id", "month")
        .annotate(**_NPS_COUNTS)
    )
    branches = Branch.objects.in_bulk({row["survey__branch_id"] for row in rows})
    result = [
        NpsRow(
            branch=branches[row["survey__branch_id"]],
            month=_as_date(row["month"]),
            nps=Nps(row["promoters"], row["passives"], row["detractors"]),
        )
        for row in rows
    ]
    result.sort(key=lambda row: (-row.month.toordinal(), row.branch.code))
    return result


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# --- the case page's panel -----------------------------------------------------------------


@dataclass
class SurveyCasePanel:
    complaint: Complaint
    surveys: list[Survey] = field(default_factory=list)
    may_send: bool = False
    # Why there is no button, when there is none and a handler would expect one.
    send_hint: str = ""

    @property
    def survey(self) -> Survey | None:
        return self.surveys[0] if self.surveys else None

    @property
    def send_label(self) -> str:
        survey = self.survey
        if survey is None:
            return _("寄送滿意度問卷")
        if survey.status == SurveyStatus.EXPIRED:
            return _("重新寄送（延長 30 天）")
        return _("重新寄送問卷連結")


def survey_case_panel(*, complaint: Complaint, user: User) -> SurveyCasePanel:
    """The case page's 滿意度調查 panel: the case's survey, its answer, and whether the user may
    send it (again). One query for the surveys; the permission check reads cached roles."""
    from careloop.surveys.services import COMPLAINT_SURVEY_STATES, survey_may_send

    surveys = list(
        Survey.objects.filter(complaint=complaint)
        .select_related("response", "last_message", "sent_by")
        .order_by("-sent_at")
    )
    panel = SurveyCasePanel(complaint=complaint, surveys=surveys)
    survey = panel.survey
    if survey is not None and survey.answered_at is not None:
        return panel
    if complaint.state not in COMPLAINT_SURVEY_STATES:
        if survey is None:
            panel.send_hint = _("案件進入後續跟進（方案已告知客戶）時，系統會自動寄出問卷。")
        return panel
    panel.may_send = survey_may_send(user=user, subject=complaint)
    return panel


def survey_status_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in SurveyStatus.choices]


def survey_kind_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in SurveyKind.choices]
