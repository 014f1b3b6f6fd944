"""The daily worklist (每日待辦): whom to contact today, and why.

Five kinds of line, each read with one query however many lines it yields:
contact plans due or overdue, birthdays in the coming week, packages to renew, efficacy
follow-ups a week after a package's first session, and care after a negative contact.
Lines that no plan stands behind (all but the first kind) disappear once a contact plan of
the matching purpose is recorded — `services.worklist_contact_log` records one, done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careloop.accounts.models import RoleCode, User
from careloop.accounts.permissions import (
    Capability,
    require,
    user_branch_ids,
    user_has_role,
)
from careloop.compensation.selectors import approvals_pending_for
from careloop.customers.models import (
    ContactPlan,
    ContactPurpose,
    Customer,
    Interaction,
    Reaction,
)
from careloop.customers.selectors import customer_get_for_user
from careloop.grants.models import Grant
from careloop.treatments.models import Purchase, PurchaseKind

BIRTHDAY_DAYS_AHEAD = 7
RENEWAL_SESSIONS_LEFT = 2
RENEWAL_DAYS_BEFORE_EXPIRY = 30
EFFICACY_AFTER_DAYS = 7
EFFICACY_WITHIN_DAYS = 30
# A negative contact older than this is history, not a call to make today.
CARE_WITHIN_DAYS = 90


class WorkKind(StrEnum):
    PLAN = "plan"
    BIRTHDAY = "birthday_greeting"
    RENEWAL = "renewal_reminder"
    EFFICACY = "efficacy_follow_up"
    CARE = "care"

    @property
    def label(self) -> str:
        return str(_KIND_LABELS[self])

    @property
    def purpose(self) -> str | None:
        """The contact-plan purpose that records a line of this kind as handled."""
        return _KIND_PURPOSES.get(self)


_KIND_LABELS = {
    WorkKind.PLAN: gettext_lazy("到期聯繫計劃"),
    WorkKind.BIRTHDAY: gettext_lazy("生日祝福"),
    WorkKind.RENEWAL: gettext_lazy("續約提醒"),
    WorkKind.EFFICACY: gettext_lazy("療效追蹤"),
    WorkKind.CARE: gettext_lazy("關懷"),
}
_KIND_PURPOSES = {
    WorkKind.BIRTHDAY: ContactPurpose.BIRTHDAY_GREETING,
    WorkKind.RENEWAL: ContactPurpose.RENEWAL_REMINDER,
    WorkKind.EFFICACY: ContactPurpose.EFFICACY_FOLLOW_UP,
    WorkKind.CARE: ContactPurpose.ROUTINE_CARE,
}
KIND_ORDER = list(WorkKind)
KIND_CHOICES = [(kind.value, _KIND_LABELS[kind]) for kind in WorkKind]


class Scope(StrEnum):
    MINE = "mine"
    TEAM = "team"
    BRANCH = "branch"

    @property
    def label(self) -> str:
        return str(_SCOPE_LABELS[self])


_SCOPE_LABELS = {
    Scope.MINE: gettext_lazy("我的"),
    Scope.TEAM: gettext_lazy("我的團隊"),
    Scope.BRANCH: gettext_lazy("全院"),
}


@dataclass(frozen=True)
class WorkItem:
    kind: WorkKind
    customer: Customer
    reason: str
    due: dt.date
    assignee: User | None
    plan: ContactPlan | None = None
    # What the line is about: the package's name for renewals and follow-ups.
    detail: str = ""
    # The row behind the line (plan, purchase or interaction), to tell two lines apart.
    ref: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.customer.pk}-{self.ref}"

    @property
    def kind_label(self) -> str:
        return self.kind.label


def worklist_scopes(*, user: User) -> list[Scope]:
    """The scopes a user may pick: everyone their own; department heads their team and
    branch; senior management the branch (every branch they see)."""
    scopes = [Scope.MINE]
    if user_has_role(user, RoleCode.DEPARTMENT_HEAD):
        scopes.append(Scope.TEAM)
    if user_has_role(user, RoleCode.DEPARTMENT_HEAD, RoleCode.SENIOR_MANAGEMENT):
        scopes.append(Scope.BRANCH)
    return scopes


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _md(day: dt.date) -> str:
    return f"{day.month}/{day.day}"


class _Lines:
    """Filters shared by the five queries: the user's branches and the people in scope."""

    def __init__(self, *, user: User, scope: Scope):
        self.branch_ids = user_branch_ids(user)
        self.user = user
        self.scope = scope

    def customers(self, prefix: str = "customer__") -> Q:
        if self.branch_ids is None:
            return Q()
        return Q(**{f"{prefix}branch_id__in": self.branch_ids})

    def people(self, field: str) -> Q:
        if self.scope == Scope.MINE:
            return Q(**{field: self.user.pk})
        if self.scope == Scope.TEAM:
            if self.user.department_id is None:
                return Q(**{field: self.user.pk})
            team = User.objects.filter(department_id=self.user.department_id, is_active=True)
            if self.branch_ids is not None:
                team = team.filter(home_branch_id__in=self.branch_ids)
            return Q(**{field: self.user.pk}) | Q(**{f"{field}__in": team.values("pk")})
        return Q()

    def responsible(self, first: str, second: str) -> Q:
        """The customer is the scope's when `first` is in it, or, having no `first`, when
        `second` is (COALESCE(first, second) in scope). Written out as an OR, each side can
        use its person's index: a COALESCE would scan every customer of the branch."""
        if self.scope == Scope.BRANCH:
            return Q()
        return self.people(first) | (Q(**{f"{first}__isnull": True}) & self.people(second))


