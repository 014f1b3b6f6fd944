"""The one authority-limited grant (分層授權, domain.md §4, PT-P020 §4), used by every kind.

`grant_request` is approved at once when the scope's approved total with it stays within the
granter's authority limit; above, it waits as an approval request for someone whose limit
covers that total (in the branch, or chain-wide), who decides with `grant_decide`. The total
is cumulative — per case, or per customer over a rolling 30 days — so that splitting a payout
into small grants needs the same approval as paying it whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import Role, User
from careloop.accounts.permissions import (
    CHAIN_WIDE_ROLES,
    user_authority_limit,
    user_may_see_branch,
)
from careloop.grants.kinds import GrantKind, kind_get
from careloop.grants.models import Grant, GrantState, Scope

# The window a customer's grants outside a case count over.
CUSTOMER_WINDOW = dt.timedelta(days=30)


class GrantRefused(Exception):
    """A rule stops the grant or the decision; `messages` says why, in zh-Hant."""

    def __init__(self, *messages: str):
        self.messages = [str(m) for m in messages]
        super().__init__("；".join(self.messages))


def ntd(value: int | None) -> str:
    return "—" if value is None else f"NT${value:,}"


def limit_display(limit: int | None) -> str:
    return _("不設上限") if limit is None else ntd(limit)


def limit_covers(limit: int | None, value: int) -> bool:
    return limit is None or value <= limit


def approvers_for(*, branch_id: int, value: int) -> QuerySet[User]:
    """Active staff whose authority limit covers the value: in the branch, or chain-wide."""
    covering = Role.objects.filter(Q(authority_limit__isnull=True) | Q(authority_limit__gte=value))
    return (
        User.objects.filter(is_active=True, roles__in=covering)
        .filter(
            Q(home_branch_id=branch_id)
            | Q(extra_branches__id=branch_id)
            | Q(roles__code__in=CHAIN_WIDE_ROLES)
        )
        .distinct()
        .order_by("pk")
    )


def case_approved_totals(*, case_keys: Iterable[str]) -> dict[str, int]:
    """What each case has had approved so far, in NT$, in one query; a case with nothing
    approved is absent."""
    rows = (
        Grant.objects.filter(case_key__in=list(case_keys), state=GrantState.APPROVED)
        .values("case_key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {row["case_key"]: int(row["total"]) for row in rows}


def customer_window_total(*, customer_id: int, now: dt.datetime | None = None) -> int:
    """What the customer has had approved outside cases in the last 30 days."""
    since = (now or timezone.now()) - CUSTOMER_WINDOW
    total = Grant.objects.filter(
        customer_id=customer_id,
        scope=Scope.CUSTOMER_30_DAYS,
        state=GrantState.APPROVED,
        decided_at__gt=since,
    ).aggregate(total=Sum("value"))["total"]
    return int(total or 0)


def scope_approved_total(*, scope: str, case_key: str, customer_id: int | None) -> int:
    if scope == Scope.CASE:
        return case_approved_totals(case_keys=[case_key]).get(case_key, 0)
    if customer_id is None:
        return 0
    return customer_window_total(customer_id=customer_id)


def _lock_customer(customer_id: int | None) -> None:
    if customer_id is not None:
        from careloop.customers.models import Customer

        Customer.objects.select_for_update().filter(pk=customer_id).exists()


def _lock_scope(kind: GrantKind, grant: Grant) -> None:
    if kind.scope == Scope.CUSTOMER_30_DAYS:
        _lock_customer(grant.customer_id)
    else:
        kind.lock_scope(grant)


def _save(grant: Grant, *, by: User) -> None:
    grant._history_user = by  # type: ignore[attr-defined]
    grant.full_clean()
    grant.save()


def _notify(**kwargs: object) -> None:
    from careloop.notifications.services import notification_send

    transaction.on_commit(lambda: notification_send(**kwargs))  # type: ignore[arg-type]


@transaction.atomic
def grant_request(
    *,
    kind: str,
    subject_id: int,
    branch_id: int,
    customer_id: int | None,
    value: int,
    title: str,
    case_key: str = "",
    detail: str = "",
    by: User,
) -> Grant:
    """Authorise `value` for the kind's record `subject_id`, granted by `by`.

    A CASE kind's caller holds its case's lock (the scope is read under it); a customer's
    window is locked here. Approved at once within the granter's limit; otherwise pending, and
    the staff whose limit covers the total are notified (`detail`: what is granted, in words)."""
    grant_kind = kind_get(kind)
    if grant_kind.scope == Scope.CASE and not case_key:
        raise ValueError("a case-scoped grant needs its case_key")
    if grant_kind.scope == Scope.CUSTOMER_30_DAYS:
        _lock_customer(customer_id)
        case_key = ""
    total = (
        scope_approved_total(scope=grant_kind.scope, case_key=case_key, customer_id=customer_id)
        + value
    )
    limit = user_authority_limit(by)
    within = limit_covers(limit, total)
    now = timezone.now()
    grant = Grant(
        kind=kind,
        subject_id=subject_id,
        scope=grant_kind.scope,
        case_key=case_key,
        branch_id=branch_id,
        customer_id=customer_id,
        title=title[:200],
        value=value,
        scope_total=total,
        granter_limit=limit,
        approval_required=not within,
        state=GrantState.APPROVED if within else GrantState.PENDING,
        requested_by=by,
        requested_at=now,
        decided_by=by if within else None,
        decided_at=now if within else None,
    )
    _save(grant, by=by)
    if not within:
        approvers = [u for u in approvers_for(branch_id=branch_id, value=total) if u.pk != by.pk]
        _notify(
            recipients=approvers,
            key=f"grant-approval:{grant.pk}",
            title=_("%(kind)s待核准：%(title)s %(value)s")
            % {"kind": grant_kind.label, "title": grant.title, "value": ntd(value)},
            body=_(
                "%(who)s 提出%(kind)s %(value)s，%(scope)s %(total)s，超過其授權上限 %(limit)s，"
                "請核准或駁回。"
            )
            % {
                "who": by,
                "kind": grant_kind.label,
                "value": ntd(value),
                "scope": grant.get_scope_display(),
                "total": ntd(total),
                "limit": limit_display(limit),
            }
            + (f"\n{detail}" if detail else ""),
            url=grant_kind.url(grant),
        )
    return grant


def decide_refusal(user: User, grant: Grant, *, scope_total: int | None = None) -> str | None:
    """Why this user may not decide this grant, or None when they may. The limit must cover
    the scope's total with this grant: `scope_total` as it stands now (the decision reads it
    under lock), the grant's own when not given (a page showing the request)."""
    label = kind_get(grant.kind).label
    if grant.requested_by_id == user.pk:
        return _("不可核准自己提出的%(kind)s申請。") % {"kind": label}
    limit = user_authority_limit(user)
    total = max(grant.scope_total if scope_total is None else scope_total, grant.value)
    if limit_covers(limit, total):
        return None
    if total == grant.value:
        return _("您的授權上限為 %(limit)s，不足以核准 %(value)s 的%(kind)s。") % {
            "limit": limit_display(limit),
            "value": ntd(grant.value),
            "kind": label,
        }
    if grant.scope == Scope.CASE:
        return _(
            "您的授權上限為 %(limit)s，不足以核准此筆 %(value)s：本案%(kind)s累計將達 %(total)s。"
        ) % {
            "limit": limit_display(limit),
            "value": ntd(grant.value),
            "kind": label,
            "total": ntd(total),
        }
    return _(
        "您的授權上限為 %(limit)s，不足以核准此筆 %(value)s：此客戶 30 日內累計將達 %(total)s。"
    ) % {"limit": limit_display(limit), "value": ntd(grant.value), "total": ntd(total)}


