"""訊息發送: every message CareLoop sends to a customer, by e-mail, SMS or LINE.

A row is written before anything leaves (status ``queued``); the delivery task claims it
(``sending``) with a conditional UPDATE and records the outcome (``sent`` or ``failed``), so the
table is both the outbox and the log of what each customer was told, and by whom.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.core.choices import ChoiceLabels


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("電子郵件")
    SMS = "sms", _("簡訊")
    LINE = "line", _("LINE")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("待發送")
    SENDING = "sending", _("發送中")
    SENT = "sent", _("已發送")
    FAILED = "failed", _("發送失敗")


class OutboundMessage(ChoiceLabels, models.Model):
    channel = models.CharField(_("管道"), max_length=10, choices=MessageChannel.choices)
    to = models.CharField(_("收件者"), max_length=254)
    subject = models.CharField(_("主旨"), max_length=200, blank=True)
    body = models.TextField(_("內容"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客戶"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbound_messages",
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("客訴"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbound_messages",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("發送人員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The caller's idempotency key ("survey:42:invite"): one message per key, ever.
    key = models.CharField(_("識別鍵"), max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(
        _("狀態"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    error = models.TextField(_("錯誤訊息"), blank=True)
    backend = models.CharField(_("發送方式"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("建立時間"), default=timezone.now)
    claimed_at = models.DateTimeField(_("開始發送時間"), null=True, blank=True)
    sent_at = models.DateTimeField(_("發送時間"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("外發訊息")
        verbose_name_plural = _("外發訊息")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="message_status"),
            models.Index(fields=["complaint", "-created_at"], name="message_complaint"),
            models.Index(fields=["customer", "-created_at"], name="message_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to}"