def _sales_person(customer: Customer) -> User | None:
    return customer.sales_consultant or customer.primary_therapist


def _therapist(customer: Customer) -> User | None:
    return customer.primary_therapist or customer.sales_consultant


_CUSTOMER_PEOPLE = ("customer__sales_consultant", "customer__primary_therapist")
# Who follows a line up: renewals and birthdays go to the sales consultant first, efficacy and
# care to the primary therapist first; either falls back to the other.
_SALES_FIRST = _CUSTOMER_PEOPLE
_THERAPIST_FIRST = ("customer__primary_therapist", "customer__sales_consultant")


def _plan_lines(lines: _Lines, today: dt.date) -> list[WorkItem]:
    plans = (
        ContactPlan.objects.filter(lines.customers(), lines.people("assignee"))
        .filter(done=False, due_date__lte=today)
        .select_related("customer", "assignee")
    )
    items = []
    for plan in plans:
        purpose = plan.purpose_other or plan.get_purpose_display()
        late = (today - plan.due_date).days
        reason = (
            _("逾期 %(days)d 天：%(purpose)s") % {"days": late, "purpose": purpose}
            if late
            else _("今天：%(purpose)s") % {"purpose": purpose}
        )
        items.append(
            WorkItem(
                WorkKind.PLAN,
                plan.customer,
                reason,
                plan.due_date,
                plan.assignee,
                plan=plan,
                ref=plan.pk,
            )
        )
    return items


def _birthday_on(birthday: dt.date, window: list[dt.date]) -> dt.date | None:
    """The day in the window when this birthday is celebrated. A 2/29 birthday falls on
    2/28 in a common year, the last day of the month the customer was born in."""
    for day in window:
        if (day.month, day.day) == (birthday.month, birthday.day):
            return day
        if (birthday.month, birthday.day) == (2, 29) and (day.month, day.day) == (2, 28):
            next_day = day + dt.timedelta(days=1)
            if next_day.month == 3:
                return day
    return None


def _birthday_lines(lines: _Lines, today: dt.date) -> list[WorkItem]:
    window = [today + dt.timedelta(days=n) for n in range(BIRTHDAY_DAYS_AHEAD + 1)]
    month_days = {day.month * 100 + day.day for day in window}
    if any((d.month, d.day) == (2, 28) and (d + dt.timedelta(days=1)).month == 3 for d in window):
        month_days.add(229)  # celebrated on 2/28 in a common year
    on_days = Q(birthday_md__in=sorted(month_days))
    # A greeting planned or sent this past week still counts, so one logged days before the
    # birthday keeps the line away until the day itself.
    since = today - dt.timedelta(days=BIRTHDAY_DAYS_AHEAD)
    greeted = ContactPlan.objects.filter(
        customer=OuterRef("pk"), purpose=ContactPurpose.BIRTHDAY_GREETING
    ).filter(
        Q(due_date__gte=since, due_date__lte=window[-1]) | Q(done=True, done_at__date__gte=since)
    )
    customers = (
        Customer.objects.filter(lines.customers(prefix=""), on_days)
        .filter(lines.responsible("sales_consultant", "primary_therapist"))
        .filter(~Exists(greeted))
        .select_related("sales_consultant", "primary_therapist")
    )
    items = []
    for customer in customers:
        day = _birthday_on(customer.birthday, window)
        if day is None:  # pragma: no cover - the query matched only days in the window
            continue
        days = (day - today).days
        reason = (
            _("今天生日")
            if days == 0
            else _("%(date)s 生日（%(days)d 天後）") % {"date": _md(day), "days": days}
        )
        items.append(WorkItem(WorkKind.BIRTHDAY, customer, reason, day, _sales_person(customer)))
    return items


