"""Two people deciding at once (domain.md §4): each in its own database connection, the row
lock lets one decide and tells the other it was decided."""

import threading

import pytest
from django.db import connection

from careloop.accounts.models import User
from careloop.compensation.models import Compensation
from careloop.compensation.services import (
    CompensationRefused,
    approval_decide,
    compensation_grant,
    compensation_mark_done,
)
from careloop.complaints.defaults import complaint_defaults_ensure
from careloop.grants.models import Grant
from careloop.grants.services import GrantRefused

# PostgreSQL only, as tests/complaints/test_pg_concurrency.py explains: the in-memory SQLite
# test database answers a second connection "table is locked" instead of waiting.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: concurrent connections to the in-memory SQLite test database "
    "fail with 'database table is locked' instead of waiting",
)


def _race(*calls):
    """Run the calls at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_approvers_deciding_at_once_decide_once(make_case, cs_a, pt_head_a, senior):
    complaint_defaults_ensure()
    request = compensation_grant(
        complaint=make_case(), value=2500, kind="refund", description="退半", by=cs_a
    ).approval_request

    def decide(user_id, approve):
        by = User.objects.get(pk=user_id)
        fresh = Grant.objects.get(pk=request.pk)
        return approval_decide(request=fresh, approve=approve, note="理由", by=by)

    results = _race(
        lambda: decide(pt_head_a.pk, True),
        lambda: decide(senior.pk, False),
    )

    refused = [r for r in results if isinstance(r, GrantRefused)]
    decided = [r for r in results if isinstance(r, Grant)]
    assert (len(refused), len(decided)) == (1, 1), results
    request.refresh_from_db()
    compensation = Compensation.objects.get(pk=request.subject_id)
    expected = "approved" if request.state == "approved" else "rejected"
    assert compensation.status == expected
    assert compensation.history.count() == 3  # proposed, pending, decided — once


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_marking_paid_twice_at_once_pays_once(make_case, cs_a, cs_a2):
    complaint_defaults_ensure()
    compensation = compensation_grant(
        complaint=make_case(), value=1500, kind="refund", description="退部分", by=cs_a
    )

    def pay(user_id):
        by = User.objects.get(pk=user_id)
        return compensation_mark_done(
            compensation=Compensation.objects.get(pk=compensation.pk), by=by
        )

    results = _race(lambda: pay(cs_a.pk), lambda: pay(cs_a2.pk))

    assert sum(isinstance(r, CompensationRefused) for r in results) == 1, results
    assert sum(isinstance(r, Compensation) for r in results) == 1, results
