"""Erasure by one rule (issue 19, finding 5): after 王小明's erasure no table, message log,
mail file or upload names him or holds his phone, except the complaint kept under
PT-P020 5.6.3, which the answer lists with the clause; the daily task finishes it when the
hold ends; a restore from backup is erased again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from careloop.complaints.models import Complaint
from careloop.customers.models import Customer
from careloop.privacy import services
from careloop.privacy.erasure import holds_release
from careloop.privacy.models import ErasureLog
from careloop.treatments.models import Purchase
from tests.privacy.conftest import NAME, PHONE_FORMS
from tests.privacy.scan import file_hits, mail_texts, row_complaint, table_hits

NEEDLES = (NAME, *PHONE_FORMS)


def erase(wang, cs_a, by, capture):
    request = services.request_create(
        customer=wang,
        values={
            "kind": "erasure",
            "channel": "letter",
            "identity_method": "document",
            "details": f"{NAME} 要求刪除",
        },
        by=cs_a,
    )
    with capture(execute=True):
        return services.request_erase(request=request, by=by)


@pytest.mark.django_db
def test_erasure_leaves_his_name_and_phone_only_in_the_held_complaint(
    story, wang, cs_a, dept_head_a, settings, django_capture_on_commit_callbacks
):
    held, released = story["held"], story["released"]
    # given: his name is everywhere
    assert {h[0] for h in table_hits(NEEDLES)} >= {
        "customers.Customer",
        "customers.HistoricalCustomer",
        "customers.Interaction",
        "complaints.Complaint",
        "compensation.Compensation",
        "surveys.Survey",
        "messaging.OutboundMessage",
        "notifications.Notification",
    }

    # when
    request = erase(wang, cs_a, dept_head_a, django_capture_on_commit_callbacks)

    # then: the answer lists the held complaint with the clause, and only that one
    assert request.status == "done"
    assert held.number in request.answer and "PT-P020 5.6.3" in request.answer
    assert released.number not in request.answer
    assert "商業會計法 §38" in request.answer
    # every hit left belongs to the held complaint
    hits = table_hits(NEEDLES)
    assert hits, "the held complaint keeps the name"
    assert {row_complaint(label, row_id) for label, row_id, _ in hits} == {held.pk}
    held.refresh_from_db()
    assert held.complainant_name == NAME
    wang.refresh_from_db()
    assert wang.name == f"已刪除客戶 #{wang.pk}" and wang.phone == "" and wang.notes == ""
    # the purchase's amount stays, as a figure without a name
    assert Purchase.objects.get(pk=story["purchase"].pk).amount == 3000
    # files: the logs keep the other customer's lines, the held case's evidence stays
    messages_dir = Path(settings.MESSAGING_LOG_DIR)
    assert file_hits(messages_dir, NEEDLES) == []
    assert "陳大文" in (messages_dir / "sms.jsonl").read_text(encoding="utf-8")
    texts = mail_texts(Path(settings.EMAIL_FILE_PATH))
    assert [t for t in texts if any(n in t for n in NEEDLES)] == []
    assert any("陳大文" in t for t in texts)
    assert file_hits(Path(settings.MEDIA_ROOT), NEEDLES) == ["held.txt"]
    log = ErasureLog.objects.get(customer_id_erased=wang.pk)
    assert [k["number"] for k in log.kept] == [held.number]
    assert NAME not in str(log.kept) + str(log.counts)


@pytest.mark.django_db
def test_secure_delete_is_on_for_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_the_daily_task_finishes_the_erasure_when_the_hold_ends(
    story, wang, cs_a, dept_head_a, clock, settings, django_capture_on_commit_callbacks
):
    held = story["held"]
    erase(wang, cs_a, dept_head_a, django_capture_on_commit_callbacks)
    # a day before the hold ends nothing moves
    clock.move_to(held.retention_until - dt.timedelta(days=1))
    assert holds_release() == []
    assert Complaint.objects.get(pk=held.pk).complainant_name == NAME

    clock.move_to(held.retention_until + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):  # files go once it commits
        finished = holds_release()

    assert len(finished) == 1 and finished[0].holds_finished_at is not None
    assert table_hits(NEEDLES) == set()
    assert file_hits(Path(settings.MEDIA_ROOT), NEEDLES) == []
    assert holds_release() == []  # safe to run twice


@pytest.mark.django_db
def test_reapply_erasures_after_a_restore(
    story, wang, cs_a, dept_head_a, django_capture_on_commit_callbacks
):
    since = timezone.now() - dt.timedelta(minutes=1)
    erase(wang, cs_a, dept_head_a, django_capture_on_commit_callbacks)
    # a restore from last night's backup: his row is back, the log table lost the erasure
    Customer.objects.filter(pk=wang.pk).update(name=NAME, phone="+886912345678")
    ErasureLog.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("reapply_erasures", since=since.isoformat())

    wang.refresh_from_db()
    assert wang.name == f"已刪除客戶 #{wang.pk}" and wang.phone == ""
    assert ErasureLog.objects.get().reapplied_at is not None


@pytest.mark.django_db
def test_reapply_erasures_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("reapply_erasures", since="yesterday")