def _open_packages() -> QuerySet[Purchase]:
    cancelled = Purchase.objects.filter(reverses=OuterRef("pk"), kind=PurchaseKind.CANCELLATION)
    return Purchase.objects.filter(kind=PurchaseKind.SALE, package__isnull=False).filter(
        ~Exists(cancelled)
    )


def _plan_since(purpose: str, date_field: str) -> Exists:
    """A plan of this purpose for the purchase's customer, created on or after that date."""
    return Exists(
        ContactPlan.objects.annotate(created_on=TruncDate("created_at"))
        .filter(customer=OuterRef("customer"), purpose=purpose)
        .filter(created_on__gte=OuterRef(date_field))
    )


def _renewal_lines(lines: _Lines, today: dt.date) -> list[WorkItem]:
    soon = today + dt.timedelta(days=RENEWAL_DAYS_BEFORE_EXPIRY)
    purchases = (
        _open_packages()
        .filter(lines.customers())
        .filter(sessions_remaining__gte=1)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .filter(Q(sessions_remaining__lte=RENEWAL_SESSIONS_LEFT) | Q(expires_on__lte=soon))
        .filter(lines.responsible(*_SALES_FIRST))
        .filter(~_plan_since(ContactPurpose.RENEWAL_REMINDER, "purchased_on"))
        .select_related("customer", *_CUSTOMER_PEOPLE)
    )
    items = []
    for purchase in purchases:
        parts = []
        if purchase.sessions_remaining <= RENEWAL_SESSIONS_LEFT:
            parts.append(_("剩 %(n)d 堂") % {"n": purchase.sessions_remaining})
        if purchase.expires_on and purchase.expires_on <= soon:
            parts.append(_("%(date)s 到期") % {"date": _md(purchase.expires_on)})
        items.append(
            WorkItem(
                WorkKind.RENEWAL,
                purchase.customer,
                "、".join(parts),
                purchase.expires_on or today,
                _sales_person(purchase.customer),
                detail=purchase.item_name,
                ref=purchase.pk,
            )
        )
    return items


def _efficacy_lines(lines: _Lines, today: dt.date) -> list[WorkItem]:
    purchases = (
        _open_packages()
        .filter(lines.customers())
        .filter(
            first_session_on__lte=today - dt.timedelta(days=EFFICACY_AFTER_DAYS),
            first_session_on__gte=today - dt.timedelta(days=EFFICACY_WITHIN_DAYS),
        )
        .filter(lines.responsible(*_THERAPIST_FIRST))
        .filter(~_plan_since(ContactPurpose.EFFICACY_FOLLOW_UP, "first_session_on"))
        .select_related("customer", *_CUSTOMER_PEOPLE)
    )
    items = []
    for purchase in purchases:
        first = purchase.first_session_on
        reason = _("%(date)s 首次療程，已 %(days)d 天") % {
            "date": _md(first),
            "days": (today - first).days,
        }
        items.append(
            WorkItem(
                WorkKind.EFFICACY,
                purchase.customer,
                reason,
                first + dt.timedelta(days=EFFICACY_AFTER_DAYS),
                _therapist(purchase.customer),
                detail=purchase.item_name,
                ref=purchase.pk,
            )
        )
    return items


