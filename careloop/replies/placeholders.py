"""Template fields: ``{客戶姓名}`` in a template is replaced with the case's customer's name.

One syntax: the field's Chinese name in single braces, no spaces. A field with no value for
the case (no solution recorded yet, no compensation granted) is left as it is, so the checker
flags it and the reply cannot be sent until someone writes the words in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from careloop.accounts.models import User
    from careloop.complaints.models import Complaint


def _local_date(value) -> str:
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日"


def _solution_field(name: str) -> Callable[[Complaint, User], str]:
    def value(complaint: Complaint, by: User) -> str:
        solution = getattr(complaint, "solution", None)
        return getattr(solution, name, "") if solution is not None else ""

    return value


def _compensation(complaint: Complaint, by: User) -> str:
    from careloop.compensation.models import GRANTED_STATES

    granted = complaint.compensations.filter(status__in=GRANTED_STATES).order_by("requested_at")
    return "；".join(c.description.strip() for c in granted if c.description.strip())


def _staff_contact(complaint: Complaint, by: User) -> str:
    parts = []
    if complaint.branch.phone:
        parts.append(f"{complaint.branch.name} {complaint.branch.phone}")
    if by.email:
        parts.append(by.email)
    return "，".join(parts)


@dataclass(frozen=True)
class Placeholder:
    name: str
    help: str
    value: Callable[[Complaint, User], str]


PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        "客戶姓名",
        _("客戶（投訴人）姓名"),
        lambda c, by: c.customer.name if c.customer_id else c.complainant_name,
    ),
    Placeholder("案件編號", _("客訴編號"), lambda c, by: c.number),
    Placeholder("接收日期", _("收到投訴的日期"), lambda c, by: _local_date(c.received_at)),
    Placeholder("日期", _("今天的日期"), lambda c, by: _local_date(timezone.now())),
    Placeholder("問題", _("投訴內容"), lambda c, by: c.description.strip()),
    Placeholder("解決方案", _("立即解決方法（解決方案）"), _solution_field("immediate_remedy")),
    Placeholder("改善措施", _("防止再次發生的改進措施（解決方案）"), _solution_field("prevention")),
    Placeholder("補償", _("已核准的補償內容"), _compensation),
    Placeholder("承辦人", _("傳送回覆的員工姓名"), lambda c, by: by.full_name or by.username),
    Placeholder("聯絡方式", _("院所電話與承辦人電子郵件"), _staff_contact),
    Placeholder("院所", _("案件所屬院所"), lambda c, by: c.branch.name),
)
PLACEHOLDER_NAMES = frozenset(p.name for p in PLACEHOLDERS)
_FIELD = re.compile(r"\{([^{}\n]{1,20})\}")


def placeholders_fill(text: str, values: dict[str, str]) -> str:
    """Replace each known field that has a value; leave the rest for the checker to flag."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1).strip(), "")
        return value if value else match.group(0)

    return _FIELD.sub(replace, text)


def placeholder_values(*, complaint: Complaint, by: User) -> dict[str, str]:
    return {p.name: (p.value(complaint, by) or "").strip() for p in PLACEHOLDERS}
