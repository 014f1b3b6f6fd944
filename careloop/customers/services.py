"""Writes to the customer record. Each one checks who may make it and keeps its history.

Callers (pages, API, admin actions, tasks) parse input with the forms in `forms.py` and pass
cleaned values here; the rules themselves live only in this module.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_may_see_branch
from careloop.core.sequences import sequence_next
from careloop.customers.models import (
    Anniversary,
    ContactPlan,
    Customer,
    ImportantEvent,
    Interaction,
    NeedsProfile,
    SatisfactionRecord,
    SignOff,
    SignOffKind,
)
from careloop.customers.selectors import customer_likely_duplicates

CUSTOMER_NUMBER_PREFIX = "C"


class LikelyDuplicate(Exception):
    """Raised before saving a customer who is probably already on file."""

    def __init__(self, candidates: list[Customer]):
        super().__init__(_("可能已有相同的客戶資料。"))
        self.candidates = candidates


class SignOffRefused(Exception):
    pass


def _check_branch(user: User, branch_id: int | None) -> None:
    from django.core.exceptions import PermissionDenied

    if not user_may_see_branch(user, branch_id):
        raise PermissionDenied(_("您沒有此院所的權限。"))


def _save(instance: Any, *, by: User) -> None:
    instance._history_user = by
    instance.full_clean()
    instance.save()


def customer_number_next() -> str:
    return customer_numbers_next(count=1)[0]


def customer_numbers_next(*, count: int) -> list[str]:
    """`count` consecutive 客戶編號, reserved in one step (bulk imports)."""
    last = sequence_next(key="customer", count=count)
    return [f"{CUSTOMER_NUMBER_PREFIX}{n:07d}" for n in range(last - count + 1, last + 1)]


@transaction.atomic
def customer_create(*, values: dict[str, Any], by: User, allow_duplicate: bool = False) -> Customer:
    """Create a customer; raises LikelyDuplicate unless the user confirmed it is a new person."""
    require(by, Capability.CUSTOMER_EDIT)
    customer = Customer(**values, created_by=by)
    _check_branch(by, customer.branch_id)
    if not allow_duplicate:
        candidates = customer_likely_duplicates(
            user=by, phone=customer.phone, name=customer.name, birthday=customer.birthday
        )
        if candidates:
            raise LikelyDuplicate(candidates)
    customer.number = customer_number_next()
    _save(customer, by=by)
    needs = NeedsProfile(customer=customer, updated_by=by)
    needs._history_user = by
    needs.save()
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, values: dict[str, Any], by: User) -> Customer:
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, customer.branch_id)
    for field, value in values.items():
        setattr(customer, field, value)
    _check_branch(by, customer.branch_id)
    _save(customer, by=by)
    return customer


@transaction.atomic
def needs_update(*, customer: Customer, values: dict[str, Any], by: User) -> NeedsProfile:
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, customer.branch_id)
    needs, _created = NeedsProfile.objects.get_or_create(customer=customer)
    for field, value in values.items():
        setattr(needs, field, value)
    needs.updated_by = by
    _save(needs, by=by)
    return needs


@transaction.atomic
def interaction_add(
    *,
    customer: Customer,
    values: dict[str, Any],
    by: User,
    fulfils: ContactPlan | None = None,
    next_plan: dict[str, Any] | None = None,
) -> Interaction:
    """Log a contact. When it answers a contact plan, that plan is closed with it; when the
    follow-up calls for another contact, `next_plan` schedules it in the same transaction."""
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, customer.branch_id)
    values = {"staff": by, **{k: v for k, v in values.items() if v is not None}}
    interaction = Interaction(customer=customer, created_by=by, **values)
    _save(interaction, by=by)
    if fulfils is not None:
        if fulfils.customer_id != customer.pk:
            raise ValidationError({"fulfils": _("此聯繫計劃不屬於這位客戶。")})
        contact_plan_complete(plan=fulfils, by=by, interaction=interaction)
    if next_plan:
        contact_plan_add(customer=customer, values=next_plan, by=by)
    return interaction


@transaction.atomic
def contact_plan_add(*, customer: Customer, values: dict[str, Any], by: User) -> ContactPlan:
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, customer.branch_id)
    values = {"assignee": by, **{k: v for k, v in values.items() if v is not None}}
    plan = ContactPlan(customer=customer, created_by=by, **values)
    _save(plan, by=by)
    return plan


@transaction.atomic
def contact_plan_complete(
    *, plan: ContactPlan, by: User, interaction: Interaction | None = None
) -> ContactPlan:
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, plan.customer.branch_id)
    if plan.done:
        return plan
    plan.done = True
    plan.done_at = timezone.now()
    plan.fulfilled_by = interaction
    _save(plan, by=by)
    return plan


@transaction.atomic
def satisfaction_add(*, customer: Customer, values: dict[str, Any], by: User) -> SatisfactionRecord:
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, customer.branch_id)
    record = SatisfactionRecord(customer=customer, recorded_by=by, **values)
    _save(record, by=by)
    return record


@transaction.atomic
def important_event_add(*, customer: Customer, values: dict[str, Any], by: User) -> ImportantEvent:
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, customer.branch_id)
    event = ImportantEvent(customer=customer, recorded_by=by, **values)
    _save(event, by=by)
    return event


@transaction.atomic
def anniversary_add(*, customer: Customer, values: dict[str, Any], by: User) -> Anniversary:
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, customer.branch_id)
    anniversary = Anniversary(customer=customer, **values)
    _save(anniversary, by=by)
    return anniversary


@transaction.atomic
def anniversary_remove(*, anniversary: Anniversary, by: User) -> None:
    require(by, Capability.CUSTOMER_EDIT)
    _check_branch(by, anniversary.customer.branch_id)
    anniversary._history_user = by
    anniversary.delete()


@transaction.atomic
def customer_sign_off(*, customer: Customer, kind: str, by: User, comment: str = "") -> SignOff:
    """記錄人員簽名 by whoever keeps the record; 主管審核簽名 by a supervisor, after it."""
    _check_branch(by, customer.branch_id)
    if kind not in SignOffKind.values:
        raise ValidationError({"kind": _("簽核類型不正確。")})
    if kind == SignOffKind.SUPERVISOR:
        require(by, Capability.CUSTOMER_REVIEW)
        recorders = customer.sign_offs.filter(kind=SignOffKind.RECORDER)
        if not recorders.exists():
            raise SignOffRefused(_("尚無記錄人員簽名，主管無法審核。"))
        # A review is a second pair of eyes: the recorder cannot approve their own record.
        if not recorders.exclude(signed_by=by).exists():
            raise SignOffRefused(_("主管審核須由記錄人員以外的主管簽名。"))
    else:
        require(by, Capability.CUSTOMER_EDIT)
    sign_off = SignOff(customer=customer, kind=kind, signed_by=by, comment=comment.strip())
    sign_off.full_clean()
    sign_off.save()
    return sign_off
