"""Treatment packages, products and purchases (PT-F025 療程/服務購買記錄, domain.md §2).

A purchase of a package carries its sessions; each visit that uses one is a SessionUse. Refunds
and cancellations are new Purchase rows pointing at the sale they reverse — nothing is deleted.
`sessions_remaining` and `first_session_on` are kept by the services so the worklist can find
packages running out with one indexed query.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from careloop.core.choices import ChoiceLabels
from careloop.core.text import note_length


class ServiceCategory(models.TextChoices):
    # The same codes as the customer's service interests, so needs and catalogue line up.
    PHYSIOTHERAPY = "physiotherapy", _("物理治療")
    SPORTS_RECOVERY = "sports_recovery", _("運動恢復")
    PAIN_MANAGEMENT = "pain_management", _("疼痛管理")
    REHABILITATION = "rehabilitation", _("復健訓練")
    HEALTH_PRODUCTS = "health_products", _("保健產品")


class TreatmentPackage(ChoiceLabels, models.Model):
    """A package in the catalogue: N sessions at a price, valid for M months from purchase."""

    name = models.CharField(_("療程名稱"), max_length=100, unique=True)
    category = models.CharField(_("服務類別"), max_length=20, choices=ServiceCategory.choices)
    sessions = models.PositiveSmallIntegerField(_("堂數"), validators=[MinValueValidator(1)])
    price = models.PositiveIntegerField(_("價格（新台幣）"))
    validity_months = models.PositiveSmallIntegerField(
        _("有效月數"), validators=[MinValueValidator(1)]
    )
    description = models.TextField(_("說明"), blank=True, validators=[note_length])
    is_active = models.BooleanField(_("販售中"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("療程")
        verbose_name_plural = _("療程")
        ordering = ["category", "price"]

    def __str__(self) -> str:
        return self.name


class Product(ChoiceLabels, models.Model):
    name = models.CharField(_("產品名稱"), max_length=100, unique=True)
    category = models.CharField(
        _("服務類別"),
        max_length=20,
        choices=ServiceCategory.choices,
        default=ServiceCategory.HEALTH_PRODUCTS,
    )
    price = models.PositiveIntegerField(_("價格（新台幣）"))
    description = models.TextField(_("說明"), blank=True, validators=[note_length])
    is_active = models.BooleanField(_("販售中"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("產品")
        verbose_name_plural = _("產品")
        ordering = ["category", "price"]

    def __str__(self) -> str:
        return self.name


class PurchaseKind(models.TextChoices):
    SALE = "sale", _("購買")
    REFUND = "refund", _("退費")
    CANCELLATION = "cancellation", _("取消")


class Purchase(ChoiceLabels, models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="purchases"
    )
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("院所"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("類型"), max_length=12, choices=PurchaseKind.choices, default=PurchaseKind.SALE
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("沖銷的購買"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
    )
    purchased_on = models.DateField(_("購買日期"), default=timezone.localdate)
    package = models.ForeignKey(
        TreatmentPackage,
        verbose_name=_("療程"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("產品"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
    )
    # What the customer bought, as it was called then: the catalogue may be renamed later.
    item_name = models.CharField(_("療程/產品名稱"), max_length=100)
    quantity = models.PositiveSmallIntegerField(_("數量"), default=1)
    # Sessions bought (a sale of a package), or taken back (negative, on a refund/cancellation).
    sessions = models.SmallIntegerField(_("堂數"), default=0)
    # NT$; negative on a refund or cancellation.
    amount = models.IntegerField(_("金額"))
    promotion = models.CharField(_("促銷方案"), max_length=100, blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("銷售人員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales",
    )
    expires_on = models.DateField(_("到期日"), null=True, blank=True)
    sessions_remaining = models.SmallIntegerField(_("剩餘堂數"), default=0)
    first_session_on = models.DateField(_("首次使用日"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("購買記錄")
        verbose_name_plural = _("購買記錄")
        ordering = ["-purchased_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "-purchased_on"], name="purchase_customer"),
            # The worklist's 續約提醒: open packages by what is left and when they expire.
            models.Index(
                fields=["sessions_remaining", "expires_on"],
                name="purchase_open_packages",
                condition=Q(kind="sale", package__isnull=False, sessions_remaining__gt=0),
            ),
            models.Index(fields=["first_session_on"], name="purchase_first_session"),
            models.Index(fields=["salesperson", "-purchased_on"], name="purchase_salesperson"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_remaining__gte=0), name="purchase_sessions_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind="sale") | Q(reverses__isnull=False),
                name="purchase_reversal_points_at_sale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchased_on} {self.item_name} {self.get_kind_display()}"

    @property
    def amount_display(self) -> str:
        """NT$12,000, or -NT$3,000 for a refund or cancellation."""
        from careloop.treatments.templatetags.treatments import ntd

        return ntd(self.amount)

    @property
    def is_package(self) -> bool:
        return self.package_id is not None and self.kind == PurchaseKind.SALE


class SessionUse(ChoiceLabels, models.Model):
    """One visit that used one session of a package."""

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="uses")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="session_uses"
    )
    used_on = models.DateField(_("使用日期"), default=timezone.localdate)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("治療師"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("院所"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("備註"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("使用堂數")
        verbose_name_plural = _("使用堂數")
        ordering = ["-used_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "-used_on"], name="session_use_customer"),
            models.Index(fields=["purchase", "used_on"], name="session_use_purchase"),
        ]

    def __str__(self) -> str:
        return f"{self.used_on} {self.purchase.item_name}"
