"""The customer record: every field of PT-F025 (domain.md §2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.core.choices import ChoiceLabels
from careloop.core.phones import phone_display
from careloop.core.text import note_length


class CustomerType(models.TextChoices):
    PROSPECT = "prospect", _("潛在客戶")
    CURRENT = "current", _("現有客戶")
    LOST = "lost", _("流失客戶")
    VIP = "vip", _("VIP客戶")


class Source(models.TextChoices):
    WEB_SEARCH = "web_search", _("網路搜尋")
    SOCIAL_MEDIA = "social_media", _("社群媒體")
    REFERRAL = "referral", _("客戶轉介")
    EVENT = "event", _("實體活動")
    OTHER = "other", _("其他")


def birthday_md(birthday: date | None) -> int | None:
    """Customer.birthday_md for a birthday."""
    return birthday.month * 100 + birthday.day if birthday else None


class CustomerManager(models.Manager["Customer"]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Customer]:
        # bulk_create skips save(); the demo and the importer create customers this way.
        objs = list(objs)
        for customer in objs:
            customer.birthday_md = birthday_md(customer.birthday)
        return super().bulk_create(objs, *args, **kwargs)


class Customer(ChoiceLabels, models.Model):
    number = models.CharField(_("客戶編號"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("客戶姓名"), max_length=50)
    phone = models.CharField(_("聯絡電話"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("電子郵件"), blank=True)
    line_id = models.CharField(_("LINE ID"), max_length=50, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    # month × 100 + day (1123 for 11/23), kept by save(): the worklist's birthday lines look
    # up a week of month-days in an index instead of taking every birthday apart.
    birthday_md = models.PositiveSmallIntegerField(
        _("生日（月日）"), null=True, blank=True, editable=False
    )
    customer_type = models.CharField(
        _("客戶類型"), max_length=10, choices=CustomerType.choices, default=CustomerType.PROSPECT
    )
    source = models.CharField(_("客戶來源"), max_length=20, choices=Source.choices, blank=True)
    source_other = models.CharField(_("其他來源說明"), max_length=100, blank=True)
    referrer = models.ForeignKey(
        "self",
        verbose_name=_("轉介人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("所屬院所"), on_delete=models.PROTECT, related_name="+"
    )
    primary_therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主治療師"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="therapist_customers",
    )
    sales_consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("負責銷售顧問"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultant_customers",
    )
    preferences = models.TextField(_("偏好"), blank=True, validators=[note_length])
    special_needs = models.TextField(_("特殊需求"), blank=True, validators=[note_length])
    consent_sms = models.BooleanField(_("同意接收行銷簡訊"), default=False)
    consent_email = models.BooleanField(_("同意接收行銷電子郵件"), default=False)
    consent_line = models.BooleanField(_("同意接收 LINE 行銷訊息"), default=False)
    # 個資法 §11 停止處理 (careloop/privacy): set, no survey or marketing reaches the customer;
    # customer_processing_allowed in selectors.py is the one check.
    processing_stopped_at = models.DateTimeField(_("停止處理個資時間"), null=True, blank=True)
    notes = models.TextField(_("備註與其他重要資訊"), blank=True, validators=[note_length])
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("建立者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = CustomerManager()

    class Meta:
        verbose_name = _("客戶")
        verbose_name_plural = _("客戶")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["branch", "-created_at"], name="customer_branch_recent"),
            models.Index(fields=["name"], name="customer_name"),
            models.Index(fields=["name", "birthday"], name="customer_name_birthday"),
            models.Index(fields=["primary_therapist", "-created_at"], name="customer_therapist"),
            models.Index(fields=["sales_consultant", "-created_at"], name="customer_consultant"),
            # "Whose customer is it": the therapist, or the consultant when there is no
            # therapist (and the other way round). With one-column indexes the "no therapist"
            # side walked every customer without one (28,000 on the chain dataset) per query.
            models.Index(
                fields=["primary_therapist", "sales_consultant"],
                name="customer_therapist_consultant",
            ),
            models.Index(
                fields=["sales_consultant", "primary_therapist"],
                name="customer_consultant_therapist",
            ),
            models.Index(fields=["customer_type", "-created_at"], name="customer_type_recent"),
            models.Index(fields=["branch", "birthday_md"], name="customer_branch_birthday"),
            # A name fragment (「雅婷」) can use no ordinary index; this one holds every name
            # of a branch, so the search and its count read the index instead of the table.
            models.Index(fields=["branch", "name"], name="customer_branch_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.birthday_md = birthday_md(self.birthday)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "birthday" in update_fields:
            kwargs["update_fields"] = {*update_fields, "birthday_md"}
        super().save(*args, **kwargs)

    @property
    def phone_display(self) -> str:
        return phone_display(self.phone)

    def clean(self) -> None:
        errors = {}
        if self.birthday and self.birthday > timezone.localdate():
            errors["birthday"] = _("生日不可晚於今天。")
        if self.source == Source.REFERRAL and not self.referrer_id and not self.source_other:
            errors["referrer"] = _("客戶轉介請選擇轉介人，或在其他來源說明填寫轉介人。")
        if self.source == Source.OTHER and not self.source_other:
            errors["source_other"] = _("來源選「其他」時請說明。")
        if errors:
            raise ValidationError(errors)


class Anniversary(ChoiceLabels, models.Model):
    """Dates other than the birthday that the clinic remembers (結婚紀念日, 首次到診日 …)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="anniversaries")
    label = models.CharField(_("紀念日名稱"), max_length=30)
    date = models.DateField(_("日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("紀念日")
        verbose_name_plural = _("紀念日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.label} {self.date:%m-%d}"


class ServiceInterest(models.TextChoices):
    PHYSIOTHERAPY = "physiotherapy", _("物理治療")
    SPORTS_RECOVERY = "sports_recovery", _("運動恢復")
    PAIN_MANAGEMENT = "pain_management", _("疼痛管理")
    REHABILITATION = "rehabilitation", _("復健訓練")
    HEALTH_PRODUCTS = "health_products", _("保健產品")
    OTHER = "other", _("其他")


class Budget(models.TextChoices):
    ECONOMY = "economy", _("經濟型")
    STANDARD = "standard", _("標準型")
    PREMIUM = "premium", _("高階型")
    UNSTATED = "unstated", _("未表明")


class DecisionFactor(models.TextChoices):
    PRICE = "price", _("價格")
    QUALITY = "quality", _("品質")
    EFFICACY = "efficacy", _("效果")
    CONVENIENCE = "convenience", _("便利性")
    EXPERTISE = "expertise", _("專業度")
    OTHER = "other", _("其他")


class NeedsProfile(ChoiceLabels, models.Model):
    """客戶需求與期望: one per customer, several boxes may be ticked."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="needs")
    main_concerns = models.TextField(_("主要訴求/問題"), blank=True, validators=[note_length])
    service_interests = models.JSONField(_("服務/產品興趣"), default=list, blank=True)
    service_interest_other = models.CharField(_("其他興趣說明"), max_length=100, blank=True)
    budget = models.CharField(
        _("預算考量"), max_length=10, choices=Budget.choices, default=Budget.UNSTATED
    )
    decision_factors = models.JSONField(_("決策因素"), default=list, blank=True)
    decision_factor_other = models.CharField(_("其他決策因素說明"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("客戶需求與期望")
        verbose_name_plural = _("客戶需求與期望")

    def __str__(self) -> str:
        return f"{self.customer.name} 的需求"

    def get_service_interests_display(self) -> list[str]:
        labels = dict(ServiceInterest.choices)
        return [str(labels[code]) for code in self.service_interests if code in labels]

    def get_decision_factors_display(self) -> list[str]:
        labels = dict(DecisionFactor.choices)
        return [str(labels[code]) for code in self.decision_factors if code in labels]


class Channel(models.TextChoices):
    PHONE = "phone", _("電話")
    MESSAGE = "message", _("訊息")
    IN_PERSON = "in_person", _("面談")
    OTHER = "other", _("其他")


class Reaction(models.TextChoices):
    POSITIVE = "positive", _("正面")
    NEUTRAL = "neutral", _("中性")
    NEGATIVE = "negative", _("負面")


class InteractionStatus(models.TextChoices):
    DONE = "done", _("已完成")
    IN_PROGRESS = "in_progress", _("進行中")
    PENDING = "pending", _("未處理")


class Interaction(ChoiceLabels, models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    occurred_at = models.DateTimeField(_("互動日期"), default=timezone.now)
    channel = models.CharField(_("互動方式"), max_length=10, choices=Channel.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("互動人員"),
        on_delete=models.PROTECT,
        related_name="interactions",
    )
    summary = models.TextField(_("互動摘要"), validators=[note_length])
    reaction = models.CharField(_("客戶反應"), max_length=10, choices=Reaction.choices)
    follow_up_action = models.CharField(_("後續行動"), max_length=200, blank=True)
    status = models.CharField(
        _("完成狀態"),
        max_length=12,
        choices=InteractionStatus.choices,
        default=InteractionStatus.DONE,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("互動記錄")
        verbose_name_plural = _("互動記錄")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_time"),
            models.Index(fields=["staff", "-occurred_at"], name="interaction_staff_time"),
            # The worklist's care lines: a customer's negative contacts, a small part of all.
            models.Index(
                fields=["customer", "-occurred_at"],
                condition=Q(reaction="negative"),
                name="interaction_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.name} {self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"


class SatisfactionRecord(ChoiceLabels, models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="satisfaction_records"
    )
    score = models.PositiveSmallIntegerField(
        _("滿意度評分"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    recorded_on = models.DateField(_("評價日期"), default=timezone.localdate)
    positive_feedback = models.TextField(_("正面回饋"), blank=True, validators=[note_length])
    improvement_suggestions = models.TextField(_("改進建議"), blank=True, validators=[note_length])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記錄人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("滿意度記錄")
        verbose_name_plural = _("滿意度記錄")
        ordering = ["-recorded_on", "-id"]
        indexes = [models.Index(fields=["customer", "-recorded_on"], name="satisfaction_customer")]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=10), name="satisfaction_score_1_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer.name} {self.score}/10"


class EventKind(models.TextChoices):
    COMPLAINT = "complaint", _("客戶投訴")
    SERVICE_DELAY = "service_delay", _("服務延誤")
    POOR_EFFICACY = "poor_efficacy", _("療效不佳")
    REFUND_REQUEST = "refund_request", _("退款請求")
    OTHER = "other", _("其他問題")


class ImportantEvent(ChoiceLabels, models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="important_events"
    )
    kind = models.CharField(_("事件類型"), max_length=20, choices=EventKind.choices)
    occurred_on = models.DateField(_("發生日期"), default=timezone.localdate)
    description = models.TextField(_("說明"), validators=[note_length])
    outcome = models.TextField(_("處理結果"), blank=True, validators=[note_length])
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("相關客訴"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_events",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記錄人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("重要事件")
        verbose_name_plural = _("重要事件")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_on"], name="event_customer")]

    def __str__(self) -> str:
        return f"{self.customer.name} {self.get_kind_display()}"


class ContactPurpose(models.TextChoices):
    ROUTINE_CARE = "routine_care", _("常規關懷")
    EFFICACY_FOLLOW_UP = "efficacy_follow_up", _("療效追蹤")
    RENEWAL_REMINDER = "renewal_reminder", _("續約提醒")
    BIRTHDAY_GREETING = "birthday_greeting", _("生日祝福")
    EVENT_INVITATION = "event_invitation", _("活動邀請")
    COMPLAINT_FOLLOW_UP = "complaint_follow_up", _("客訴後續跟進")
    OTHER = "other", _("其他")


class ContactPlan(ChoiceLabels, models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_plans")
    due_date = models.DateField(_("預定聯繫日期"))
    purpose = models.CharField(_("聯繫目的"), max_length=20, choices=ContactPurpose.choices)
    purpose_other = models.CharField(_("其他目的說明"), max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("負責人員"),
        on_delete=models.PROTECT,
        related_name="contact_plans",
    )
    done = models.BooleanField(_("已完成"), default=False)
    done_at = models.DateTimeField(_("完成時間"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        Interaction,
        verbose_name=_("完成的互動"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fulfilled_plans",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("下次聯繫計劃")
        verbose_name_plural = _("下次聯繫計劃")
        ordering = ["done", "due_date", "id"]
        indexes = [
            models.Index(fields=["customer", "done", "due_date"], name="plan_customer"),
            models.Index(fields=["assignee", "done", "due_date"], name="plan_assignee_due"),
        ]

    def __str__(self) -> str:
        return f"{self.customer.name} {self.due_date} {self.get_purpose_display()}"

    def clean(self) -> None:
        if self.purpose == ContactPurpose.OTHER and not self.purpose_other:
            raise ValidationError({"purpose_other": _("聯繫目的選「其他」時請說明。")})


class SignOffKind(models.TextChoices):
    RECORDER = "recorder", _("記錄人員簽名")
    SUPERVISOR = "supervisor", _("主管審核簽名")


class SignOff(ChoiceLabels, models.Model):
    """A signature on the record: always a user and a moment, never a typed name."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="sign_offs")
    kind = models.CharField(_("簽核類型"), max_length=12, choices=SignOffKind.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("簽核人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("簽核時間"), default=timezone.now)
    comment = models.CharField(_("意見"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("簽核")
        verbose_name_plural = _("簽核")
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["customer", "kind", "-signed_at"], name="signoff_customer")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.signed_by} {self.signed_at:%Y-%m-%d %H:%M}"
