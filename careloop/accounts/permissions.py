"""Who may do what, and in which branches (domain.md §1).

Roles grant capabilities; branches scope data. Both are read once per request and cached on
the user object, so a page asks the database about its user at most twice.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from careloop.accounts.models import RoleCode, User


class Capability(StrEnum):
    CUSTOMER_VIEW = "customer.view"
    CUSTOMER_EDIT = "customer.edit"
    CUSTOMER_REVIEW = "customer.review"  # 主管審核簽名
    CUSTOMER_EXPORT = "customer.export"  # 匯出客戶資料（個資法：最小權限）
    STAFF_ADMIN = "staff.admin"
    CALENDAR_ADMIN = "calendar.admin"  # 工作天曆：停診日與加開工作天
    COMPLAINT_VIEW = "complaint.view"
    COMPLAINT_INTAKE = "complaint.intake"  # 接收並記錄投訴 (PT-F035)
    COMPLAINT_HANDLE = "complaint.handle"  # 調查、方案、執行、溝通 (PT-P020 §4.1–4.2)
    COMPLAINT_SUPERVISE = "complaint.supervise"  # 方案審核、結案簽核、歸檔 (§4.3–4.4)
    # 重設遺失的第二道驗證 (whose: accounts/second_factor.second_factor_may_reset)
    SECOND_FACTOR_RESET = "second_factor.reset"
    PRIVACY_REQUEST = "privacy.request"  # 個資當事人請求：受理、複本、更正、停止處理
    PRIVACY_ERASE = "privacy.erase"  # 個資刪除：不可回復，僅主管執行
    READ_LOG_VIEW = "access.read_log"  # 個資查閱紀錄：誰看過哪位客戶


_CARE_ROLES = {
    RoleCode.FRONT_DESK,
    RoleCode.THERAPIST,
    RoleCode.SALES_CONSULTANT,
    RoleCode.CUSTOMER_SERVICE,
    RoleCode.DEPARTMENT_HEAD,
    RoleCode.SENIOR_MANAGEMENT,
}
_SUPERVISORS = {RoleCode.DEPARTMENT_HEAD, RoleCode.SENIOR_MANAGEMENT}

ROLE_CAPABILITIES: dict[Capability, frozenset[str]] = {
    Capability.CUSTOMER_VIEW: frozenset(_CARE_ROLES | {RoleCode.ADMINISTRATOR}),
    Capability.CUSTOMER_EDIT: frozenset(_CARE_ROLES),
    Capability.CUSTOMER_REVIEW: frozenset(_SUPERVISORS),
    # A file of customers leaves the system's access control: supervisors and 客服部 only.
    Capability.CUSTOMER_EXPORT: frozenset(_SUPERVISORS | {RoleCode.CUSTOMER_SERVICE}),
    Capability.STAFF_ADMIN: frozenset({RoleCode.ADMINISTRATOR}),
    Capability.CALENDAR_ADMIN: frozenset({RoleCode.ADMINISTRATOR}),
    Capability.COMPLAINT_VIEW: frozenset(_CARE_ROLES | {RoleCode.ADMINISTRATOR}),
    Capability.COMPLAINT_INTAKE: frozenset(_CARE_ROLES),
    Capability.COMPLAINT_HANDLE: frozenset(
        {RoleCode.CUSTOMER_SERVICE, RoleCode.DEPARTMENT_HEAD, RoleCode.SENIOR_MANAGEMENT}
    ),
    Capability.COMPLAINT_SUPERVISE: frozenset(_SUPERVISORS),
    Capability.SECOND_FACTOR_RESET: frozenset(_SUPERVISORS | {RoleCode.ADMINISTRATOR}),
    # A copy of everything about a person, like an export, leaves access control: 客服部 and
    # supervisors; an erasure cannot be undone: supervisors only.
    Capability.PRIVACY_REQUEST: frozenset(_SUPERVISORS | {RoleCode.CUSTOMER_SERVICE}),
    Capability.PRIVACY_ERASE: frozenset(_SUPERVISORS),
    # Those who answer for how their staff use customer data; front-line roles do not see who
    # else opened a record.
    Capability.READ_LOG_VIEW: frozenset(_SUPERVISORS | {RoleCode.ADMINISTRATOR}),
}

# Roles whose work spans the chain (PT-P020 §4: 總院長/執行長; the system administrator).
CHAIN_WIDE_ROLES = frozenset({RoleCode.SENIOR_MANAGEMENT, RoleCode.ADMINISTRATOR})


def user_role_codes(user: User) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_careloop_role_codes", None)
    if cached is None:
        cached = frozenset(user.roles.values_list("code", flat=True))
        if user.is_superuser:
            cached |= {RoleCode.ADMINISTRATOR}
        user._careloop_role_codes = cached
    return cached


def user_has_role(user: User, *codes: str) -> bool:
    return bool(user_role_codes(user) & set(codes))


def user_can(user: User, capability: Capability) -> bool:
    return bool(user_role_codes(user) & ROLE_CAPABILITIES[capability])


def require(user: User, capability: Capability) -> None:
    if not user_can(user, capability):
        raise PermissionDenied


def user_branch_ids(user: User) -> frozenset[int] | None:
    """The branches whose data the user may see; None means every branch."""
    if user_role_codes(user) & CHAIN_WIDE_ROLES:
        return None
    cached = getattr(user, "_careloop_branch_ids", None)
    if cached is None:
        # The link table alone: the branches themselves are not needed for their ids.
        ids = set(
            User.extra_branches.through.objects.filter(user_id=user.pk).values_list(
                "branch_id", flat=True
            )
        )
        if user.home_branch_id:
            ids.add(user.home_branch_id)
        cached = frozenset(ids)
        user._careloop_branch_ids = cached
    return cached


def user_may_see_branch(user: User, branch_id: int | None) -> bool:
    branch_ids = user_branch_ids(user)
    return branch_ids is None or branch_id in branch_ids


def user_authority_limit(user: User) -> int | None:
    """The largest value the user may grant alone; None means unlimited."""
    from careloop.accounts.models import Role

    limits = list(
        Role.objects.filter(code__in=user_role_codes(user)).values_list(
            "authority_limit", flat=True
        )
    )
    if not limits:
        return 0
    if any(limit is None for limit in limits):
        return None
    return max(limits)
