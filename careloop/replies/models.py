"""回覆範本: reply templates per channel, the avoid-list the checker reads, and each reply sent.

Templates and the avoid-list are data that administrators edit (domain.md §5); the checker
reads the avoid-list from the database on every check, so a phrase added now is flagged on
the next check. A sent reply keeps what the checker said when it left and, where a supervisor
sent it despite an avoid-phrase, why.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.core.choices import ChoiceLabels
from careloop.core.text import note_length
from careloop.replies.patterns import PatternError, pattern_compile


class TemplateChannel(models.TextChoices):
    EMAIL = "email", _("電子郵件")
    SOCIAL_PUBLIC = "social_public", _("社群公開回覆")
    PRIVATE_MESSAGE = "private_message", _("私訊／LINE")
    PHONE_SCRIPT = "phone_script", _("電話腳本")
    LETTER = "letter", _("書面信函")


class AvoidCategory(models.TextChoices):
    BLAME_SHIFTING = "blame_shifting", _("推卸責任")
    DOUBTING = "doubting", _("質疑客戶")
    BLAMING = "blaming", _("指責客戶")
    OVER_PROMISING = "over_promising", _("過度承諾")
    OTHER = "other", _("其他")


class ReplyTemplate(ChoiceLabels, models.Model):
    name = models.CharField(
        _("範本名稱"),
        max_length=100,
        unique=True,
        error_messages={"unique": _("已有同名的範本。")},
    )
    channel = models.CharField(_("回覆管道"), max_length=20, choices=TemplateChannel.choices)
    subject = models.CharField(
        _("主旨"), max_length=200, blank=True, help_text=_("電子郵件與書面信函使用；可含欄位。")
    )
    body = models.TextField(
        _("內容"),
        help_text=_("以大括號標示欄位，例如 {客戶姓名}、{案件編號}；傳送前會自動填入。"),
        validators=[note_length],
    )
    active = models.BooleanField(_("啟用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最後修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("最後修改時間"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("回覆範本")
        verbose_name_plural = _("回覆範本")
        ordering = ["channel", "position", "name"]
        indexes = [
            models.Index(fields=["active", "channel", "position"], name="reply_template_pick")
        ]

    def __str__(self) -> str:
        return self.name


class AvoidPhrase(ChoiceLabels, models.Model):
    """A phrase to avoid, as a small pattern (see `patterns.py`): 「保證…絕不會再發生」."""

    phrase = models.CharField(
        _("應避免用語"),
        max_length=200,
        unique=True,
        error_messages={"unique": _("此用語已在清單中。")},
        help_text=_(
            "「…」代表中間可夾任意文字（同一句內，最多 20 字）；"
            "「(物流|其他部門)」代表任一寫法，「(有|)」代表可有可無。"
        ),
    )
    category = models.CharField(_("類別"), max_length=20, choices=AvoidCategory.choices)
    suggestion = models.TextField(_("建議改寫"), blank=True, validators=[note_length])
    active = models.BooleanField(_("啟用"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最後修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("最後修改時間"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("應避免用語")
        verbose_name_plural = _("應避免用語")
        ordering = ["category", "phrase"]
        indexes = [models.Index(fields=["active"], name="avoid_phrase_active")]

    def __str__(self) -> str:
        return self.phrase

    def clean(self) -> None:
        if not self.phrase:
            return  # the field's own "required" says so
        self.phrase = self.phrase.strip().strip("「」『』\"'").strip()
        try:
            pattern_compile(self.phrase)
        except PatternError as exc:
            raise ValidationError({"phrase": str(exc)}) from exc


class SentReply(ChoiceLabels, models.Model):
    """A reply sent from the composer: its message, its communication on the case, and what
    the checker said when it left."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("客訴"),
        on_delete=models.PROTECT,
        related_name="sent_replies",
    )
    message = models.OneToOneField(
        "messaging.OutboundMessage",
        verbose_name=_("外發訊息"),
        on_delete=models.PROTECT,
        related_name="sent_reply",
    )
    communication = models.OneToOneField(
        "complaints.Communication",
        verbose_name=_("溝通記錄"),
        on_delete=models.PROTECT,
        related_name="sent_reply",
    )
    template = models.ForeignKey(
        ReplyTemplate,
        verbose_name=_("使用範本"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    findings = models.JSONField(_("檢查結果"), default=list, blank=True)
    override_reason = models.TextField(_("主管放行理由"), blank=True, validators=[note_length])
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("傳送人員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("傳送時間"), default=timezone.now)

    class Meta:
        verbose_name = _("已傳送回覆")
        verbose_name_plural = _("已傳送回覆")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["complaint", "-sent_at"], name="sent_reply_case")]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.sent_at:%Y-%m-%d %H:%M}"
