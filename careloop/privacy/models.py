"""Data-subject requests under 個人資料保護法 §3 and the log of erasures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.core.choices import ChoiceLabels
from careloop.core.text import note_length
from careloop.privacy.rules import IdentityMethod, RequestChannel, RequestKind, RequestStatus


class DataSubjectRequest(ChoiceLabels, models.Model):
    """One request from a person about their own data: received, verified, answered."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客戶"),
        on_delete=models.PROTECT,
        related_name="privacy_requests",
    )
    # The customer's branch when received (a record of where it was handled). Who may see
    # or act on the request follows the customer's current branch (selectors, services).
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("院所"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("請求類型"), max_length=12, choices=RequestKind.choices)
    received_at = models.DateTimeField(_("受理時間"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("提出方式"), max_length=12, choices=RequestChannel.choices)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("身分核對人員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_method = models.CharField(
        _("身分核對方式"), max_length=12, choices=IdentityMethod.choices
    )
    identity_note = models.CharField(_("核對說明"), max_length=200, blank=True)
    details = models.TextField(_("請求內容"), blank=True, validators=[note_length])
    due_at = models.DateTimeField(_("答覆期限"))
    extended_at = models.DateTimeField(_("延長時間"), null=True, blank=True)
    extension_reason = models.CharField(_("延長理由"), max_length=200, blank=True)
    status = models.CharField(
        _("狀態"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    answer = models.TextField(_("答覆內容"), blank=True, validators=[note_length])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("處理人員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("處理完成時間"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("個資當事人請求")
        verbose_name_plural = _("個資當事人請求")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "status", "due_at"], name="privacy_request_open"),
            models.Index(fields=["customer", "-received_at"], name="privacy_request_customer"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.RECEIVED

    @property
    def is_overdue(self) -> bool:
        return self.is_open and timezone.now() > self.due_at


class CopyDownload(models.Model):
    """Every download of a person's copy: who, when, which file and why (like ExportLog)."""

    request = models.ForeignKey(
        DataSubjectRequest, on_delete=models.PROTECT, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下載者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("下載時間"), default=timezone.now)
    format = models.CharField(_("格式"), max_length=5)
    purpose = models.CharField(_("下載目的"), max_length=200)

    class Meta:
        verbose_name = _("個資複本下載記錄")
        verbose_name_plural = _("個資複本下載記錄")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M} {self.format}"


class ErasureLog(models.Model):
    """One erasure: whose (by id and number only), when, by whom, what was kept and why.

    The same line is appended to a file outside the database (erasure.py), so that after a
    restore from a backup `reapply_erasures --since` can erase again what the backup brought
    back. Never holds a name, a phone or any other content of the person."""

    customer_id_erased = models.BigIntegerField(_("客戶 ID"), db_index=True)
    customer_number = models.CharField(_("客戶編號"), max_length=20)
    request = models.ForeignKey(
        DataSubjectRequest,
        verbose_name=_("請求"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erasures",
    )
    erased_at = models.DateTimeField(_("刪除時間"), default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("執行人員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # [{"model": "complaints.Complaint", "id": 7, "number": "20260213-001",
    #   "clause": "PT-P020 5.6.3", "until": "2029-03-01T…" | null}]
    kept = models.JSONField(_("保留項目"), default=list, blank=True)
    # {"customers": 12, "files": 3, …}: how many rows and files each part changed.
    counts = models.JSONField(_("處理筆數"), default=dict, blank=True)
    holds_finished_at = models.DateTimeField(_("保存期滿完成刪除時間"), null=True, blank=True)
    reapplied_at = models.DateTimeField(_("還原後重新套用時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("個資刪除記錄")
        verbose_name_plural = _("個資刪除記錄")
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_number} {self.erased_at:%Y-%m-%d}"

    @property
    def has_holds(self) -> bool:
        return bool(self.kept) and self.holds_finished_at is None

    @property
    def not_changed(self) -> list[tuple[str, int]]:
        """(table's name, rows) that name the person but belong to another record (another
        customer, another person's complaint, a file a row refers to): left for review."""
        from django.apps import apps

        out = []
        for key, n in sorted(self.counts.items()):
            if not key.startswith("not_changed:"):
                continue
            label = key.removeprefix("not_changed:")
            if label == "files":
                out.append((str(_("上傳檔案")), n))
                continue
            try:
                name = str(apps.get_model(label)._meta.verbose_name)
            except (LookupError, ValueError):
                name = label
            out.append((name, n))
        return out
