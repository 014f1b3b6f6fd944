"""Reads of the customer record shared by pages and the API.

Every function takes the requesting user and only returns what that user's branches allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import (
    Capability,
    require,
    user_branch_ids,
    user_may_see_branch,
)
from careloop.core.phones import phone_digits, phone_normalize
from careloop.customers.models import (
    Anniversary,
    ContactPlan,
    Customer,
    CustomerType,
    ImportantEvent,
    Interaction,
    NeedsProfile,
    SatisfactionRecord,
    SignOff,
    SignOffKind,
)
from careloop.treatments.models import Purchase, SessionUse

if TYPE_CHECKING:
    from careloop.treatments.selectors import CustomerTreatments

_CUSTOMER_NUMBER = re.compile(r"^[Cc]\d{1,7}$")
_PHONE_FRAGMENT = re.compile(r"^[\d\s\-()+]+$")


@dataclass(frozen=True)
class CustomerFilters:
    query: str = ""
    customer_type: str = ""
    branch_id: int | None = None
    therapist_id: int | None = None
    consultant_id: int | None = None
    source: str = ""


def customers_visible_to(*, user: User) -> QuerySet[Customer]:
    require(user, Capability.CUSTOMER_VIEW)
    customers = Customer.objects.all()
    branch_ids = user_branch_ids(user)
    if branch_ids is not None:
        customers = customers.filter(branch_id__in=branch_ids)
    return customers


def _query_condition(query: str) -> Q:
    """Name fragment, phone in any format (or its last digits), or customer number."""
    query = query.strip()
    e164 = phone_normalize(query)
    if e164:
        return Q(phone=e164)
    if _CUSTOMER_NUMBER.match(query):
        digits = query[1:]
        return Q(number=f"C{int(digits):07d}") | Q(name__icontains=query)
    digits = phone_digits(query)
    if len(digits) >= 4 and _PHONE_FRAGMENT.match(query):
        # Part of a number, such as the last four digits someone reads out on the phone.
        condition = Q(phone__contains=digits)
        if digits.startswith("0"):
            # The domestic leading 0 (0912-345…) is not in the stored +886 form.
            condition |= Q(phone__startswith=f"+886{digits[1:]}")
        return condition
    return _name_condition(query)


def _name_condition(fragment: str) -> Q:
    """Names containing the fragment. Chinese has no letter case, so a fragment without any
    is matched as it is: `icontains` wraps the column in UPPER(), which PostgreSQL can only
    guess at and then plans badly (34 ms against 1 ms for a branch's first page)."""
    if fragment.upper() == fragment.lower():
        return Q(name__contains=fragment)
    return Q(name__icontains=fragment)


def customer_search(*, user: User, filters: CustomerFilters) -> QuerySet[Customer]:
    customers = customers_visible_to(user=user)
    if filters.query.strip():
        customers = customers.filter(_query_condition(filters.query))
    if filters.customer_type:
        customers = customers.filter(customer_type=filters.customer_type)
    if filters.branch_id:
        customers = customers.filter(branch_id=filters.branch_id)
    if filters.therapist_id:
        customers = customers.filter(primary_therapist_id=filters.therapist_id)
    if filters.consultant_id:
        customers = customers.filter(sales_consultant_id=filters.consultant_id)
    if filters.source:
        customers = customers.filter(source=filters.source)
    return customers.select_related("branch", "primary_therapist", "sales_consultant").order_by(
        "-created_at", "-id"
    )


def customer_get_for_user(*, user: User, number: str) -> Customer:
    """The customer, or 404 when it does not exist or lies outside the user's branches."""
    customer = (
        customers_visible_to(user=user)
        .select_related(
            "branch", "primary_therapist", "sales_consultant", "created_by", "referrer", "needs"
        )
        .filter(number=number)
        .first()
    )
    if customer is None:
        raise Http404(_("找不到此客戶。"))
    return customer


def customer_likely_duplicates(
    *, user: User, phone: str, name: str, birthday: date | None, exclude_id: int | None = None
) -> list[Customer]:
    """Same phone, or same name and birthday, anywhere in the chain.

    The check spans every branch on purpose — the same person visiting a second clinic is the
    duplicate we most want to catch. Each candidate carries `visible_to_user`; callers show
    only the number and branch of one the user may not open.
    """
    condition = Q()
    if phone:
        condition |= Q(phone=phone)
    if name and birthday:
        condition |= Q(name=name.strip(), birthday=birthday)
    if not condition:
        return []
    candidates = Customer.objects.filter(condition).select_related("branch")
    if exclude_id:
        candidates = candidates.exclude(pk=exclude_id)
    found = list(candidates.order_by("number")[:5])
    for candidate in found:
        candidate.visible_to_user = user_may_see_branch(user, candidate.branch_id)
    return found


@dataclass(frozen=True)
class TypeSuggestion:
    customer_type: str
    reason: str

    @property
    def label(self) -> str:
        return str(CustomerType(self.customer_type).label)


def customer_type_suggest(
    *, current_type: str, last_activity: date | None, today: date, lost_after_days: int
) -> TypeSuggestion:
    """domain.md §2: no purchase → 潛在; activity within the threshold → 現有; else 流失.

    `last_activity` is the latest purchase or visit; None means the customer never bought.
    VIP is decided by a person or a loyalty tier, so it is never suggested away.
    """
    if current_type == CustomerType.VIP:
        return TypeSuggestion(CustomerType.VIP, _("VIP 由忠誠度等級或主管決定，維持不變。"))
    if last_activity is None:
        return TypeSuggestion(CustomerType.PROSPECT, _("尚無購買或到診記錄。"))
    days = (today - last_activity).days
    if days <= lost_after_days:
        return TypeSuggestion(
            CustomerType.CURRENT,
            _("最近一次購買或到診在 %(days)d 天前（%(limit)d 天內）。")
            % {"days": days, "limit": lost_after_days},
        )
    return TypeSuggestion(
        CustomerType.LOST,
        _("已 %(days)d 天沒有購買或到診（超過 %(limit)d 天）。")
        % {"days": days, "limit": lost_after_days},
    )


def customer_last_activity(
    *, customer: Customer, purchases: list[Any] | None = None
) -> date | None:
    """The latest purchase (a sale) or visit (a session used): one query.

    Pass `purchases` when the caller has already read them with
    `treatments.selectors.customer_purchases`, to save the query."""
    from careloop.treatments.selectors import customer_purchases, purchases_last_activity

    if purchases is None:
        purchases = customer_purchases(customer=customer)
    return purchases_last_activity(purchases)


def customer_type_suggestion(
    *, customer: Customer, purchases: list[Any] | None = None
) -> TypeSuggestion:
    return customer_type_suggest(
        current_type=customer.customer_type,
        last_activity=customer_last_activity(customer=customer, purchases=purchases),
        today=timezone.localdate(),
        lost_after_days=settings.CARELOOP_LOST_CUSTOMER_DAYS,
    )


@dataclass
class HistoryEntry:
    at: datetime
    user: User | None
    kind: str  # 新增 / 修改 / 刪除
    subject: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


_HISTORY_VERBS = {"+": _("新增"), "~": _("修改"), "-": _("刪除")}
_HISTORY_SKIP = {
    "id",
    "updated_at",
    "created_at",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
}


def _field_diffs(model: type, older: Any, newer: Any) -> list[tuple[str, Any, Any]]:
    diffs = []
    for f in model._meta.concrete_fields:
        if f.attname in _HISTORY_SKIP or f.name in _HISTORY_SKIP:
            continue
        before, after = getattr(older, f.attname), getattr(newer, f.attname)
        if before != after:
            diffs.append((str(f.verbose_name), before, after))
    return diffs


def customer_history(
    *, customer: Customer, sign_offs: list[SignOff] | None = None, limit: int = 40
) -> list[HistoryEntry]:
    """Every change to the customer and its records, newest first: one query per table.

    Pass `sign_offs` when the caller has already read them, to save a query."""
    entries: list[HistoryEntry] = []
    own = list(customer.history.select_related("history_user").order_by("history_date"))
    previous = None
    for record in own:
        changes = _field_diffs(Customer, previous, record) if previous is not None else []
        if previous is None or changes:
            entries.append(
                HistoryEntry(
                    record.history_date,
                    record.history_user,
                    _HISTORY_VERBS[record.history_type],
                    _("客戶基本資料"),
                    changes,
                )
            )
        previous = record
    for model, label in (
        (NeedsProfile, _("客戶需求與期望")),
        (Interaction, _("互動記錄")),
        (SatisfactionRecord, _("滿意度記錄")),
        (ImportantEvent, _("重要事件")),
        (ContactPlan, _("下次聯繫計劃")),
        (Anniversary, _("紀念日")),
        (Purchase, _("療程/服務購買記錄")),
        (SessionUse, _("使用堂數")),
    ):
        records = (
            model.history.filter(customer_id=customer.pk)
            .select_related("history_user")
            .order_by("-history_date")[:limit]
        )
        for record in records:
            entries.append(
                HistoryEntry(
                    record.history_date,
                    record.history_user,
                    _HISTORY_VERBS[record.history_type],
                    str(label),
                )
            )
    # Sign-offs are never edited, so the rows themselves are their history.
    if sign_offs is None:
        sign_offs = list(customer.sign_offs.select_related("signed_by").order_by("-signed_at"))
    for sign_off in sign_offs[:limit]:
        entries.append(
            HistoryEntry(
                sign_off.signed_at, sign_off.signed_by, _("完成"), sign_off.get_kind_display()
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


@dataclass
class CustomerPage:
    customer: Customer
    needs: NeedsProfile | None
    interactions: list[Interaction]
    open_plans: list[ContactPlan]
    done_plans: list[ContactPlan]
    satisfaction: list[SatisfactionRecord]
    events: list[ImportantEvent]
    recorder_sign_off: SignOff | None
    supervisor_sign_off: SignOff | None
    history: list[HistoryEntry] | None  # None: the page loads it when it is scrolled to
    anniversaries: list[Anniversary]
    type_suggestion: TypeSuggestion
    duplicates: list[Customer]
    treatments: CustomerTreatments
    interaction_count: int = 0
    interactions_more: bool = False  # older interactions than those in `interactions` exist


# The customer page shows this many interactions, newest first, and loads older ones on request;
# PT-F025 and the API read them all.
TIMELINE_PAGE_SIZE = 20


def customer_interactions(*, customer: Customer) -> list[Interaction]:
    return list(customer.interactions.select_related("staff"))


@dataclass
class TimelineSlice:
    interactions: list[Interaction]
    more: bool  # older ones remain after the last of `interactions`


def customer_timeline(
    *, customer: Customer, before: int | None = None, limit: int = TIMELINE_PAGE_SIZE
) -> TimelineSlice:
    """The customer's interactions newest first, `limit` at a time, by keyset.

    `before` is the id of the last interaction already shown; one that is not this customer's
    raises Http404. Reading one row more than asked tells whether older ones remain."""
    interactions = customer.interactions.select_related("staff")
    if before is not None:
        cursor = customer.interactions.filter(pk=before).values_list("occurred_at", flat=True)
        occurred_at = cursor.first()
        if occurred_at is None:
            raise Http404
        interactions = interactions.filter(
            Q(occurred_at__lt=occurred_at) | Q(occurred_at=occurred_at, pk__lt=before)
        )
    rows = list(interactions.order_by("-occurred_at", "-id")[: limit + 1])
    return TimelineSlice(interactions=rows[:limit], more=len(rows) > limit)


def customer_satisfaction(*, customer: Customer) -> list[SatisfactionRecord]:
    return list(customer.satisfaction_records.select_related("recorded_by"))


def customer_events(*, customer: Customer) -> list[ImportantEvent]:
    return list(customer.important_events.select_related("recorded_by"))


def customer_contact_plans(*, customer: Customer) -> tuple[list[ContactPlan], list[ContactPlan]]:
    """Open plans soonest first, and the 20 latest done ones."""
    plans = list(
        customer.contact_plans.select_related("assignee", "fulfilled_by").order_by(
            "done", "due_date", "id"
        )
    )
    return [p for p in plans if not p.done], [p for p in plans if p.done][:20]


def customer_page(
    *,
    customer: Customer,
    user: User,
    with_history: bool = False,
    interactions_limit: int | None = None,
) -> CustomerPage:
    """The whole story of one customer, in a fixed number of queries however long it is.

    The change history is nine queries over history tables that only grow; the page shows it
    when it is scrolled to (`customer_history`), so it is read here only on request. With
    `interactions_limit` only the newest interactions are read, and the rest counted."""
    from careloop.treatments.selectors import customer_purchases, customer_treatments

    if interactions_limit is None:
        interactions = customer_interactions(customer=customer)
        more, count = False, len(interactions)
    else:
        timeline = customer_timeline(customer=customer, limit=interactions_limit)
        interactions, more = timeline.interactions, timeline.more
        count = customer.interactions.count()
    open_plans, done_plans = customer_contact_plans(customer=customer)
    sign_offs = list(customer.sign_offs.select_related("signed_by").order_by("-signed_at"))
    try:
        needs = customer.needs
    except NeedsProfile.DoesNotExist:
        needs = None
    purchases = customer_purchases(customer=customer)
    return CustomerPage(
        customer=customer,
        needs=needs,
        interactions=interactions,
        interaction_count=count,
        interactions_more=more,
        open_plans=open_plans,
        done_plans=done_plans,
        satisfaction=customer_satisfaction(customer=customer),
        events=customer_events(customer=customer),
        recorder_sign_off=next((s for s in sign_offs if s.kind == SignOffKind.RECORDER), None),
        supervisor_sign_off=next((s for s in sign_offs if s.kind == SignOffKind.SUPERVISOR), None),
        history=customer_history(customer=customer, sign_offs=sign_offs) if with_history else None,
        anniversaries=list(customer.anniversaries.all()),
        type_suggestion=customer_type_suggestion(customer=customer, purchases=purchases),
        treatments=customer_treatments(customer=customer, needs=needs, purchases=purchases),
        duplicates=customer_likely_duplicates(
            user=user,
            phone=customer.phone,
            name=customer.name,
            birthday=customer.birthday,
            exclude_id=customer.pk,
        ),
    )


def staff_choices(*, user: User, role: str | None = None) -> QuerySet[User]:
    """Active staff of the branches the user sees, for pickers and filters."""
    staff = User.objects.filter(is_active=True)
    branch_ids = user_branch_ids(user)
    if branch_ids is not None:
        staff = staff.filter(home_branch_id__in=branch_ids)
    if role:
        staff = staff.filter(roles__code=role)
    return staff.order_by("full_name").distinct()


# --- 個資法 §11: a customer who asked to stop processing -------------------------------------
# One rule, read by the survey sending and by every marketing consent check (campaigns later),
# so a stop takes effect everywhere at once (careloop/privacy records the request).

MARKETING_CHANNELS = ("sms", "email", "line")


def customer_processing_allowed(*, customer: Customer | None) -> bool:
    """False once the customer asked us to stop processing their data (surveys, marketing).
    A complainant who is no customer record has no stop to honour."""
    return customer is None or customer.processing_stopped_at is None


def customer_marketing_allowed(*, customer: Customer, channel: str) -> bool:
    """Marketing on `channel` (sms, email, line): the customer's own tick and no stop."""
    if channel not in MARKETING_CHANNELS:
        raise ValueError(f"unknown marketing channel {channel!r}")
    return customer_processing_allowed(customer=customer) and bool(
        getattr(customer, f"consent_{channel}")
    )


def customers_marketing_reachable(
    *, customers: QuerySet[Customer], channel: str
) -> QuerySet[Customer]:
    """The same rule as a filter, for a campaign's segment."""
    if channel not in MARKETING_CHANNELS:
        raise ValueError(f"unknown marketing channel {channel!r}")
    return customers.filter(processing_stopped_at__isnull=True, **{f"consent_{channel}": True})
