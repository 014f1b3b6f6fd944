"""The workflow of PT-P020 §5.2–§5.6 (workflow.py, services.complaint_transition): every guard
refuses with its clause, read-only closed cases, reopening, follow-up and milestones."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.complaints.models import Approval, Complaint, Nature, State, Transition
from careloop.complaints.selectors import complaint_page
from careloop.complaints.services import (
    action_item_add,
    action_item_set_done,
    communication_add,
    complainant_to_customer,
    complaint_assign,
    complaint_closing_record,
    complaint_intake_update,
    complaint_public_submit,
    complaint_regrade,
    complaint_transition,
    evidence_add,
    investigation_save,
    solution_save,
)
from careloop.complaints.workflow import MoveInput, WorkflowRefused
from careloop.customers.models import ContactPlan, ContactPurpose
from tests.clock import at
from tests.factories import CustomerFactory, UserFactory

TAIPEI = ZoneInfo("Asia/Taipei")

PLAN = {"scope": "遲到經過與排程", "people": "物理治療部、櫃台", "timeline": "三天內完成"}
REPORT = {
    "facts": "前一位客人延誤二十分鐘",
    "root_cause": "排程未留緩衝",
    "responsibility": "排程人員",
    "recommendation": "補課並調整排程",
}
SOLUTION = {"immediate_remedy": "補一堂課", "prevention": "排程間留十分鐘緩衝", "cost": 1200}
CLOSING = MoveInput(summary="治療師遲到，已補課並調整排程", satisfaction_score=8)
ORDER = [
    State.RECEIVED,
    State.INVESTIGATING,
    State.SOLUTION_REVIEW,
    State.EXECUTING,
    State.COMMUNICATING,
    State.FOLLOW_UP,
    State.CLOSED,
    State.ARCHIVED,
]


def refused_messages(**kwargs) -> list[str]:
    """Try the move and answer the refusals it met (failing when it went through)."""
    with pytest.raises(WorkflowRefused) as refused:
        complaint_transition(**kwargs)
    return refused.value.messages


def advance(complaint, to, *, handler, approver, signer=None):
    """Take a case along the happy path, doing what each step needs, until it is in `to`."""
    complaint = Complaint.objects.get(pk=complaint.pk)
    while ORDER.index(complaint.state) < ORDER.index(to):
        state = complaint.state
        if state == State.RECEIVED:
            investigation_save(complaint=complaint, values=PLAN, by=handler)
            complaint = complaint_transition(
                complaint=complaint, to=State.INVESTIGATING, by=handler
            )
        elif state == State.INVESTIGATING:
            investigation_save(complaint=complaint, values={**PLAN, **REPORT}, by=handler)
            solution_save(complaint=complaint, values=SOLUTION, by=handler)
            complaint = complaint_transition(
                complaint=complaint, to=State.SOLUTION_REVIEW, by=handler
            )
        elif state == State.SOLUTION_REVIEW:
            complaint = complaint_transition(complaint=complaint, to=State.EXECUTING, by=approver)
        elif state == State.EXECUTING:
            action_item_add(
                complaint=complaint,
                values={"description": "補課", "owner": handler, "due_date": dt.date(2026, 12, 1)},
                by=handler,
            )
            complaint = complaint_transition(
                complaint=complaint, to=State.COMMUNICATING, by=handler
            )
        elif state == State.COMMUNICATING:
            communication_add(
                complaint=complaint,
                values={
                    "channel": "phone",
                    "content": "說明調查結果與補課安排",
                    "is_solution": True,
                    "customer_response": "accepted",
                },
                by=handler,
            )
            complaint = complaint_transition(complaint=complaint, to=State.FOLLOW_UP, by=handler)
        elif state == State.FOLLOW_UP:
            for item in complaint.action_items.filter(done_at__isnull=True):
                action_item_set_done(item=item, done=True, by=handler)
            complaint = complaint_transition(
                complaint=complaint, to=State.CLOSED, by=signer or approver, data=CLOSING
            )
        elif state == State.CLOSED:
            complaint = complaint_transition(
                complaint=complaint, to=State.ARCHIVED, by=signer or approver
            )
    return complaint


@pytest.fixture
def sales_head_a(branch_a, departments):
    """銷售部主管 of branch A: a department head, but not of the department handling the case."""
    return UserFactory(
        username="sales_head_a",
        home_branch=branch_a,
        department=departments["sales"],
        roles=["department_head"],
    )


@pytest.fixture
def b_case(make_complaint, cs_a):
    return make_complaint(criteria=["b_staff"], owner=cs_a)


@pytest.fixture
def a_case(make_complaint, cs_a):
    return make_complaint(criteria=["a_safety"], owner=cs_a)


# --- received → investigating (5.1.3, 5.2.2, 5.3.1) ---------------------------------------


@pytest.mark.django_db
def test_a_public_submission_cannot_be_investigated_before_its_record_is_complete(
    branch_a, cs_a, departments
):
    # Given a suggestion-box submission that staff have not completed yet
    complaint = complaint_public_submit(
        values={
            "branch": branch_a,
            "complainant_name": "陳先生",
            "complainant_phone": "+886912000222",
            "description": "候診區冷氣太冷",
        },
        attachment=None,
        fingerprint="f" * 64,
    )
    # When customer service tries to start the investigation
    messages = refused_messages(complaint=complaint, to=State.INVESTIGATING, by=cs_a)
    # Then 5.1.3 asks for the intake record first, beside the other missing pieces
    assert messages == [
        "PT-P020 5.1.3：請先完成投訴接收記錄（確定投訴等級與接收人員）。",
        "PT-P020 5.3.1：請指定本案負責人。",
        "PT-P020 5.2.2：請選擇投訴性質。",
        "PT-P020 5.1.3：接收記錄缺少期望解決方式；客戶未表示時請填「客戶未表示」。",
        "PT-P020 5.2.2：請選擇負責調查的部門。",
        "PT-P020 5.3.1：請先填寫調查計劃（範圍、人員、時間表）。",
    ]
    # And once the record is completed, assigned and planned, it moves
    complaint_intake_update(
        complaint=complaint,
        values={
            "nature": Nature.objects.get(code="facilities"),
            "expected_resolution": "客戶未表示",
        },
        by=cs_a,
    )
    complaint_assign(
        complaint=complaint, owner=cs_a, departments=[departments["operations"]], by=cs_a
    )
    investigation_save(complaint=complaint, values=PLAN, by=cs_a)
    complaint = complaint_transition(complaint=complaint, to=State.INVESTIGATING, by=cs_a)
    assert complaint.state == State.INVESTIGATING
    assert complaint.received_by == cs_a


@pytest.mark.django_db
def test_investigation_needs_an_owner_a_department_and_a_plan(make_complaint, cs_a, departments):
    # Given a recorded case without owner, department or plan
    complaint = make_complaint(depts=[], owner=None)
    # Then starting the investigation is refused for each, citing its clause
    assert refused_messages(complaint=complaint, to=State.INVESTIGATING, by=cs_a) == [
        "PT-P020 5.3.1：請指定本案負責人。",
        "PT-P020 5.2.2：請選擇負責調查的部門。",
        "PT-P020 5.3.1：請先填寫調查計劃（範圍、人員、時間表）。",
    ]
    # And a plan without its timeline is named precisely
    complaint_assign(
        complaint=complaint, owner=cs_a, departments=[departments["physiotherapy"]], by=cs_a
    )
    investigation_save(complaint=complaint, values={**PLAN, "timeline": " "}, by=cs_a)
    assert refused_messages(complaint=complaint, to=State.INVESTIGATING, by=cs_a) == [
        "PT-P020 5.3.1：調查計劃缺少：調查時間表。"
    ]
    # When the plan is complete the case moves and the start is recorded
    investigation_save(complaint=complaint, values=PLAN, by=cs_a)
    before = timezone.now()
    complaint = complaint_transition(complaint=complaint, to=State.INVESTIGATING, by=cs_a)
    assert complaint.state == State.INVESTIGATING
    assert before <= complaint.started_at <= timezone.now()


@pytest.mark.django_db
def test_only_handlers_move_a_case(b_case, therapist_a):
    # Given a therapist who neither handles complaints nor owns the case
    # Then a move is refused citing the responsibilities of §4.1
    messages = refused_messages(complaint=b_case, to=State.INVESTIGATING, by=therapist_a)
    assert "PT-P020 4.1：只有客戶服務部、主管或本案負責人可以處理此案件。" in messages


# --- investigating → solution review (5.3.3, 5.4.1) --------------------------------------


@pytest.mark.django_db
def test_submitting_needs_the_report_and_the_solution(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.INVESTIGATING, handler=cs_a, approver=pt_head_a)
    # Given an investigation with its plan only and no solution
    # Then submission is refused for the report's four parts and for the solution
    assert refused_messages(complaint=complaint, to=State.SOLUTION_REVIEW, by=cs_a) == [
        "PT-P020 5.3.3：調查報告缺少：調查發現的事實、根本原因、責任歸屬、解決方案建議。",
        "PT-P020 5.4.1：請先填寫解決方案（立即解決方法與系統性改進措施）。",
    ]
    # Given the report but still no solution
    investigation_save(complaint=complaint, values=REPORT, by=cs_a)
    assert refused_messages(complaint=complaint, to=State.SOLUTION_REVIEW, by=cs_a) == [
        "PT-P020 5.4.1：請先填寫解決方案（立即解決方法與系統性改進措施）。"
    ]
    # When the solution is written the case goes to review
    solution_save(complaint=complaint, values=SOLUTION, by=cs_a)
    complaint = complaint_transition(complaint=complaint, to=State.SOLUTION_REVIEW, by=cs_a)
    assert complaint.state == State.SOLUTION_REVIEW
    # And the solution is frozen while in review
    with pytest.raises(WorkflowRefused) as refused:
        solution_save(complaint=complaint, values={"cost": 99}, by=cs_a)
    assert refused.value.messages[0].startswith("PT-P020 5.4.2：")


# --- review (5.4.2) ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_a_solution_is_approved_by_senior_management_only(a_case, cs_a, pt_head_a, senior):
    complaint = advance(a_case, State.SOLUTION_REVIEW, handler=cs_a, approver=senior)
    # Given an A case in review, the head of its own department is refused
    assert refused_messages(complaint=complaint, to=State.EXECUTING, by=pt_head_a) == [
        "PT-P020 5.4.2：A級投訴的解決方案須由高級管理層審核批准。"
    ]
    # When senior management approves
    complaint = complaint_transition(complaint=complaint, to=State.EXECUTING, by=senior)
    # Then it is executing and the approval is kept with its grade
    assert complaint.state == State.EXECUTING
    approval = Approval.objects.get(complaint=complaint)
    assert (approval.decision, approval.grade, approval.by) == ("approved", "A", senior)


@pytest.mark.django_db
def test_a_b_solution_is_approved_by_the_responsible_departments_head(
    b_case, cs_a, pt_head_a, sales_head_a
):
    complaint = advance(b_case, State.SOLUTION_REVIEW, handler=cs_a, approver=pt_head_a)
    b_refusal = "PT-P020 5.4.2：B／C級投訴的解決方案須由負責部門的主管或以上審核。"
    # Given a B case handled by 物理治療部: the head of another department is refused
    assert refused_messages(complaint=complaint, to=State.EXECUTING, by=sales_head_a) == [b_refusal]
    # And so is customer service, who handles but does not approve
    assert refused_messages(complaint=complaint, to=State.EXECUTING, by=cs_a) == [b_refusal]
    # When the head of 物理治療部 approves, it is executing
    complaint = complaint_transition(complaint=complaint, to=State.EXECUTING, by=pt_head_a)
    assert complaint.state == State.EXECUTING
    assert Approval.objects.get(complaint=complaint).by == pt_head_a


@pytest.mark.django_db
def test_senior_management_may_approve_a_b_solution(b_case, cs_a, pt_head_a, senior):
    complaint = advance(b_case, State.SOLUTION_REVIEW, handler=cs_a, approver=pt_head_a)
    complaint = complaint_transition(complaint=complaint, to=State.EXECUTING, by=senior)
    assert complaint.state == State.EXECUTING


@pytest.mark.django_db
def test_a_rejection_needs_a_reason_and_returns_the_case_to_investigating(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.SOLUTION_REVIEW, handler=cs_a, approver=pt_head_a)
    # Given a B case in review, rejecting without a reason is refused
    assert refused_messages(
        complaint=complaint, to=State.INVESTIGATING, by=pt_head_a, data=MoveInput(reason=" ")
    ) == ["PT-P020 5.4.2：退回方案時請說明理由。"]
    assert not Approval.objects.filter(complaint=complaint).exists()
    # When the head rejects it with a reason
    complaint = complaint_transition(
        complaint=complaint,
        to=State.INVESTIGATING,
        by=pt_head_a,
        data=MoveInput(reason="補償金額需再確認"),
    )
    # Then it is back in investigation, with the rejection and the move recorded
    assert complaint.state == State.INVESTIGATING
    approval = Approval.objects.get(complaint=complaint)
    assert (approval.decision, approval.comment, approval.by, approval.grade) == (
        "rejected",
        "補償金額需再確認",
        pt_head_a,
        "B",
    )
    last = complaint.transitions.last()
    assert (last.from_state, last.to_state, last.reason) == (
        "solution_review",
        "investigating",
        "補償金額需再確認",
    )
    # And the solution may be revised again
    solution_save(complaint=complaint, values={"cost": 800}, by=cs_a)
    assert complaint.solution.cost == 800


# --- executing → communicating → follow-up (5.5.1, 5.5.2, 5.5.3) --------------------------


@pytest.mark.django_db
def test_communication_needs_action_items(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.EXECUTING, handler=cs_a, approver=pt_head_a)
    assert refused_messages(complaint=complaint, to=State.COMMUNICATING, by=cs_a) == [
        "PT-P020 5.5.1：請先訂定行動項目（內容、責任人、完成時間）。"
    ]


@pytest.mark.django_db
def test_follow_up_needs_the_solution_communicated(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.COMMUNICATING, handler=cs_a, approver=pt_head_a)
    # Given only a courtesy call that did not explain the solution
    communication_add(
        complaint=complaint,
        values={"channel": "phone", "content": "致電致歉", "is_solution": False},
        by=cs_a,
    )
    # Then follow-up is refused until the solution is communicated
    assert refused_messages(complaint=complaint, to=State.FOLLOW_UP, by=cs_a) == [
        "PT-P020 5.5.2：請先記錄向客戶說明調查結果與解決方案的溝通。"
    ]


@pytest.mark.django_db
def test_the_solution_cannot_be_communicated_before_it_is_approved(b_case, cs_a, pt_head_a):
    # Given a case whose solution is still waiting in review
    complaint = advance(b_case, State.SOLUTION_REVIEW, handler=cs_a, approver=pt_head_a)
    # When someone logs explaining the solution to the customer
    with pytest.raises(WorkflowRefused) as refused:
        communication_add(
            complaint=complaint,
            values={"channel": "phone", "content": "說明方案", "is_solution": True},
            by=cs_a,
        )
    # Then it is refused: the solution is not approved yet
    assert refused.value.messages == ["PT-P020 5.4.2：解決方案尚未核准，不能向客戶說明方案。"]
    assert not complaint.communications.exists()


@pytest.mark.django_db
def test_entering_follow_up_plans_the_follow_up_contact(
    make_complaint, cs_a, pt_head_a, branch_a, therapist_a
):
    # Given a case from an existing customer, owned by a therapist, ready for follow-up
    customer = CustomerFactory(branch=branch_a, created_by=cs_a)
    complaint = make_complaint(criteria=["b_staff"], owner=therapist_a, customer=customer)
    complaint = advance(complaint, State.COMMUNICATING, handler=cs_a, approver=pt_head_a)
    # When the case enters follow-up
    complaint = advance(complaint, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    # Then a follow-up contact plan is made for the customer, due in 5 days, for the owner
    due = timezone.localdate() + dt.timedelta(days=5)
    assert complaint.follow_up_due == due
    plan = ContactPlan.objects.get(customer=customer)
    assert plan.purpose == ContactPurpose.COMPLAINT_FOLLOW_UP
    assert plan.due_date == due
    assert plan.assignee == therapist_a
    assert plan.purpose_other == complaint.number
    assert plan.done is False


@pytest.mark.django_db
def test_follow_up_days_come_from_the_policy(make_complaint, cs_a, pt_head_a, branch_a):
    from careloop.complaints.models import DeadlinePolicy

    # Given B follow-up set to 3 days
    DeadlinePolicy.objects.filter(grade="B").update(follow_up_days=3)
    customer = CustomerFactory(branch=branch_a, created_by=cs_a)
    complaint = make_complaint(criteria=["b_staff"], owner=cs_a, customer=customer)
    # When the case enters follow-up
    complaint = advance(complaint, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    # Then the follow-up is due in 3 days
    due = timezone.localdate() + dt.timedelta(days=3)
    assert complaint.follow_up_due == due
    assert ContactPlan.objects.get(customer=customer).due_date == due


@pytest.mark.django_db
def test_a_new_complainant_gets_a_follow_up_date_without_a_contact_plan(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    assert complaint.follow_up_due == timezone.localdate() + dt.timedelta(days=5)
    assert not ContactPlan.objects.exists()


# --- closing (5.6.1, 5.6.2) --------------------------------------------------------------


@pytest.mark.django_db
def test_closing_lists_every_unmet_condition(b_case, cs_a, pt_head_a):
    # Given a case in follow-up with two open action items, a customer who has not accepted,
    # and no summary or satisfaction evaluation
    complaint = advance(b_case, State.EXECUTING, handler=cs_a, approver=pt_head_a)
    for text in ("補課", "排程調整"):
        action_item_add(
            complaint=complaint,
            values={"description": text, "owner": cs_a, "due_date": dt.date(2026, 12, 1)},
            by=cs_a,
        )
    complaint = complaint_transition(complaint=complaint, to=State.COMMUNICATING, by=cs_a)
    communication_add(
        complaint=complaint,
        values={
            "channel": "phone",
            "content": "說明方案",
            "is_solution": True,
            "customer_response": "pending",
        },
        by=cs_a,
    )
    complaint = complaint_transition(complaint=complaint, to=State.FOLLOW_UP, by=cs_a)
    # When the department head tries to close it
    messages = refused_messages(complaint=complaint, to=State.CLOSED, by=pt_head_a)
    # Then each condition of 5.6.2 and the record of 5.6.1 is named
    assert messages == [
        "PT-P020 5.6.2：尚有 2 項行動項目未完成",
        "PT-P020 5.6.2：客戶尚未表示接受解決方案",
        "PT-P020 5.6.1：處理記錄缺少：投訴摘要、客戶滿意度評估",
    ]
    # And when the items are done, the customer accepts and the record is complete, it closes
    for item in complaint.action_items.filter(done_at__isnull=True):
        action_item_set_done(item=item, done=True, by=cs_a)
    communication_add(
        complaint=complaint,
        values={
            "channel": "phone",
            "content": "回訪說明方案",
            "is_solution": True,
            "customer_response": "accepted",
        },
        by=cs_a,
    )
    complaint_closing_record(
        complaint=complaint,
        summary="治療師遲到，已補課",
        satisfaction_score=9,
        satisfaction_note="滿意",
        by=cs_a,
    )
    before = timezone.now()
    complaint = complaint_transition(complaint=complaint, to=State.CLOSED, by=pt_head_a)
    assert complaint.state == State.CLOSED
    assert complaint.closed_by == pt_head_a
    assert before <= complaint.closed_at <= timezone.now()


@pytest.mark.django_db
def test_customer_service_cannot_sign_off_a_closing(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    for item in complaint.action_items.all():
        action_item_set_done(item=item, done=True, by=cs_a)
    assert refused_messages(complaint=complaint, to=State.CLOSED, by=cs_a, data=CLOSING) == [
        "PT-P020 5.6.2：B／C級投訴須由負責部門的主管或以上審核簽字後結案。"
    ]


@pytest.mark.django_db
def test_an_a_case_is_closed_by_senior_management_only(a_case, cs_a, pt_head_a, senior):
    complaint = advance(a_case, State.FOLLOW_UP, handler=cs_a, approver=senior)
    for item in complaint.action_items.all():
        action_item_set_done(item=item, done=True, by=cs_a)
    # Given an A case ready to close, the department head may not sign it
    assert refused_messages(complaint=complaint, to=State.CLOSED, by=pt_head_a, data=CLOSING) == [
        "PT-P020 5.6.2：A級投訴須由高級管理層審核簽字後結案。"
    ]
    # When senior management signs, it closes with the closing record from the move
    complaint = complaint_transition(complaint=complaint, to=State.CLOSED, by=senior, data=CLOSING)
    assert complaint.state == State.CLOSED
    assert complaint.summary == CLOSING.summary
    assert complaint.satisfaction_score == 8


@pytest.mark.django_db
def test_a_closing_record_keeps_what_was_recorded_meanwhile(b_case, cs_a, pt_head_a):
    # Given a case in follow-up read by one person (their copy says "not accepted")
    complaint = advance(b_case, State.COMMUNICATING, handler=cs_a, approver=pt_head_a)
    communication_add(
        complaint=complaint,
        values={"channel": "phone", "content": "說明方案", "is_solution": True},
        by=cs_a,
    )
    page_copy = complaint_transition(complaint=complaint, to=State.FOLLOW_UP, by=cs_a)
    assert page_copy.customer_accepted is False
    # And meanwhile a colleague logs the customer accepting, and assigns a new owner
    communication_add(
        complaint=Complaint.objects.get(pk=complaint.pk),
        values={
            "channel": "phone",
            "content": "回訪說明方案",
            "is_solution": True,
            "customer_response": "accepted",
        },
        by=cs_a,
    )
    complaint_assign(
        complaint=Complaint.objects.get(pk=complaint.pk),
        owner=pt_head_a,
        departments=list(complaint.departments.all()),
        by=cs_a,
    )
    # When the first person saves the closing record from their copy
    complaint_closing_record(
        complaint=page_copy, summary="已補課", satisfaction_score=9, satisfaction_note="", by=cs_a
    )
    # Then the acceptance and the owner recorded meanwhile are kept
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.summary, stored.satisfaction_score) == ("已補課", 9)
    assert stored.customer_accepted is True
    assert stored.owner == pt_head_a


# --- archive and reopen (5.6.3) ----------------------------------------------------------


@pytest.mark.django_db
def test_archiving_is_for_supervisors(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.CLOSED, handler=cs_a, approver=pt_head_a)
    assert refused_messages(complaint=complaint, to=State.ARCHIVED, by=cs_a) == [
        "PT-P020 5.6.3：歸檔須由部門主管或以上執行。"
    ]
    complaint = complaint_transition(complaint=complaint, to=State.ARCHIVED, by=pt_head_a)
    assert complaint.state == State.ARCHIVED
    assert complaint.archived_at is not None


@pytest.mark.django_db
def test_reopening_needs_a_supervisor_and_a_reason(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.CLOSED, handler=cs_a, approver=pt_head_a)
    # Given a closed case: without a reason, and by customer service, it stays closed
    assert refused_messages(complaint=complaint, to=State.INVESTIGATING, by=pt_head_a) == [
        "PT-P020 5.6.3：重新開啟案件時請說明理由。"
    ]
    assert refused_messages(
        complaint=complaint, to=State.INVESTIGATING, by=cs_a, data=MoveInput(reason="客戶再來電")
    ) == ["PT-P020 5.6.3：重新開啟已結案的案件須由部門主管或以上執行。"]
    # When the head reopens it with a reason
    complaint = complaint_transition(
        complaint=complaint,
        to=State.INVESTIGATING,
        by=pt_head_a,
        data=MoveInput(reason="客戶再來電，補課未安排"),
    )
    # Then it is under investigation again, no longer closed, and editable
    assert complaint.state == State.INVESTIGATING
    assert (complaint.closed_at, complaint.closed_by, complaint.customer_accepted) == (
        None,
        None,
        False,
    )
    investigation_save(complaint=complaint, values={"facts": "補課時間未通知客戶"}, by=cs_a)
    complaint.refresh_from_db()
    assert complaint.investigation.facts == "補課時間未通知客戶"
    assert complaint.transitions.last().reason == "客戶再來電，補課未安排"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "target", "clause"),
    [
        (State.RECEIVED, State.CLOSED, "5.1"),
        (State.RECEIVED, State.EXECUTING, "5.1"),
        (State.INVESTIGATING, State.EXECUTING, "5.3"),
        (State.EXECUTING, State.CLOSED, "5.5.1"),
        (State.FOLLOW_UP, State.ARCHIVED, "5.5.3"),
        (State.ARCHIVED, State.INVESTIGATING, "5.6.3"),
    ],
)
def test_impossible_jumps_are_refused_citing_a_clause(
    b_case, cs_a, pt_head_a, state, target, clause
):
    complaint = advance(b_case, state, handler=cs_a, approver=pt_head_a)
    labels = dict(State.choices)
    # Given a case in `state`, when someone jumps it straight to `target`
    messages = refused_messages(complaint=complaint, to=target, by=pt_head_a)
    # Then the move is refused, citing the clause of the stage it is in
    assert messages == [
        f"PT-P020 {clause}：案件目前為「{labels[state]}」，不能直接改為「{labels[target]}」。"
    ]
    complaint.refresh_from_db()
    assert complaint.state == state


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.CLOSED, State.ARCHIVED])
def test_closed_and_archived_cases_refuse_every_edit(b_case, cs_a, pt_head_a, departments, state):
    complaint = advance(b_case, state, handler=cs_a, approver=pt_head_a)
    item = complaint.action_items.first()
    before = Complaint.objects.get(pk=complaint.pk)
    edits = {
        "intake_update": lambda: complaint_intake_update(
            complaint=complaint, values={"description": "改寫"}, by=pt_head_a
        ),
        "regrade": lambda: complaint_regrade(
            complaint=complaint, criteria=["a_safety"], grade=None, reason="改A", by=pt_head_a
        ),
        "assign": lambda: complaint_assign(
            complaint=complaint, owner=pt_head_a, departments=[departments["sales"]], by=pt_head_a
        ),
        "to_customer": lambda: complainant_to_customer(complaint=complaint, by=pt_head_a),
        "investigation": lambda: investigation_save(
            complaint=complaint, values={"scope": "改"}, by=pt_head_a
        ),
        "evidence": lambda: evidence_add(
            complaint=complaint,
            values={"kind": "interview", "title": "訪談", "notes": "補充"},
            file=None,
            by=pt_head_a,
        ),
        "solution": lambda: solution_save(complaint=complaint, values={"cost": 1}, by=pt_head_a),
        "action_item": lambda: action_item_add(
            complaint=complaint,
            values={"description": "再補", "owner": cs_a, "due_date": dt.date(2026, 12, 2)},
            by=pt_head_a,
        ),
        "action_item_done": lambda: action_item_set_done(item=item, done=False, by=pt_head_a),
        "communication": lambda: communication_add(
            complaint=complaint, values={"channel": "phone", "content": "再聯絡"}, by=pt_head_a
        ),
        "closing_record": lambda: complaint_closing_record(
            complaint=complaint, summary="改", satisfaction_score=1, satisfaction_note="", by=cs_a
        ),
    }
    # Given a closed (or archived) case, every edit service is refused with 5.6.3
    for name, edit in edits.items():
        with pytest.raises(WorkflowRefused) as refused:
            edit()
        assert refused.value.messages == [
            "PT-P020 5.6.3：案件已結案或歸檔，內容不可修改；如需修改請由主管重新開啟。"
        ], name
    # And nothing changed
    after = Complaint.objects.get(pk=complaint.pk)
    assert (after.description, after.grade, after.owner_id, after.summary) == (
        before.description,
        before.grade,
        before.owner_id,
        before.summary,
    )
    assert complaint.communications.count() == 1
    assert complaint.action_items.count() == 1
    assert complaint.evidence.count() == 0


# --- milestones and history --------------------------------------------------------------


@pytest.mark.django_db
def test_an_a_case_is_resolved_when_the_solution_is_first_communicated(a_case, cs_a, senior):
    complaint = advance(a_case, State.EXECUTING, handler=cs_a, approver=senior)
    first = timezone.now() - dt.timedelta(hours=2)
    # Given an A case whose solution is explained to the customer, then explained again
    for when in (first, first + dt.timedelta(hours=1)):
        communication_add(
            complaint=complaint,
            values={"channel": "phone", "content": "說明方案", "is_solution": True,
                    "occurred_at": when},
            by=cs_a,
        )  # fmt: skip
    complaint.refresh_from_db()
    # Then its resolution milestone is the first of them
    assert complaint.resolved_at == first
    assert complaint.first_response_at == first


@pytest.mark.django_db
def test_a_b_case_is_resolved_when_it_enters_follow_up(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.COMMUNICATING, handler=cs_a, approver=pt_head_a)
    assert complaint.resolved_at is None
    before = timezone.now()
    complaint = advance(complaint, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    assert before <= complaint.resolved_at <= timezone.now()


@pytest.mark.django_db
def test_milestones_record_met_or_missed(make_complaint, cs_a, pt_head_a):
    # Given a case received long ago (deadlines February 2026) and one received an hour ago
    late = make_complaint(criteria=["b_staff"], owner=cs_a)
    prompt = make_complaint(
        criteria=["b_staff"], owner=cs_a, received_at=timezone.now() - dt.timedelta(hours=1)
    )
    # When both are investigated and resolved today
    late = advance(late, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    prompt = advance(prompt, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    # Then the old one missed both milestones and the recent one met both
    assert (late.start_met, late.resolution_met) == (False, False)
    assert (prompt.start_met, prompt.resolution_met) == (True, True)
    # And the case page shows the same verdicts
    page = complaint_page(complaint=late, user=cs_a)
    assert {m.milestone: m.met for m in page.milestones} == {"start": False, "resolution": False}
    page = complaint_page(complaint=prompt, user=cs_a)
    assert {m.milestone: m.met for m in page.milestones} == {"start": True, "resolution": True}
    # And no deadline is pending any more
    assert (late.next_due, prompt.next_due) == (None, None)


@pytest.mark.django_db
def test_an_unreached_milestone_is_missed_once_its_deadline_passes(make_complaint, cs_a):
    # Given a case from February 2026 never started, and one received an hour ago
    old = make_complaint(criteria=["b_staff"], owner=cs_a)
    fresh = make_complaint(
        criteria=["b_staff"], owner=cs_a, received_at=timezone.now() - dt.timedelta(hours=1)
    )
    # Then the old one has missed its start; the fresh one is still open (None)
    assert old.start_met is False
    assert fresh.start_met is None


@pytest.mark.django_db
def test_every_move_is_recorded_with_the_acting_user(b_case, cs_a, pt_head_a):
    # Given a case moved by customer service and approved by the department head
    complaint = advance(b_case, State.INVESTIGATING, handler=cs_a, approver=pt_head_a)
    assert complaint.history.first().history_user == cs_a
    complaint = advance(complaint, State.EXECUTING, handler=cs_a, approver=pt_head_a)
    # Then the latest history row names the approver
    assert complaint.history.first().history_user == pt_head_a
    assert complaint.history.first().state == State.EXECUTING
    # And every transition names who made it
    moves = list(
        Transition.objects.filter(complaint=complaint).values_list("from_state", "to_state", "by")
    )
    assert moves == [
        ("received", "investigating", cs_a.id),
        ("investigating", "solution_review", cs_a.id),
        ("solution_review", "executing", pt_head_a.id),
    ]
    # And the intake's history row names the receiver
    assert complaint.history.last().history_user == cs_a
    assert complaint.history.last().history_type == "+"


# --- guards a change of grade, owner or date must not get around -----------------------


@pytest.mark.django_db
def test_raising_an_approved_case_to_a_needs_senior_management(b_case, cs_a, pt_head_a, senior):
    # Given a B case whose solution the department head approved
    complaint = advance(b_case, State.EXECUTING, handler=cs_a, approver=pt_head_a)
    # When customer service raises it to A, it is refused: its approval was for B (5.4.2)
    with pytest.raises(WorkflowRefused) as refused:
        complaint_regrade(
            complaint=complaint, criteria=["a_safety"], grade=None, reason="客戶受傷", by=cs_a
        )
    assert refused.value.messages == [
        "PT-P020 5.4.2：方案已依原等級核准；改為 A 級須由高級管理層調整並審核方案。"
    ]
    assert Complaint.objects.get(pk=complaint.pk).grade == "B"
    # When senior management raises it, the raise is their review of the solution at A
    complaint = complaint_regrade(
        complaint=complaint, criteria=["a_safety"], grade=None, reason="客戶受傷", by=senior
    )
    assert complaint.grade == "A"
    assert list(complaint.approvals.values_list("grade", "by__username")) == [
        ("B", pt_head_a.username),
        ("A", senior.username),
    ]


@pytest.mark.django_db
def test_lowering_an_a_case_needs_a_supervisor(a_case, cs_a, pt_head_a):
    with pytest.raises(WorkflowRefused) as refused:
        complaint_regrade(complaint=a_case, criteria=[], grade="B", reason="誤判", by=cs_a)
    assert refused.value.messages == ["PT-P020 5.2.1：A級投訴降級須由部門主管或以上決定。"]
    complaint = complaint_regrade(
        complaint=a_case, criteria=[], grade="B", reason="誤判", by=pt_head_a
    )
    assert complaint.grade == "B"


@pytest.mark.django_db
def test_only_the_responsible_departments_head_signs_off_a_b_case(
    b_case, cs_a, pt_head_a, sales_head_a
):
    complaint = advance(b_case, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    for item in complaint.action_items.all():
        action_item_set_done(item=item, done=True, by=cs_a)
    assert refused_messages(
        complaint=complaint, to=State.CLOSED, by=sales_head_a, data=CLOSING
    ) == ["PT-P020 5.6.2：B／C級投訴須由負責部門的主管或以上審核簽字後結案。"]


@pytest.mark.django_db
def test_only_a_solution_answer_decides_acceptance(b_case, cs_a, pt_head_a):
    complaint = advance(b_case, State.COMMUNICATING, handler=cs_a, approver=pt_head_a)
    # A courtesy call the customer is happy with is not acceptance of the solution
    communication_add(
        complaint=complaint,
        values={"channel": "phone", "content": "致電問候", "customer_response": "accepted"},
        by=cs_a,
    )
    assert Complaint.objects.get(pk=complaint.pk).customer_accepted is False
    # The solution explained and accepted is; a later refusal of it takes acceptance back
    for response, accepted in (("accepted", True), ("not_accepted", False)):
        communication_add(
            complaint=complaint,
            values={
                "channel": "phone",
                "content": "說明方案",
                "is_solution": True,
                "customer_response": response,
            },
            by=cs_a,
        )
        assert Complaint.objects.get(pk=complaint.pk).customer_accepted is accepted


@pytest.mark.django_db
def test_a_reopened_case_gets_a_new_resolution_deadline(b_case, cs_a, pt_head_a):
    # Given a closed B case
    complaint = advance(b_case, State.CLOSED, handler=cs_a, approver=pt_head_a)
    assert complaint.resolved_at is not None and complaint.next_due is None
    # When it is reopened on Mon 2026-03-16 10:00
    reopened_at = dt.datetime(2026, 3, 16, 10, 0, tzinfo=TAIPEI)
    with at(reopened_at, tick=False):
        complaint = complaint_transition(
            complaint=complaint,
            to=State.INVESTIGATING,
            by=pt_head_a,
            data=MoveInput(reason="客戶再次反映"),
        )
    # Then it is to be resolved by the end of the 5th working day after, and is on the board
    assert complaint.resolved_at is None and complaint.follow_up_due is None
    assert complaint.resolution_due == dt.datetime(2026, 3, 23, 23, 59, 59, tzinfo=TAIPEI)
    assert complaint.next_due == complaint.resolution_due


@pytest.mark.django_db
def test_an_owner_from_another_branch_is_refused(make_complaint, cs_a, pt_head_a, therapist_b):
    with pytest.raises(ValidationError) as error:
        make_complaint(owner=therapist_b)
    assert error.value.message_dict == {"owner": ["負責人須能存取本案所屬院所。"]}
    complaint = advance(
        make_complaint(owner=cs_a), State.EXECUTING, handler=cs_a, approver=pt_head_a
    )
    with pytest.raises(ValidationError) as error:
        action_item_add(
            complaint=complaint,
            values={"description": "補課", "owner": therapist_b, "due_date": dt.date(2026, 12, 1)},
            by=cs_a,
        )
    assert error.value.message_dict == {"owner": ["負責人須能存取本案所屬院所。"]}


@pytest.mark.django_db
def test_dates_before_2000_or_before_receipt_are_refused(make_complaint, cs_a):
    with pytest.raises(ValidationError) as error:
        make_complaint(received_at=dt.datetime(1900, 1, 1, 9, 0, tzinfo=TAIPEI))
    assert error.value.message_dict == {"received_at": ["接收時間請填 2000 年以後的日期。"]}
    complaint = make_complaint()
    with pytest.raises(ValidationError) as error:
        communication_add(
            complaint=complaint,
            values={
                "channel": "phone",
                "content": "回覆",
                "occurred_at": dt.datetime(2026, 2, 12, 9, 0, tzinfo=TAIPEI),
            },
            by=cs_a,
        )
    assert error.value.message_dict == {"occurred_at": ["溝通時間不可早於投訴接收時間。"]}
    assert complaint.first_response_at is None
