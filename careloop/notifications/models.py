"""通知: a message to one staff member, shown in the app and, once, by e-mail.

A caller names each notification with a key of its own (``complaint:42:start:at_risk``);
one recipient holds a key at most once, which is what makes a sweep that runs twice harmless.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from careloop.core.choices import ChoiceLabels


def is_site_path(url: str) -> bool:
    """A path on this site ("/complaints/42/"): never another host, never a scheme."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


class Notification(ChoiceLabels, models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    key = models.CharField(_("識別鍵"), max_length=200)
    title = models.CharField(_("標題"), max_length=200)
    body = models.TextField(_("內容"), blank=True)
    url = models.CharField(_("連結"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("建立時間"), default=timezone.now)
    read_at = models.DateTimeField(_("已讀時間"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("寄信時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_recipient_key")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def target(self) -> str:
        """Where opening the notification leads: its URL when that is a path on this site."""
        return self.url if is_site_path(self.url) else ""
