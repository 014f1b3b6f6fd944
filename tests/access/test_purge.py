"""Reads are kept CARELOOP_READ_LOG_DAYS (two years by default), then purged nightly."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from careloop.access.models import PersonalDataRead, ReadChannel, ReadKind
from careloop.access.services import reads_purge
from careloop.access.tasks import reads_purge_task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def read_days_ago(customer, user, days):
    return PersonalDataRead.objects.create(
        customer_id=customer.pk,
        user=user,
        at=timezone.now() - dt.timedelta(days=days),
        channel=ReadChannel.PAGE,
        kind=ReadKind.VIEW,
    )


def test_the_purge_deletes_reads_past_the_period_and_keeps_the_rest(branch_a, front_desk):
    customer = CustomerFactory(branch=branch_a)
    old = [read_days_ago(customer, front_desk, days) for days in (731, 900, 2000)]
    kept = [read_days_ago(customer, front_desk, days) for days in (0, 365, 729)]
    assert reads_purge_task.call_local() == len(old)
    assert set(PersonalDataRead.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    # and running it again deletes nothing more
    assert reads_purge() == 0


@override_settings(CARELOOP_READ_LOG_DAYS=30)
def test_the_period_comes_from_settings(branch_a, front_desk):
    customer = CustomerFactory(branch=branch_a)
    read_days_ago(customer, front_desk, 31)
    read_days_ago(customer, front_desk, 29)
    assert reads_purge() == 1
