import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from careloop.complaints.models import Nature
from careloop.complaints.services import complaint_intake

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
def make_complaint(cs_a, branch_a, departments):
    """A case recorded by cs_a at branch A; keyword arguments override the intake values."""

    def make(
        *, by=None, criteria=(), grade=None, grade_reason="", owner=None, depts=None, **values
    ):
        values = {
            "branch": branch_a,
            "complainant_name": "林美玲",
            "complainant_phone": "+886912000111",
            "channel": "phone",
            "received_at": dt.datetime(2026, 2, 13, 16, 0, tzinfo=TAIPEI),
            "description": "治療師遲到二十分鐘，也沒有事先通知。",
            "expected_resolution": "希望補一堂課並改善準時。",
            "nature": Nature.objects.get(code="staff_attitude"),
            **values,
        }
        return complaint_intake(
            values=values,
            criteria=criteria,
            departments=depts if depts is not None else [departments["physiotherapy"]],
            grade=grade,
            grade_reason=grade_reason,
            owner=owner,
            by=by or cs_a,
        )

    return make
