"""A reader past the hourly limit is reported to their supervisors, once an hour."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from careloop.access.models import BulkReadAlert, PersonalDataRead, ReadChannel, ReadKind
from careloop.access.services import bulk_read_alerts_send
from careloop.access.tasks import bulk_read_alerts_task
from careloop.customers.models import Customer
from careloop.notifications.models import Notification
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def customers(n, branch):
    return CustomerFactory.create_batch(n, branch=branch)


def reads(user, people, *, minutes_ago=1, **values):
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    PersonalDataRead.objects.bulk_create(
        PersonalDataRead(
            customer_id=c.pk,
            user=user,
            at=at,
            channel=values.get("channel", ReadChannel.API),
            kind=ReadKind.LIST,
            api_token_label=values.get("api_token_label", ""),
        )
        for c in people
    )


def alerts_for(user):
    return Notification.objects.filter(recipient=user, key__startswith="access:bulk-read:")


def test_a_token_paging_through_201_customers_reaches_the_supervisors_notifications(
    client, branch_a, therapist_a, dept_head_a, senior, head_b, token_of
):
    # Given 201 customers, and a therapist's token paging through all of them within the hour
    customers(201, branch_a)
    api, token = token_of(therapist_a)
    for offset in (0, 100, 200):
        response = api.get("/api/v1/customers", {"limit": 100, "offset": offset})
        assert response.status_code == 200
    assert PersonalDataRead.objects.filter(api_token_id=token.pk).count() == 201
    # When the five-minute sweep runs (Huey runs it at once in tests)
    assert bulk_read_alerts_task.call_local() == 1
    # Then the branch's head and senior management are told, once, and nobody else
    for supervisor in (dept_head_a, senior):
        assert alerts_for(supervisor).count() == 1
    assert not alerts_for(head_b).exists()
    assert not alerts_for(therapist_a).exists()
    alert = alerts_for(dept_head_a).get()
    assert "201" in alert.title and str(therapist_a) in alert.title
    assert "排程整合" in alert.body
    assert alert.url == reverse("access:reader_reads", args=[therapist_a.pk])
    # and the head finds it in the notifications page, leading to the reader's reads
    client.force_login(dept_head_a)
    assert alert.title in client.get(reverse("notifications:list")).content.decode()
    assert client.get(alert.url).status_code == 200


def test_the_sweep_reports_a_reader_once_an_hour_not_every_five_minutes(
    branch_a, therapist_a, dept_head_a
):
    reads(therapist_a, customers(201, branch_a))
    assert bulk_read_alerts_send() == 1
    # five minutes later the reader is still past the limit: nobody is told again
    later = timezone.now() + dt.timedelta(minutes=5)
    reads(therapist_a, Customer.objects.all()[:1], minutes_ago=-5)
    assert bulk_read_alerts_send(now=later) == 0
    assert alerts_for(dept_head_a).count() == 1
    assert BulkReadAlert.objects.count() == 1


def test_200_customers_in_an_hour_is_within_the_limit(branch_a, therapist_a, dept_head_a):
    reads(therapist_a, customers(200, branch_a))
    # the same customers read again do not count twice
    reads(therapist_a, Customer.objects.all()[:50], minutes_ago=2)
    assert bulk_read_alerts_send() == 0
    assert not alerts_for(dept_head_a).exists()


def test_reads_older_than_an_hour_do_not_count(branch_a, therapist_a, dept_head_a):
    people = customers(201, branch_a)
    reads(therapist_a, people[:150], minutes_ago=61)
    reads(therapist_a, people[150:], minutes_ago=10)
    assert bulk_read_alerts_send() == 0


@override_settings(CARELOOP_BULK_READ_LIMIT=3)
def test_the_limit_comes_from_settings(branch_a, therapist_a, dept_head_a):
    reads(therapist_a, customers(4, branch_a), channel=ReadChannel.PAGE)
    assert bulk_read_alerts_send() == 1
    assert "頁面 4 位" in alerts_for(dept_head_a).get().body
