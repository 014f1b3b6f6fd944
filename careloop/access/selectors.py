"""Reads of the read log, shared by the pages and the API. Each checks that the user may see
the log (`rules.may_view_read_log`, else PermissionDenied) and answers only within the user's
branches (a customer or a reader outside them is 404, as everywhere else)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from careloop.access.models import PersonalDataRead
from careloop.access.rules import may_view_read_log
from careloop.accounts.models import User
from careloop.accounts.permissions import user_branch_ids, user_may_see_branch
from careloop.customers.models import Customer
from careloop.customers.selectors import customer_get_for_user


def read_log_require(*, user: User) -> None:
    if not may_view_read_log(user):
        raise PermissionDenied(_("只有部門主管、高級管理層與系統管理員可以查看查閱紀錄。"))


def read_log_customer_get(*, user: User, number: str) -> Customer:
    """The customer whose reads the user asks for: 403 for a role that may not see the log
    (checked first, so the answer does not tell whether the number exists), 404 outside the
    user's branches."""
    read_log_require(user=user)
    return customer_get_for_user(user=user, number=number)


def reads_of_customer(*, user: User, customer: Customer) -> QuerySet[PersonalDataRead]:
    """The customer's reads, newest first (the (customer, -at) index)."""
    read_log_require(user=user)
    if not user_may_see_branch(user, customer.branch_id):
        raise Http404
    return PersonalDataRead.objects.filter(customer_id=customer.pk).select_related("user")


def reader_get_for_user(*, user: User, reader_id: int) -> User:
    """A staff member whose reads the user may see: one of the user's branches is theirs."""
    read_log_require(user=user)
    reader = User.objects.filter(pk=reader_id).first()
    if reader is None or not user_may_see_branch(user, reader.home_branch_id):
        raise Http404(_("找不到這位員工。"))
    return reader


def reads_by_reader(*, user: User, reader: User) -> QuerySet[PersonalDataRead]:
    """What the reader read of customers in the user's branches, newest first (the (user, at)
    index).

    The reader's home branch being one of the user's says whose staff they are, not whose
    customers they read: a reader with an extra branch, a chain-wide role or an API token
    reads elsewhere too, and a head of branch A is not to learn which branch-B records were
    opened (nor that they exist). Senior management and administrators see every read; a
    read of a customer since erased has no branch left and shows to them alone.
    """
    read_log_require(user=user)
    if not user_may_see_branch(user, reader.home_branch_id):
        raise Http404
    reads = PersonalDataRead.objects.filter(user_id=reader.pk)
    branch_ids = user_branch_ids(user)
    if branch_ids is not None:
        reads = reads.filter(
            customer_id__in=Customer.objects.filter(branch_id__in=branch_ids).values("pk")
        )
    return reads.order_by("-at", "-pk")


def customer_numbers(*, customer_ids: Iterable[int]) -> dict[int, str]:
    """Customer numbers for a page of reads, in one query; an erased customer has none."""
    return dict(Customer.objects.filter(pk__in=set(customer_ids)).values_list("pk", "number"))
