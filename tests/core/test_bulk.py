"""The importer's bulk insert leaves what Django's bulk_create_with_history would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from careloop.core.bulk import objects_insert, write_cache
from careloop.core.models import Sequence
from careloop.customers.models import (
    Customer,
    CustomerType,
    Interaction,
    NeedsProfile,
    birthday_md,
)
from careloop.transfer.models import ImportJob
from tests.factories import CustomerFactory

# Columns whose values differ between two inserts of the same objects.
_OWN = {"id", "number", "created_at", "updated_at", "history_id", "history_date", "customer"}


def _customers(branch, therapist, by, prefix: str, count: int) -> list[Customer]:
    return [
        Customer(
            number=f"{prefix}{i:04d}",
            name=f"客戶{i}",
            phone=f"+88691200{i:04d}",
            email=f"c{i}@example.com",
            birthday=dt.date(1980, 1, 1) + dt.timedelta(days=i) if i % 2 else None,
            birthday_md=birthday_md(dt.date(1980, 1, 1) + dt.timedelta(days=i)) if i % 2 else None,
            branch=branch,
            primary_therapist=therapist if i % 3 else None,
            consent_sms=bool(i % 2),
            notes="備註\n第二行 ' \" %s",
            created_by=by,
        )
        for i in range(count)
    ]


def _rows(queryset) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in _OWN} for row in queryset.values()]


@pytest.mark.django_db
def test_rows_and_history_are_those_bulk_create_with_history_leaves(
    front_desk, therapist_a, branch_a
):
    # Given the same 120 customers made twice — more than one SQLite statement carries —
    # with dates, booleans, blank and set foreign keys, a choice's default and quoting in text
    ours = _customers(branch_a, therapist_a, front_desk, "A", 120)
    django = _customers(branch_a, therapist_a, front_desk, "B", 120)
    assert ours[0].customer_type == CustomerType.PROSPECT  # the enum member, not a str

    # When one set goes through objects_insert and the other through Django's path
    objects_insert(ours, history_user=front_desk)
    bulk_create_with_history(django, Customer, default_user=front_desk)

    # Then every object has its own key, and both leave the same rows and history rows
    assert all(c.pk for c in ours)
    for customer in ours:
        assert Customer.objects.get(pk=customer.pk).number == customer.number
    assert _rows(Customer.objects.filter(number__startswith="A").order_by("number")) == _rows(
        Customer.objects.filter(number__startswith="B").order_by("number")
    )
    history = Customer.history.order_by("number")
    assert _rows(history.filter(number__startswith="A")) == _rows(
        history.filter(number__startswith="B")
    )
    one = Customer.history.get(number="A0007")
    assert one.id == ours[7].pk and one.history_type == "+"
    assert one.history_user == front_desk and one.history_change_reason is None
    assert one.birthday == dt.date(1980, 1, 8) and one.primary_therapist == therapist_a


@pytest.mark.django_db
def test_timestamps_are_one_instant_and_read_back_as_saved(front_desk, branch_a):
    before = timezone.now()
    customers = objects_insert(
        _customers(branch_a, None, front_desk, "T", 3), history_user=front_desk
    )
    stamps = set(Customer.objects.values_list("created_at", flat=True))
    assert len(stamps) == 1
    (stamp,) = stamps
    assert before <= stamp <= timezone.now()
    assert customers[0].created_at == stamp
    assert set(Customer.history.values_list("history_date", flat=True)) == {stamp}


@pytest.mark.django_db
def test_json_fields_and_given_datetimes(front_desk, branch_a, therapist_a):
    customer = CustomerFactory(branch=branch_a)
    NeedsProfile.objects.filter(customer=customer).delete()
    (needs,) = objects_insert(
        [NeedsProfile(customer=customer, service_interests=["pain"], updated_by=front_desk)],
        history_user=front_desk,
    )
    at = timezone.make_aware(dt.datetime(2025, 5, 2, 14, 30))
    (interaction,) = objects_insert(
        [
            Interaction(
                customer=customer,
                occurred_at=at,
                channel="phone",
                staff=therapist_a,
                summary="回訪",
                reaction="positive",
                created_by=front_desk,
            )
        ],
        history_user=front_desk,
    )
    assert NeedsProfile.objects.get(pk=needs.pk).service_interests == ["pain"]
    assert NeedsProfile.objects.get(pk=needs.pk).decision_factors == []
    saved = Interaction.objects.get(pk=interaction.pk)
    assert saved.occurred_at == at
    assert model_to_dict(saved, fields=["staff", "summary", "status"]) == {
        "staff": therapist_a.pk,
        "summary": "回訪",
        "status": "done",
    }
    assert Interaction.history.get(id=interaction.pk).occurred_at == at


@pytest.mark.django_db
def test_a_model_without_history_is_inserted_alone():
    with CaptureQueriesContext(connection) as queries:
        (row,) = objects_insert([Sequence(key="bulk-test", last_value=7)])
    assert Sequence.objects.get(pk=row.pk).last_value == 7
    assert len(queries) == 1


@pytest.mark.django_db
def test_fields_that_do_work_on_save_are_refused(front_desk):
    # A file field stores its file on save; the bulk insert would skip that, so it refuses.
    with pytest.raises(TypeError, match="file"):
        objects_insert([ImportJob(created_by=front_desk, original_name="x.csv")])
    assert ImportJob.objects.count() == 0


def test_nothing_to_insert_touches_no_database():
    assert objects_insert([]) == []


@pytest.mark.django_db
def test_the_write_cache_is_larger_only_while_the_write_runs():
    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    if connection.vendor != "sqlite":
        # PostgreSQL's buffers are the server's; nothing is sent.
        with CaptureQueriesContext(connection) as queries, write_cache(megabytes=64):
            pass
        assert len(queries) == 0
        return
    usual = cache_size()
    with write_cache(megabytes=64):
        assert cache_size() == -64 * 1024
    assert cache_size() == usual != -64 * 1024
