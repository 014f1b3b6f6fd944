"""查閱紀錄: who read or printed which customer's record, through which page or endpoint.

A row names the customer by id only and holds no name, phone or text of the record, so an
anonymised customer's reads stay true and say nothing about them. Neither the customer nor the
reader is a database constraint: a customer erased (or a staff account removed) later keeps
the trail of who saw the record before, which is what a 個資法 inquiry asks for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careloop.core.choices import ChoiceLabels


class ReadChannel(models.TextChoices):
    PAGE = "page", _("頁面")
    API = "api", _("API")
    PDF = "pdf", _("列印")
    EXPORT = "export", _("匯出")


class ReadKind(models.TextChoices):
    VIEW = "view", _("查看")
    LIST = "list", _("清單")
    PRINT = "print", _("列印")
    EXPORT = "export", _("匯出")


class PersonalDataRead(ChoiceLabels, models.Model):
    at = models.DateTimeField(_("時間"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查閱者"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # The API token the request came with: its id, and its name and prefix as they were then
    # (a token renamed or removed later still says which integration read).
    api_token_id = models.PositiveBigIntegerField(_("API 金鑰編號"), null=True, blank=True)
    api_token_label = models.CharField(_("API 金鑰"), max_length=80, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客戶"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    channel = models.CharField(_("管道"), max_length=10, choices=ReadChannel.choices)
    kind = models.CharField(_("類型"), max_length=10, choices=ReadKind.choices)
    # The URL's name ("customers:detail", "api:customer_list") and its path without the query
    # string: a search typed into the list is itself personal data and is not kept.
    route = models.CharField(_("頁面或端點"), max_length=100, blank=True)
    path = models.CharField(_("網址"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("個資查閱紀錄")
        verbose_name_plural = _("個資查閱紀錄")
        ordering = ["-at", "-pk"]
        indexes = [
            # The customer page's panel and the customer's full list: newest first.
            models.Index(fields=["customer", "-at"], name="read_customer_at"),
            # The bulk-read check and a reader's own list.
            models.Index(fields=["user", "at"], name="read_user_at"),
            # The purge of rows past the retention period.
            models.Index(fields=["at"], name="read_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.customer_id} ({self.kind}, {self.at:%Y-%m-%d %H:%M})"


class BulkReadAlert(models.Model):
    """A bulk read reported to the reader's supervisors: one per reader per hour at most."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查閱者"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    at = models.DateTimeField(_("通報時間"), default=timezone.now)
    since = models.DateTimeField(_("統計起點"))
    customers = models.PositiveIntegerField(_("查閱客戶數"))
    detail = models.TextField(_("管道明細"), blank=True)

    class Meta:
        verbose_name = _("大量查閱警示")
        verbose_name_plural = _("大量查閱警示")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="bulk_read_alert_user_at")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.customers} ({self.at:%Y-%m-%d %H:%M})"
