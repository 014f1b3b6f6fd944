import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from careloop.complaints.models import State
from careloop.complaints.retention import RetentionRefused
from careloop.complaints.services import (
    action_item_add,
    action_item_set_done,
    communication_add,
    complaint_transition,
    investigation_save,
    solution_save,
)
from careloop.complaints.workflow import MoveInput, WorkflowRefused

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.mark.django_db
def test_a_b_case_goes_from_intake_to_archive(make_complaint, cs_a, pt_head_a):
    complaint = make_complaint(criteria=["b_staff"], owner=cs_a)
    assert complaint.number == "20260213-001"
    assert complaint.grade == "B"
    assert complaint.start_due == dt.datetime(2026, 2, 15, 16, 0, tzinfo=TAIPEI)
    assert complaint.resolution_due == dt.datetime(2026, 3, 2, 23, 59, 59, tzinfo=TAIPEI)

    investigation_save(
        complaint=complaint,
        values={"scope": "遲到經過", "people": "治療師、櫃台", "timeline": "兩天"},
        by=cs_a,
    )
    complaint = complaint_transition(complaint=complaint, to=State.INVESTIGATING, by=cs_a)
    investigation_save(
        complaint=complaint,
        values={
            "facts": "前一位客人延誤",
            "root_cause": "排程過滿",
            "responsibility": "排程",
            "recommendation": "補課",
        },
        by=cs_a,
    )
    solution_save(
        complaint=complaint,
        values={"immediate_remedy": "補一堂", "prevention": "排程留緩衝", "cost": 1200},
        by=cs_a,
    )
    complaint = complaint_transition(complaint=complaint, to=State.SOLUTION_REVIEW, by=cs_a)
    with pytest.raises(WorkflowRefused):
        complaint_transition(complaint=complaint, to=State.EXECUTING, by=cs_a)
    complaint = complaint_transition(complaint=complaint, to=State.EXECUTING, by=pt_head_a)
    item = action_item_add(
        complaint=complaint,
        values={"description": "補課", "owner": cs_a, "due_date": dt.date(2026, 12, 1)},
        by=cs_a,
    )
    complaint = complaint_transition(complaint=complaint, to=State.COMMUNICATING, by=cs_a)
    communication_add(
        complaint=complaint,
        values={
            "channel": "phone",
            "content": "說明方案",
            "is_solution": True,
            "customer_response": "accepted",
        },
        by=cs_a,
    )
    complaint = complaint_transition(complaint=complaint, to=State.FOLLOW_UP, by=cs_a)
    with pytest.raises(WorkflowRefused) as refused:
        complaint_transition(
            complaint=complaint,
            to=State.CLOSED,
            by=pt_head_a,
            data=MoveInput(summary="遲到", satisfaction_score=8),
        )
    assert "PT-P020 5.6.2：尚有 1 項行動項目未完成" in refused.value.messages
    action_item_set_done(item=item, done=True, by=cs_a)
    complaint = complaint_transition(
        complaint=complaint,
        to=State.CLOSED,
        by=pt_head_a,
        data=MoveInput(summary="遲到", satisfaction_score=8),
    )
    complaint = complaint_transition(complaint=complaint, to=State.ARCHIVED, by=pt_head_a)
    assert complaint.state == State.ARCHIVED
    with pytest.raises(RetentionRefused):
        complaint.delete()