def _care_lines(lines: _Lines, today: dt.date) -> list[WorkItem]:
    since = today - dt.timedelta(days=CARE_WITHIN_DAYS)
    later = Interaction.objects.filter(customer=OuterRef("customer")).filter(
        Q(occurred_at__gt=OuterRef("occurred_at"))
        | Q(occurred_at=OuterRef("occurred_at"), pk__gt=OuterRef("pk"))
    )
    open_plan = ContactPlan.objects.filter(customer=OuterRef("customer"), done=False)
    # The worklist records a care call as a 常規關懷 plan made after the negative contact and
    # closed at once; a call that went badly again is then handled, and staff plan the next
    # step themselves. A routine plan made before the contact does not count.
    cared = ContactPlan.objects.filter(
        customer=OuterRef("customer"),
        purpose=ContactPurpose.ROUTINE_CARE,
        done=True,
        created_at__gte=OuterRef("occurred_at"),
    )
    interactions = (
        Interaction.objects.filter(
            lines.customers(), reaction=Reaction.NEGATIVE, occurred_at__gte=_day_start(since)
        )
        .filter(lines.responsible(*_THERAPIST_FIRST))
        .filter(~Exists(later), ~Exists(open_plan), ~Exists(cared))
        .select_related("customer", *_CUSTOMER_PEOPLE)
    )
    items = []
    for interaction in interactions:
        day = timezone.localtime(interaction.occurred_at).date()
        summary = interaction.summary.strip().replace("\n", " ")
        if len(summary) > 30:
            summary = summary[:30] + "…"
        reason = _("%(date)s 互動反應負面：%(summary)s") % {"date": _md(day), "summary": summary}
        items.append(
            WorkItem(
                WorkKind.CARE,
                interaction.customer,
                reason,
                day,
                _therapist(interaction.customer),
                ref=interaction.pk,
            )
        )
    return items


_READERS = {
    WorkKind.PLAN: _plan_lines,
    WorkKind.BIRTHDAY: _birthday_lines,
    WorkKind.RENEWAL: _renewal_lines,
    WorkKind.EFFICACY: _efficacy_lines,
    WorkKind.CARE: _care_lines,
}


def worklist_for(
    *, user: User, scope: str = Scope.MINE, today: dt.date | None = None
) -> list[WorkItem]:
    """Today's lines for the user, by kind, then the earliest due first.

    One query per kind, whatever the number of lines. Raises PermissionDenied for a scope the
    user may not pick (see `worklist_scopes`) and ValueError for one that does not exist.
    """
    require(user, Capability.CUSTOMER_VIEW)
    scope = Scope(scope)
    if scope not in worklist_scopes(user=user):
        raise PermissionDenied(_("您無法檢視此範圍的待辦清單。"))
    today = today or timezone.localdate()
    lines = _Lines(user=user, scope=scope)
    items: list[WorkItem] = []
    for kind in KIND_ORDER:
        found = _READERS[kind](lines, today)
        found.sort(key=lambda item: (item.due, item.customer.name, item.ref))
        items.extend(found)
    return items


@dataclass(frozen=True)
class WorkGroup:
    kind: WorkKind
    items: list[WorkItem]

    @property
    def label(self) -> str:
        return self.kind.label


def worklist_groups(items: list[WorkItem]) -> list[WorkGroup]:
    """The lines grouped by kind, in the worklist's order; empty kinds are left out."""
    by_kind: dict[WorkKind, list[WorkItem]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    return [WorkGroup(kind, by_kind[kind]) for kind in KIND_ORDER if kind in by_kind]


def worklist_line_get(
    *, user: User, customer_number: str, plan_id: int | None
) -> tuple[Customer, ContactPlan | None]:
    """The customer a line is about and its open plan, both checked against the user's
    branches: 404 when either is missing, not this customer's, or outside them."""
    customer = customer_get_for_user(user=user, number=customer_number)
    if plan_id is None:
        return customer, None
    plan = (
        ContactPlan.objects.select_related("customer")
        .filter(pk=plan_id, customer=customer, done=False)
        .first()
    )
    if plan is None:
        raise Http404(_("找不到這位客戶尚未完成的此項聯繫計劃。"))
    return customer, plan


def worklist_approvals(*, user: User) -> list[Grant]:
    """Compensation approval requests waiting for this user (domain.md §4): above their
    granter's authority limit, within this user's, in their branches, not their own. A fixed
    number of queries whatever their number; kept apart from the contact lines and their
    count (`worklist_for` stays one query per kind)."""
    return approvals_pending_for(user=user)
