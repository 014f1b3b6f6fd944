"""PT-F021 客戶滿意度調查表 as links (domain.md §6).

A `Survey` is one link sent to one person — a complainant once the solution has been
communicated, or a customer whose package is used up. Its token names the survey and carries
a random nonce, signed with SECRET_KEY (`tokens.py`); the link lives until `expires_at`
(30 days). A `SurveyResponse` is the one answer a link may receive: the one-to-one column is
the unique constraint, and `survey_answer` takes the survey's row lock before it checks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.core.choices import ChoiceLabels

SURVEY_VALID_DAYS = 30


def survey_valid_days() -> int:
    return int(getattr(settings, "CARELOOP_SURVEY_VALID_DAYS", SURVEY_VALID_DAYS))


class SurveyKind(models.TextChoices):
    COMPLAINT_RESOLVED = "complaint_resolved", _("客訴處理後")
    PACKAGE_COMPLETED = "package_completed", _("療程完成後")


class SurveyStatus(models.TextChoices):
    """Derived from the dates, never stored: a link expires without anyone writing."""

    SENT = "sent", _("待回覆")
    ANSWERED = "answered", _("已回覆")
    EXPIRED = "expired", _("已過期")


class SurveyQuerySet(models.QuerySet):
    def with_status(self, status: str, *, now: dt.datetime | None = None) -> SurveyQuerySet:
        now = now or timezone.now()
        if status == SurveyStatus.ANSWERED:
            return self.filter(answered_at__isnull=False)
        if status == SurveyStatus.EXPIRED:
            return self.filter(answered_at__isnull=True, expires_at__lt=now)
        if status == SurveyStatus.SENT:
            return self.filter(answered_at__isnull=True, expires_at__gte=now)
        return self


class Survey(ChoiceLabels, models.Model):
    kind = models.CharField(_("問卷類型"), max_length=20, choices=SurveyKind.choices)
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("院所"), on_delete=models.PROTECT, related_name="+"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("客訴"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
    )
    purchase = models.ForeignKey(
        "treatments.Purchase",
        verbose_name=_("療程購買記錄"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
    )
    # A complainant who is not a customer yet still gets a survey: name and contact are kept.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客戶"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
    )
    recipient_name = models.CharField(_("受訪者"), max_length=50)
    channel = models.CharField(_("寄送管道"), max_length=10, blank=True)
    recipient = models.CharField(_("寄送對象"), max_length=254, blank=True)
    # Part of the signed token: a new nonce would void every link sent before it.
    nonce = models.CharField(max_length=32, editable=False)
    sent_at = models.DateTimeField(_("寄出時間"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("寄送人員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_sent_at = models.DateTimeField(_("最近寄送時間"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("寄送次數"), default=0)
    last_message = models.ForeignKey(
        "messaging.OutboundMessage",
        verbose_name=_("最近一則訊息"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("連結有效期限"))
    answered_at = models.DateTimeField(_("回覆時間"), null=True, blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["nonce"])

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("滿意度調查")
        verbose_name_plural = _("滿意度調查")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "-sent_at"], name="survey_branch_sent"),
            models.Index(fields=["kind", "-sent_at"], name="survey_kind_sent"),
            models.Index(fields=["customer", "-sent_at"], name="survey_customer"),
            models.Index(fields=["-sent_at"], name="survey_sent"),
        ]
        constraints = [
            # One survey per complaint and one per package: a trigger run twice finds the first.
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(kind="complaint_resolved"),
                name="survey_one_per_complaint",
            ),
            models.UniqueConstraint(
                fields=["purchase"],
                condition=Q(kind="package_completed"),
                name="survey_one_per_package",
            ),
            models.CheckConstraint(
                condition=(Q(kind="complaint_resolved") & Q(complaint__isnull=False))
                | (Q(kind="package_completed") & Q(purchase__isnull=False)),
                name="survey_kind_has_its_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient_name}"

    def status_at(self, now: dt.datetime) -> str:
        if self.answered_at is not None:
            return SurveyStatus.ANSWERED
        if now > self.expires_at:
            return SurveyStatus.EXPIRED
        return SurveyStatus.SENT

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def status_label(self) -> str:
        return str(SurveyStatus(self.status).label)

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_expired(self) -> bool:
        return self.status == SurveyStatus.EXPIRED


class SurveyResponse(ChoiceLabels, models.Model):
    """The answer to PT-F021: satisfaction 1–10, likelihood to recommend 0–10 (NPS), and the
    two open questions."""

    survey = models.OneToOneField(
        Survey, verbose_name=_("問卷"), on_delete=models.PROTECT, related_name="response"
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("整體滿意度（1–10）"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    recommend = models.PositiveSmallIntegerField(
        _("推薦意願（0–10）"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    went_well = models.TextField(_("做得好的地方"), blank=True, max_length=2000)
    to_improve = models.TextField(_("需要改進的地方"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(_("回覆時間"), default=timezone.now)
    # The line this answer added to the customer's satisfaction history (PT-F025).
    satisfaction_record = models.OneToOneField(
        "customers.SatisfactionRecord",
        verbose_name=_("客戶滿意度記錄"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_response",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("問卷回覆")
        verbose_name_plural = _("問卷回覆")
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["answered_at"], name="survey_response_answered")]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=10),
                name="survey_response_satisfaction_1_10",
            ),
            models.CheckConstraint(
                condition=Q(recommend__gte=0, recommend__lte=10),
                name="survey_response_recommend_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.satisfaction}/10, NPS {self.recommend}"

    @property
    def nps_group(self) -> str:
        if self.recommend >= 9:
            return "promoter"
        if self.recommend <= 6:
            return "detractor"
        return "passive"


class SurveyVisit(ChoiceLabels, models.Model):
    """One request to a public survey page, kept for its rate limit only (as the public
    complaint form counts in the database, so every gunicorn worker sees the same count)."""

    fingerprint = models.CharField(max_length=64)
    visited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("問卷頁面存取記錄")
        verbose_name_plural = _("問卷頁面存取記錄")
        indexes = [
            models.Index(fields=["fingerprint", "visited_at"], name="survey_visit_by_sender"),
            models.Index(fields=["visited_at"], name="survey_visit_age"),
        ]

    def __str__(self) -> str:
        return f"{self.fingerprint[:8]}… {self.visited_at:%Y-%m-%d %H:%M}"
