"""工作天與停班日: the branch calendar on top of Taiwan's national one (domain.md §3.3).

The national calendar (holidays, observed days, make-up workdays) comes from the `holidays`
package (`calendar.py`); only the chain's own decisions are stored: closures that remove a
working day and extra working days that add one, each for one branch or the whole chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ClosureKind(models.TextChoices):
    TYPHOON = "typhoon", _("颱風假")
    CLINIC_CLOSURE = "clinic_closure", _("院所停診")
    OTHER = "other", _("其他")


class CalendarEntry(models.Model):
    """What a closure and an extra working day share: a day, a branch or the whole chain."""

    date = models.DateField(_("日期"))
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("院所"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("空白表示全院區"),
    )
    reason = models.CharField(_("原因"), max_length=200)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("建立者"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_chain_wide(self) -> bool:
        return self.branch_id is None

    @property
    def branch_label(self) -> str:
        return str(self.branch) if self.branch_id else str(_("全院區"))


class Closure(CalendarEntry):
    """A day the branch (or every branch) is closed: typhoon day, clinic closure, other."""

    kind = models.CharField(_("類別"), max_length=20, choices=ClosureKind.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("停診日")
        verbose_name_plural = _("停診日")
        ordering = ["date", "branch_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "branch"],
                condition=Q(branch__isnull=False),
                name="closure_one_per_branch_day",
                violation_error_message=_("此院所在這一天已有停診設定。"),
            ),
            # NULL never equals NULL in a unique index, so chain-wide days need their own.
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(branch__isnull=True),
                name="closure_one_chain_wide_per_day",
                violation_error_message=_("這一天已有全院區的停診設定。"),
            ),
        ]
        indexes = [models.Index(fields=["date", "branch"], name="closure_date_branch")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.branch_label} {self.get_kind_display()}"


class ExtraWorkingDay(CalendarEntry):
    """A day worked although the national calendar says it is not (e.g. a Saturday clinic)."""

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("加開工作天")
        verbose_name_plural = _("加開工作天")
        ordering = ["date", "branch_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "branch"],
                condition=Q(branch__isnull=False),
                name="extra_day_one_per_branch_day",
                violation_error_message=_("此院所在這一天已有加開工作天設定。"),
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(branch__isnull=True),
                name="extra_day_one_chain_wide_per_day",
                violation_error_message=_("這一天已有全院區的加開工作天設定。"),
            ),
        ]
        indexes = [models.Index(fields=["date", "branch"], name="extra_day_date_branch")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.branch_label} {_('加開工作天')}"
