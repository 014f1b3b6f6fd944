"""客訴編號 under concurrency (domain.md §3.1): cases created at the same moment, each in its
own database connection, get distinct numbers of one unbroken daily sequence."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from careloop.accounts.models import User
from careloop.complaints.defaults import complaint_defaults_ensure
from careloop.complaints.models import Complaint
from careloop.complaints.services import complaint_intake

TAIPEI = ZoneInfo("Asia/Taipei")
THREADS = 20

# PostgreSQL only. On SQLite the suite's test database lives in memory with a shared cache,
# where a second connection is answered "database table is locked" at once instead of waiting
# for the busy timeout (the production file database in WAL mode waits); bin/test runs the
# suite again on PostgreSQL, where this test runs.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: concurrent connections to the in-memory SQLite test database "
    "fail with 'database table is locked' instead of waiting",
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_cases_received_at_the_same_moment_get_distinct_numbers(branch_a, cs_a, departments):
    # Transactional tests start from a flushed database: the seeded policies come back.
    complaint_defaults_ensure()
    received_at = dt.datetime(2026, 2, 13, 16, 0, tzinfo=TAIPEI)
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def receive(i: int) -> None:
        try:
            by = User.objects.get(pk=cs_a.pk)  # read in this thread's own connection
            barrier.wait(timeout=30)
            complaint = complaint_intake(
                values={
                    "branch": branch_a,
                    "complainant_name": f"投訴人{i}",
                    "complainant_phone": f"+88691200{i:04d}",
                    "channel": "phone",
                    "received_at": received_at,
                    "description": "同一時間收到的投訴",
                },
                criteria=["b_staff"],
                departments=[departments["physiotherapy"]],
                by=by,
            )
            with lock:
                numbers.append(complaint.number)
        except BaseException as exc:  # reported below, with the thread's traceback
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    # Given 20 members of staff recording a complaint received at the same moment
    threads = [threading.Thread(target=receive, args=(i,)) for i in range(THREADS)]
    # When they all save at once, each in its own connection
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Then every case is saved with its own number: 20260213-001 to -020, no gaps
    assert errors == []
    assert sorted(numbers) == [f"20260213-{n:03d}" for n in range(1, THREADS + 1)]
    assert Complaint.objects.filter(number__startswith="20260213-").count() == THREADS