@transaction.atomic
def grant_decide(*, grant: Grant, approve: bool, note: str = "", by: User) -> Grant:
    """The approver approves or rejects (a rejection says why); the kind's record follows in
    the same transaction. Two approvers at once: the second finds it decided."""
    if not user_may_see_branch(by, grant.branch_id):
        raise PermissionDenied(_("您沒有此院所的權限。"))
    grant_kind = kind_get(grant.kind)
    _lock_scope(grant_kind, grant)
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    if not grant.is_pending:
        raise GrantRefused(
            _("此申請已由 %(who)s 於 %(when)s %(decision)s。")
            % {
                "who": grant.decided_by,
                "when": timezone.localtime(grant.decided_at).strftime("%Y-%m-%d %H:%M"),
                "decision": grant.get_state_display(),
            }
        )
    total = (
        scope_approved_total(
            scope=grant.scope, case_key=grant.case_key, customer_id=grant.customer_id
        )
        + grant.value
    )
    refusal = decide_refusal(by, grant, scope_total=total)
    if refusal:
        raise PermissionDenied(refusal)
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("駁回時請說明理由。")})
    grant.state = GrantState.APPROVED if approve else GrantState.REJECTED
    grant.decided_by = by
    grant.decided_at = timezone.now()
    grant.note = note
    _save(grant, by=by)
    grant_kind.decided(grant, approve, by)
    _notify(
        recipients=[grant.requested_by],
        key=f"grant-approval:{grant.pk}:decided",
        title=_("%(kind)s%(decision)s：%(title)s %(value)s")
        % {
            "kind": grant_kind.label,
            "decision": grant.get_state_display(),
            "title": grant.title,
            "value": ntd(grant.value),
        },
        body=note,
        url=grant_kind.url(grant),
    )
    return grant
