"""授權 (分層授權, domain.md §4): every grant of money or value that a person makes, whatever
it is for, and the approval it waits for when it is above the granter's authority limit.

A grant's *kind* is the record it authorises (a compensation today; a goodwill gesture, a
loyalty reward or a campaign's budget in the apps that follow), kept here by code and id so
that the kernel knows nothing of those apps. What counts against a limit is the grant's
*scope*: everything approved on the same case, or everything approved for the same customer
in the last 30 days, so that splitting a payout into small grants needs the same approval as
paying it whole.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.core.choices import ChoiceLabels
from careloop.core.text import note_length


class Scope(models.TextChoices):
    CASE = "case", _("本案累計")
    CUSTOMER_30_DAYS = "customer_30d", _("客戶 30 日內累計")


class GrantState(models.TextChoices):
    PENDING = "pending", _("待核准")
    APPROVED = "approved", _("核准")
    REJECTED = "rejected", _("不核准")


class Grant(ChoiceLabels, models.Model):
    kind = models.CharField(_("授權類型"), max_length=30)
    subject_id = models.PositiveBigIntegerField(_("授權對象編號"))
    scope = models.CharField(_("累計範圍"), max_length=20, choices=Scope.choices)
    # The case a CASE-scoped grant counts with ("complaint:42"); empty for a customer's window.
    case_key = models.CharField(_("案件"), max_length=40, blank=True, default="")
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("院所"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客戶"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
    )
    title = models.CharField(_("授權內容"), max_length=200)
    value = models.PositiveIntegerField(_("金額（新台幣）"))
    # The scope's approved total with this grant, as it stood when it was asked for: what the
    # approver authorises (the decision re-reads it, since other grants may have moved it).
    scope_total = models.PositiveIntegerField(_("累計金額（含此筆）"))
    granter_limit = models.PositiveIntegerField(_("提出人授權上限"), null=True, blank=True)
    approval_required = models.BooleanField(_("須核准"), default=False)
    state = models.CharField(
        _("審核狀態"), max_length=10, choices=GrantState.choices, default=GrantState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申請人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申請時間"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("審核時間"), null=True, blank=True)
    note = models.TextField(_("審核意見"), blank=True, validators=[note_length])
    history = HistoricalRecords()

    # Pages written for compensation's approval request read these names.
    State = GrantState

    class Meta:
        verbose_name = _("授權")
        verbose_name_plural = _("授權")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_id"], name="grant_one_per_subject"),
            models.CheckConstraint(
                condition=Q(scope="customer_30d") | ~Q(case_key=""), name="grant_case_has_key"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "branch", "scope_total"], name="grant_pending"),
            models.Index(fields=["case_key", "state"], name="grant_case"),
            models.Index(
                fields=["customer", "scope", "state", "decided_at"], name="grant_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}: NT${self.value:,} {self.get_state_display()}"

    @property
    def is_pending(self) -> bool:
        return self.state == GrantState.PENDING

    @property
    def case_total(self) -> int:
        return self.scope_total
