"""Compensation for a complaint (domain.md §4): the assessment, the offers put to the customer,
what was granted, its approval above the granter's authority limit, the signed settlement and
the abuse-guard flag on a customer.

The rules (weights, levels, offers, thresholds) live in `rules.py`; every write goes through
`services.py`. Nothing here is deleted: a rejected or superseded record stays with its history.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.compensation.rules import (
    RATING_MAX,
    RATING_MIN,
    VALUE_MAX,
    Level,
    OfferKind,
)
from careloop.core.choices import ChoiceLabels
from careloop.core.text import note_length
from careloop.grants.models import Grant

_RATING = [MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
_MONEY = [MaxValueValidator(VALUE_MAX)]


def _rating(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, validators=_RATING)


class Assessment(ChoiceLabels, models.Model):
    """補償評估: the four factors rated 0–5, the score and level they give, and the purchase
    the complaint is about with the amount affected."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("客訴"),
        on_delete=models.PROTECT,
        related_name="compensation_assessment",
    )
    actual_loss = _rating(_("實際損失"))
    time_cost = _rating(_("時間成本"))
    emotional_distress = _rating(_("精神損害"))
    trust_loss = _rating(_("信任損害"))
    score = models.PositiveSmallIntegerField(_("評估分數"), validators=[MaxValueValidator(100)])
    level = models.CharField(_("補償等級"), max_length=10, choices=Level.choices)
    purchase = models.ForeignKey(
        "treatments.Purchase",
        verbose_name=_("受影響的消費"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    affected_amount = models.PositiveIntegerField(
        _("受影響金額（新台幣）"), default=0, validators=_MONEY
    )
    note = models.TextField(_("評估說明"), blank=True, validators=[note_length])
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("評估人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_at = models.DateTimeField(_("評估時間"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("補償評估")
        verbose_name_plural = _("補償評估")
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="assessment_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.score} {self.get_level_display()}"

    @property
    def ratings(self) -> dict[str, int]:
        from careloop.compensation.rules import FACTOR_CODES

        return {code: getattr(self, code) for code in FACTOR_CODES}


class Offer(ChoiceLabels, models.Model):
    """One option put to the customer (2–3 per round): editable until presented; the customer's
    choice is recorded with who entered it and when. A new round withdraws the old one."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("客訴"),
        on_delete=models.PROTECT,
        related_name="compensation_offers",
    )
    position = models.PositiveSmallIntegerField(_("順序"), default=1)
    level = models.CharField(_("產生時的補償等級"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("方案類型"), max_length=20, choices=OfferKind.choices)
    title = models.CharField(_("方案名稱"), max_length=100)
    description = models.TextField(_("方案內容"), blank=True, validators=[note_length])
    refund_amount = models.PositiveIntegerField(_("退費金額"), default=0, validators=_MONEY)
    benefit_value = models.PositiveIntegerField(
        _("贈品／服務／折扣價值"), default=0, validators=_MONEY
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    presented_at = models.DateTimeField(_("提出時間"), null=True, blank=True)
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    chosen_at = models.DateTimeField(_("客戶選擇時間"), null=True, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記錄選擇人員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    choice_note = models.TextField(_("客戶選擇說明"), blank=True, validators=[note_length])
    withdrawn_at = models.DateTimeField(_("撤回時間"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("補償方案")
        verbose_name_plural = _("補償方案")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["complaint", "withdrawn_at", "position"], name="offer_current")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def value(self) -> int:
        return self.refund_amount + self.benefit_value

    @property
    def is_presented(self) -> bool:
        return self.presented_at is not None

    @property
    def is_chosen(self) -> bool:
        return self.chosen_at is not None


class Kind(models.TextChoices):
    REFUND = "refund", _("退費")
    REFUND_AND_BENEFIT = "refund_benefit", _("退費＋贈品或服務")
    GIFT = "gift", _("贈品或服務")
    DISCOUNT = "discount", _("折扣或禮券")
    FREE_SESSION = "free_session", _("免費療程")
    NON_MONETARY = "non_monetary", _("非金錢補償")


# Money goes back to the customer: these are 已支付; the rest are 已交付.
PAID_KINDS = frozenset({Kind.REFUND, Kind.REFUND_AND_BENEFIT})


class Status(models.TextChoices):
    PROPOSED = "proposed", _("提議中")
    PENDING_APPROVAL = "pending_approval", _("待核准")
    APPROVED = "approved", _("已核准")
    REJECTED = "rejected", _("未核准")
    PAID = "paid", _("已支付")
    DELIVERED = "delivered", _("已交付")


# A compensation in these states has been granted: it counts for the abuse guard.
GRANTED_STATES = frozenset({Status.APPROVED, Status.PAID, Status.DELIVERED})
DONE_STATES = frozenset({Status.PAID, Status.DELIVERED})


class Compensation(ChoiceLabels, models.Model):
    """補償: what was granted on a case, to whom, by whom, and how far it has gone."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("客訴"),
        on_delete=models.PROTECT,
        related_name="compensations",
    )
    # Kept on the row so lists filter by branch and customer with an index, no join.
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("院所"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客戶"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compensations",
    )
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("客戶選擇的方案"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compensations",
    )
    kind = models.CharField(_("補償類型"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("補償內容"), validators=[note_length])
    value = models.PositiveIntegerField(_("補償價值（新台幣）"), validators=_MONEY)
    status = models.CharField(
        _("狀態"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("提出時間"), default=timezone.now)
    # The granter's own limit at the time, kept to show why it went for approval.
    requester_limit = models.PositiveIntegerField(_("提出人授權上限"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核准人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("核准時間"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("支付／交付人員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("支付／交付時間"), null=True, blank=True)
    done_note = models.TextField(_("支付／交付說明"), blank=True, validators=[note_length])
    # The client's key for this grant (a page's form, an API caller's Idempotency-Key): the
    # same key from the same person grants once, however often it is sent.
    idempotency_key = models.CharField(_("冪等鍵"), max_length=64, blank=True, default="")
    # Its authorisation (授權, careloop.grants): approved at once within the granter's limit,
    # or the approval request it waited for. Empty only on rows older than the kernel.
    grant = models.OneToOneField(
        "grants.Grant",
        verbose_name=_("授權"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compensation",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("補償")
        verbose_name_plural = _("補償")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="compensation_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["branch", "-requested_at"], name="compensation_branch"),
            models.Index(
                fields=["customer", "status", "approved_at"], name="compensation_customer"
            ),
            models.Index(fields=["status", "-requested_at"], name="compensation_status"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: NT${self.value:,} {self.get_status_display()}"

    @property
    def is_granted(self) -> bool:
        return self.status in GRANTED_STATES

    @property
    def done_status(self) -> str:
        return Status.PAID if self.kind in PAID_KINDS else Status.DELIVERED

    @property
    def approval_request(self) -> Grant | None:
        """The approval it waited for, when its grant was above the granter's limit."""
        grant = self.grant
        return grant if grant is not None and grant.approval_required else None


def settlement_upload_to(instance: Settlement, filename: str) -> str:
    return f"compensation/{instance.compensation.complaint.number}/{filename}"


class Settlement(ChoiceLabels, models.Model):
    """和解書: signed before a grade-A case's or a large payout is marked paid."""

    compensation = models.OneToOneField(
        Compensation,
        verbose_name=_("補償"),
        on_delete=models.PROTECT,
        related_name="settlement",
    )
    signed_on = models.DateField(_("簽署日期"))
    signed_by = models.CharField(_("簽署人"), max_length=100, help_text=_("客戶或其代理人姓名"))
    note = models.TextField(_("說明"), blank=True, validators=[note_length])
    file = models.FileField(
        _("和解書檔案"), upload_to=settlement_upload_to, blank=True, max_length=255
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登錄人員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登錄時間"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("和解書")
        verbose_name_plural = _("和解書")

    def __str__(self) -> str:
        return f"{self.compensation_id}: {self.signed_on} {self.signed_by}"


class AbuseFlag(ChoiceLabels, models.Model):
    """The abuse guard: a customer reached the number of compensated complaints in the window;
    a supervisor reviews and acknowledges. One open flag per customer at a time."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客戶"),
        on_delete=models.PROTECT,
        related_name="compensation_flags",
    )
    raised_at = models.DateTimeField(_("標記時間"), default=timezone.now)
    complaint_count = models.PositiveSmallIntegerField(_("12 個月內獲補償客訴件數"))
    compensation = models.ForeignKey(
        Compensation,
        verbose_name=_("觸發標記的補償"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審查人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("審查時間"), null=True, blank=True)
    review_note = models.TextField(_("審查意見"), blank=True, validators=[note_length])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("補償審查標記")
        verbose_name_plural = _("補償審查標記")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(acknowledged_at__isnull=True),
                name="abuse_flag_one_open_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.complaint_count}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
