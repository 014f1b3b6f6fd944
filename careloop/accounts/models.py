"""People and places (domain.md §1): branches, departments, roles and staff accounts."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Branch(models.Model):
    code = models.SlugField(_("院所代碼"), max_length=20, unique=True)
    name = models.CharField(_("院所名稱"), max_length=50, unique=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("電話"), max_length=30, blank=True)
    is_active = models.BooleanField(_("營運中"), default=True)

    class Meta:
        verbose_name = _("院所")
        verbose_name_plural = _("院所")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    code = models.SlugField(_("部門代碼"), max_length=30, unique=True)
    name = models.CharField(_("部門名稱"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("部門")
        verbose_name_plural = _("部門")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleCode(models.TextChoices):
    FRONT_DESK = "front_desk", _("櫃台")
    THERAPIST = "therapist", _("治療師")
    SALES_CONSULTANT = "sales_consultant", _("銷售顧問")
    CUSTOMER_SERVICE = "customer_service", _("客服人員")
    DEPARTMENT_HEAD = "department_head", _("部門主管")
    SENIOR_MANAGEMENT = "senior_management", _("高級管理層")
    ADMINISTRATOR = "administrator", _("系統管理員")


class Role(models.Model):
    """A role of PT-P020 §4 with its authority limit (分層授權), configurable per chain."""

    code = models.CharField(_("角色代碼"), max_length=30, choices=RoleCode.choices, unique=True)
    # None means unlimited (senior management).
    authority_limit = models.PositiveIntegerField(
        _("授權上限（新台幣）"), null=True, blank=True, help_text=_("空白表示不設上限")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_code_display()


DEFAULT_AUTHORITY_LIMITS: dict[str, int | None] = {
    RoleCode.FRONT_DESK: 500,
    RoleCode.THERAPIST: 500,
    RoleCode.SALES_CONSULTANT: 500,
    RoleCode.CUSTOMER_SERVICE: 2000,
    RoleCode.DEPARTMENT_HEAD: 10000,
    RoleCode.SENIOR_MANAGEMENT: None,
    RoleCode.ADMINISTRATOR: 0,
}


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50)
    home_branch = models.ForeignKey(
        Branch,
        verbose_name=_("所屬院所"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    extra_branches = models.ManyToManyField(
        Branch,
        verbose_name=_("其他可存取院所"),
        blank=True,
        related_name="visiting_staff",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部門"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), blank=True, related_name="users")
    # Set while the user has a confirmed authenticator (accounts/second_factor.py), cleared by a
    # reset. Read with the user on every request, so deciding whether a session must show its
    # second factor costs no query; kept in history, so every enrolment and reset is attributed.
    second_factor_since = models.DateTimeField(
        _("第二道驗證啟用時間"), null=True, blank=True, editable=False
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("員工")
        verbose_name_plural = _("員工")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名稱"), max_length=50)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最後使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤銷時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 金鑰")
        verbose_name_plural = _("API 金鑰")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return "cl_" + secrets.token_urlsafe(32)
