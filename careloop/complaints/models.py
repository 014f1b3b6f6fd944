"""A complaint case as PT-P020 describes it (domain.md §3), from intake (PT-F035) to archive.

The workflow's states and guards live in `workflow.py`; deadlines in `deadlines.py`. The rows
here hold what was recorded, by whom and when; nothing is deleted within the retention period.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.core.choices import ChoiceLabels
from careloop.core.text import note_length

# PT-P020 5.6.3: paper files are kept at least three years; we keep the electronic case as long.
RETENTION_YEARS = 3
# Earlier dates are typing mistakes (and year 1 overflows the deadline arithmetic).
EARLIEST_YEAR = 2000


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("當面")
    PHONE = "phone", _("電話")
    EMAIL = "email", _("電子郵件")
    LETTER = "letter", _("書面信函")
    SOCIAL_MEDIA = "social_media", _("社群媒體")
    REVIEW_PLATFORM = "review_platform", _("評價平台")
    SUGGESTION_BOX = "suggestion_box", _("意見箱")
    GOVERNMENT = "government", _("政府部門")
    CONSUMER_PROTECTION = "consumer_protection", _("消費者保護組織")


THIRD_PARTY_CHANNELS = frozenset({Channel.GOVERNMENT, Channel.CONSUMER_PROTECTION})
# domain.md §5: first-response targets apply to the online channels.
ONLINE_CHANNELS = frozenset({Channel.EMAIL, Channel.SOCIAL_MEDIA, Channel.REVIEW_PLATFORM})


class Grade(models.TextChoices):
    A = "A", _("A 級（嚴重）")
    B = "B", _("B 級（中度）")
    C = "C", _("C 級（輕度）")


class State(models.TextChoices):
    RECEIVED = "received", _("已接收")
    INVESTIGATING = "investigating", _("調查中")
    SOLUTION_REVIEW = "solution_review", _("方案審核")
    EXECUTING = "executing", _("方案執行")
    COMMUNICATING = "communicating", _("客戶溝通")
    FOLLOW_UP = "follow_up", _("後續跟進")
    CLOSED = "closed", _("已結案")
    ARCHIVED = "archived", _("已歸檔")


OPEN_STATES = frozenset(State) - {State.CLOSED, State.ARCHIVED}
READ_ONLY_STATES = frozenset({State.CLOSED, State.ARCHIVED})


class Nature(ChoiceLabels, models.Model):
    """投訴性質 (PT-P020 5.2.2), configurable by administrators."""

    code = models.SlugField(_("代碼"), max_length=30, unique=True)
    name = models.CharField(_("名稱"), max_length=30, unique=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("使用中"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("投訴性質")
        verbose_name_plural = _("投訴性質")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class DeadlinePolicy(ChoiceLabels, models.Model):
    """處理期限 per grade (PT-P020 §3.3). A change applies to cases received afterwards only:
    each case stores its own deadlines."""

    class StartUnit(models.TextChoices):
        HOURS = "hours", _("小時")
        WORKING_DAYS = "working_days", _("工作天")

    grade = models.CharField(_("投訴等級"), max_length=1, choices=Grade.choices, unique=True)
    start_amount = models.PositiveSmallIntegerField(
        _("啟動處理期限"), validators=[MinValueValidator(1)]
    )
    start_unit = models.CharField(_("單位"), max_length=20, choices=StartUnit.choices)
    resolution_working_days = models.PositiveSmallIntegerField(
        _("解決期限（工作天）"), validators=[MinValueValidator(1)]
    )
    # domain.md §3.4: the follow-up contact comes 3–7 days after the solution is communicated.
    follow_up_days = models.PositiveSmallIntegerField(
        _("後續跟進（天）"), default=5, validators=[MinValueValidator(3), MaxValueValidator(7)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("處理期限設定")
        verbose_name_plural = _("處理期限設定")
        ordering = ["grade"]

    def __str__(self) -> str:
        return self.get_grade_display()


class ComplaintQuerySet(models.QuerySet):
    def delete(self):  # type: ignore[override]
        from careloop.complaints.retention import retention_check_deletable

        for complaint in self:
            retention_check_deletable(complaint)
        return super().delete()


class Complaint(ChoiceLabels, models.Model):
    number = models.CharField(_("客訴編號"), max_length=20, unique=True, editable=False)
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("院所"), on_delete=models.PROTECT, related_name="+"
    )
    # The complainant: an existing customer, or someone new kept here until they become one.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客戶"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    complainant_name = models.CharField(_("投訴人姓名"), max_length=50)
    complainant_phone = models.CharField(_("聯絡電話"), max_length=20, blank=True)
    complainant_email = models.EmailField(_("電子郵件"), blank=True)
    complainant_line_id = models.CharField(_("LINE ID"), max_length=50, blank=True)
    channel = models.CharField(_("投訴渠道"), max_length=30, choices=Channel.choices)
    third_party = models.CharField(
        _("第三方單位"), max_length=100, blank=True, help_text=_("例：衛生局、消費者文教基金會")
    )
    received_at = models.DateTimeField(_("接收時間"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.TextField(_("投訴內容詳細描述"), validators=[note_length])
    expected_resolution = models.TextField(_("期望解決方式"), blank=True, validators=[note_length])
    # Grading (annex 2): the criteria ticked, the grade they suggest, the grade chosen.
    criteria = models.JSONField(_("評估標準"), default=list, blank=True)
    suggested_grade = models.CharField(_("建議等級"), max_length=1, choices=Grade.choices)
    grade = models.CharField(_("投訴等級"), max_length=1, choices=Grade.choices)
    grade_reason = models.TextField(_("等級調整理由"), blank=True, validators=[note_length])
    nature = models.ForeignKey(
        Nature,
        verbose_name=_("投訴性質"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    departments = models.ManyToManyField(
        "accounts.Department", verbose_name=_("涉及部門"), blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("負責人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_complaints",
    )
    state = models.CharField(
        _("處理階段"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    # A public submission is complete as a PT-F035 record once staff have graded it.
    is_public_submission = models.BooleanField(_("線上意見表提交"), default=False)
    recorded_at = models.DateTimeField(_("記錄完成時間"), null=True, blank=True)
    # Deadlines, stored when the case is graded so a later policy change keeps them.
    record_due = models.DateTimeField(_("記錄期限"))
    start_due = models.DateTimeField(_("啟動處理期限"))
    resolution_due = models.DateTimeField(_("解決期限"))
    first_response_due = models.DateTimeField(_("首次回覆期限"), null=True, blank=True)
    # The grade's policy as it stood when the deadlines were set (§3.3): a later policy change
    # moves no deadline already given, and a calendar change recounts with these same terms.
    deadline_terms = models.JSONField(_("期限依據"), default=dict, blank=True, editable=False)
    started_at = models.DateTimeField(_("開始調查時間"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("方案告知客戶時間"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("首次回覆時間"), null=True, blank=True)
    # The next unmet milestone, kept on the row so the board sorts and the sweep filters by index.
    next_due = models.DateTimeField(_("下一個期限"), null=True, blank=True)
    next_alert_at = models.DateTimeField(_("下次期限提醒時間"), null=True, blank=True)
    follow_up_due = models.DateField(_("後續跟進日期"), null=True, blank=True)
    # Closing (5.6.1/5.6.2): the handling summary and the customer's verdict.
    summary = models.TextField(_("投訴摘要"), blank=True, validators=[note_length])
    customer_accepted = models.BooleanField(_("客戶接受解決方案"), default=False)
    satisfaction_score = models.PositiveSmallIntegerField(
        _("客戶滿意度評估（1–10）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    satisfaction_note = models.TextField(_("滿意度評估說明"), blank=True, validators=[note_length])
    closed_at = models.DateTimeField(_("結案時間"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("結案簽核主管"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("歸檔時間"), null=True, blank=True)
    # Public submissions: a salted hash of the sender's address, for the rate limit only.
    submitter_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[departments])

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("客訴")
        verbose_name_plural = _("客訴")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["state", "next_due"], name="complaint_board"),
            models.Index(fields=["branch", "state", "next_due"], name="complaint_branch_board"),
            models.Index(fields=["owner", "state", "next_due"], name="complaint_owner_board"),
            models.Index(fields=["next_alert_at"], name="complaint_alert_sweep"),
            models.Index(fields=["customer", "-received_at"], name="complaint_customer"),
            models.Index(fields=["-received_at"], name="complaint_received"),
            models.Index(fields=["complainant_phone"], name="complaint_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction_score__isnull=True)
                | models.Q(satisfaction_score__gte=1, satisfaction_score__lte=10),
                name="complaint_satisfaction_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.complainant_name}"

    def delete(self, *args, **kwargs):
        from careloop.complaints.retention import retention_check_deletable

        retention_check_deletable(self)
        return super().delete(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_read_only(self) -> bool:
        return self.state in READ_ONLY_STATES

    @property
    def is_record_late(self) -> bool:
        """PT-P020 5.1.3: the PT-F035 record is due within 24 hours of receipt."""
        done = self.recorded_at or timezone.now()
        return done > self.record_due

    @property
    def start_met(self) -> bool | None:
        if self.started_at is None:
            return False if timezone.now() > self.start_due else None
        return self.started_at <= self.start_due

    @property
    def resolution_met(self) -> bool | None:
        if self.resolved_at is None:
            return False if timezone.now() > self.resolution_due else None
        return self.resolved_at <= self.resolution_due

    @property
    def retention_until(self) -> dt.datetime | None:
        if self.closed_at is None:
            return None
        try:
            return self.closed_at.replace(year=self.closed_at.year + RETENTION_YEARS)
        except ValueError:  # closed on 29 February: kept until 1 March, never less
            next_day = self.closed_at + dt.timedelta(days=1)
            return next_day.replace(year=next_day.year + RETENTION_YEARS)

    def clean(self) -> None:
        errors = {}
        if self.channel in THIRD_PARTY_CHANNELS and not self.third_party:
            errors["third_party"] = _("經由第三方轉來的投訴，請填寫第三方單位名稱。")
        regraded = self.grade and self.suggested_grade and self.grade != self.suggested_grade
        if regraded and not self.grade_reason.strip():
            errors["grade_reason"] = _("選擇與建議等級不同的等級時，請說明理由。")
        if self.received_at and self.received_at > timezone.now() + dt.timedelta(minutes=5):
            errors["received_at"] = _("接收時間不可晚於現在。")
        elif self.received_at and self.received_at.year < EARLIEST_YEAR:
            errors["received_at"] = _("接收時間請填 %(year)d 年以後的日期。") % {
                "year": EARLIEST_YEAR
            }
        contacts = (
            self.customer_id,
            self.complainant_phone,
            self.complainant_email,
            self.complainant_line_id,
        )
        if not any(contacts):
            errors["complainant_phone"] = _("請至少留下一種聯絡方式（電話、電子郵件或 LINE）。")
        if errors:
            raise ValidationError(errors)


class GradeChange(ChoiceLabels, models.Model):
    """Every grade given to a case, with who and why (domain.md §3.2)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="grade_changes")
    from_grade = models.CharField(_("原等級"), max_length=1, choices=Grade.choices, blank=True)
    to_grade = models.CharField(_("新等級"), max_length=1, choices=Grade.choices)
    reason = models.TextField(_("理由"), blank=True, validators=[note_length])
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("調整人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("時間"), default=timezone.now)

    class Meta:
        verbose_name = _("等級記錄")
        verbose_name_plural = _("等級記錄")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_grade or '-'} → {self.to_grade}"


