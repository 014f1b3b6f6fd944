"""Import jobs and the export log (issue 3 item 6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上傳，待對應欄位")
    CHECKING = "checking", _("試算中")
    CHECKED = "checked", _("試算完成")
    IMPORTING = "importing", _("匯入中")
    DONE = "done", _("匯入完成")
    FAILED = "failed", _("匯入失敗")


class ImportJob(models.Model):
    """One uploaded file on its way in: mapping, dry run, import, and what came of it."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上傳者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上傳時間"), auto_now_add=True)
    file = models.FileField(_("檔案"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原始檔名"), max_length=200)
    headers = models.JSONField(_("標題列"), default=list)
    # {field key: column index} — see careloop.transfer.columns.FIELDS.
    mapping = models.JSONField(_("欄位對應"), default=dict)
    update_existing = models.BooleanField(_("更新已存在的客戶"), default=False)
    status = models.CharField(
        _("狀態"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    phase = models.CharField(_("進行階段"), max_length=20, blank=True)
    total_rows = models.PositiveIntegerField(_("資料列數"), default=0)
    processed_rows = models.PositiveIntegerField(_("已處理列數"), default=0)
    # [{"row": 7, "field": "聯絡電話", "message": "…"}], row numbers as the spreadsheet shows.
    errors = models.JSONField(_("錯誤"), default=list)
    # {"customers_created": n, "customers_matched": n, "customers_updated": n,
    #  "interactions_created": n, "interactions_skipped": n, "purchases_created": n, …}
    result = models.JSONField(_("結果"), default=dict)
    checked_at = models.DateTimeField(_("試算完成時間"), null=True, blank=True)
    finished_at = models.DateTimeField(_("匯入完成時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("匯入作業")
        verbose_name_plural = _("匯入作業")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (.xlsx)"


class ExportLog(models.Model):
    """Every export of customer data: who took which customers out, when and why (個資法)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("匯出者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("匯出時間"), auto_now_add=True)
    filters = models.JSONField(_("篩選條件"), default=dict)
    format = models.CharField(_("格式"), max_length=5, choices=ExportFormat.choices)
    rows = models.PositiveIntegerField(_("筆數"))
    purpose = models.CharField(_("匯出目的"), max_length=200, default="")

    class Meta:
        verbose_name = _("匯出記錄")
        verbose_name_plural = _("匯出記錄")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="exportlog_recent")]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M} {self.rows}"