class Transition(ChoiceLabels, models.Model):
    """Each move between workflow states, with who, when and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("原階段"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("新階段"), max_length=20, choices=State.choices)
    reason = models.TextField(_("說明"), blank=True, validators=[note_length])
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("處理人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("時間"), default=timezone.now)

    class Meta:
        verbose_name = _("階段變更")
        verbose_name_plural = _("階段變更")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="transition_complaint")]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_state} → {self.to_state}"


class Investigation(ChoiceLabels, models.Model):
    """調查計劃 (5.3.1) and 調查報告 (5.3.3)."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="investigation"
    )
    scope = models.TextField(_("調查範圍和目標"), blank=True, validators=[note_length])
    people = models.TextField(_("參與調查的部門和人員"), blank=True, validators=[note_length])
    timeline = models.TextField(_("調查時間表"), blank=True, validators=[note_length])
    facts = models.TextField(_("調查發現的事實"), blank=True, validators=[note_length])
    root_cause = models.TextField(_("根本原因"), blank=True, validators=[note_length])
    responsibility = models.TextField(_("責任歸屬"), blank=True, validators=[note_length])
    recommendation = models.TextField(_("解決方案建議"), blank=True, validators=[note_length])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("調查")
        verbose_name_plural = _("調查")

    PLAN_FIELDS = ("scope", "people", "timeline")
    REPORT_FIELDS = ("facts", "root_cause", "responsibility", "recommendation")

    def __str__(self) -> str:
        return _("客訴 %(id)s 的調查") % {"id": self.complaint_id}

    def missing(self, fields: tuple[str, ...]) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in fields
            if not getattr(self, name).strip()
        ]


class EvidenceKind(models.TextChoices):
    FILE = "file", _("檔案")
    INTERVIEW = "interview", _("訪談記錄")
    RECORD = "record", _("服務或系統記錄")
    PHYSICAL = "physical", _("物理證據")
    CUSTOMER_UPLOAD = "customer_upload", _("客戶提供")


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    return f"complaints/{instance.complaint.number}/{filename}"


class Evidence(ChoiceLabels, models.Model):
    """資料收集 (5.3.2): files, interview notes, records."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("類型"), max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(_("標題"), max_length=100)
    notes = models.TextField(_("內容或說明"), blank=True, validators=[note_length])
    file = models.FileField(_("檔案"), upload_to=evidence_upload_to, blank=True, max_length=255)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上傳人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    added_at = models.DateTimeField(_("時間"), default=timezone.now)

    class Meta:
        verbose_name = _("證據")
        verbose_name_plural = _("證據")
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.title


class Solution(ChoiceLabels, models.Model):
    """解決方案要素 (5.4.1)."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="solution")
    immediate_remedy = models.TextField(_("針對客戶問題的立即解決方法"), validators=[note_length])
    prevention = models.TextField(_("防止再次發生的系統性改進措施"), validators=[note_length])
    training_needs = models.TextField(_("人員培訓或指導需求"), blank=True, validators=[note_length])
    policy_change = models.TextField(_("政策或程序調整"), blank=True, validators=[note_length])
    cost = models.PositiveIntegerField(_("預估成本（新台幣）"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("解決方案")
        verbose_name_plural = _("解決方案")

    def __str__(self) -> str:
        return _("客訴 %(id)s 的解決方案") % {"id": self.complaint_id}


class Approval(ChoiceLabels, models.Model):
    """方案審核 (5.4.2): each decision, approve or reject, with the grade it was made for."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("核准")
        REJECTED = "rejected", _("退回")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="approvals")
    decision = models.CharField(_("審核結果"), max_length=10, choices=Decision.choices)
    grade = models.CharField(_("審核時等級"), max_length=1, choices=Grade.choices)
    comment = models.TextField(_("審核意見"), blank=True, validators=[note_length])
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審核人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("時間"), default=timezone.now)

    class Meta:
        verbose_name = _("方案審核")
        verbose_name_plural = _("方案審核")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.get_decision_display()}"


class ActionItem(ChoiceLabels, models.Model):
    """行動項目 (5.5.1)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="action_items")
    description = models.TextField(_("行動內容"), validators=[note_length])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("責任人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成時間"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成確認人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("行動項目")
        verbose_name_plural = _("行動項目")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["owner", "done_at", "due_date"], name="action_owner")]

    def __str__(self) -> str:
        return self.description[:40]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Communication(ChoiceLabels, models.Model):
    """客戶溝通 (5.5.2): every contact with the customer about the case."""

    class Response(models.TextChoices):
        ACCEPTED = "accepted", _("接受方案")
        NOT_ACCEPTED = "not_accepted", _("不接受")
        PENDING = "pending", _("考慮中／未表示")
        NOT_APPLICABLE = "n_a", _("不適用（僅告知）")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="communications"
    )
    channel = models.CharField(_("溝通方式"), max_length=30, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("溝通時間"), default=timezone.now)
    content = models.TextField(_("溝通內容"), validators=[note_length])
    customer_response = models.CharField(
        _("客戶回應"), max_length=20, choices=Response.choices, default=Response.NOT_APPLICABLE
    )
    response_note = models.TextField(_("客戶回應說明"), blank=True, validators=[note_length])
    is_solution = models.BooleanField(_("說明調查結果與解決方案"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("溝通人員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("客戶溝通")
        verbose_name_plural = _("客戶溝通")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.occurred_at:%Y-%m-%d %H:%M}"


class PublicStatusLookup(ChoiceLabels, models.Model):
    """One lookup on the public status page, kept for its rate limit only.

    Counted in the database so that every gunicorn worker sees the same count without a
    shared cache; rows older than the limit's window are deleted as new ones arrive.
    """

    # A salted hash of the sender's address (as Complaint.submitter_fingerprint), never the IP.
    fingerprint = models.CharField(max_length=64)
    looked_up_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("進度查詢記錄")
        verbose_name_plural = _("進度查詢記錄")
        indexes = [
            models.Index(fields=["fingerprint", "looked_up_at"], name="status_lookup_by_sender"),
            models.Index(fields=["looked_up_at"], name="status_lookup_age"),
        ]

    def __str__(self) -> str:
        return f"{self.fingerprint[:8]}… {self.looked_up_at:%Y-%m-%d %H:%M}"
