"""Every write to a complaint case, each a rule of PT-P020 in one transaction.

Pages, the API, the admin and the Huey tasks all call these. Each takes the acting user, checks
the branch and the workflow, saves with that user in the history, and raises either
PermissionDenied, ValidationError (bad input, per field) or WorkflowRefused (a clause says no).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import Department, RoleCode, User
from careloop.accounts.permissions import (
    Capability,
    require,
    user_can,
    user_has_role,
    user_may_see_branch,
)
from careloop.complaints.criteria import CRITERIA_BY_CODE, grade_suggest
from careloop.complaints.deadlines import (
    deadlines_compute,
    next_due_refresh,
    policy_for,
    policy_from_terms,
    policy_terms,
)
from careloop.complaints.models import (
    ActionItem,
    Approval,
    Channel,
    Communication,
    Complaint,
    Evidence,
    Grade,
    GradeChange,
    Investigation,
    Solution,
    State,
    Transition,
)
from careloop.complaints.workflow import (
    MoveInput,
    Refusal,
    WorkflowRefused,
    accepted_from,
    editable_check,
    may_handle,
    move_check,
)
from careloop.core.sequences import sequence_next
from careloop.workcalendar.calendar import working_day_end

INTAKE_FIELDS = (
    "branch",
    "customer",
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_line_id",
    "channel",
    "third_party",
    "received_at",
    "description",
    "expected_resolution",
    "nature",
)


def _save(instance: Any, *, by: User | None, **kwargs: Any) -> None:
    instance._history_user = by
    instance.full_clean(**kwargs)
    instance.save()


def _check_branch(user: User, branch_id: int | None) -> None:
    if not user_may_see_branch(user, branch_id):
        raise PermissionDenied(_("您沒有此院所的權限。"))


def _owner_check(owner: User | None, branch_id: int | None) -> None:
    """Whoever is made responsible must be able to open the case they are told about."""
    if owner is not None and not user_may_see_branch(owner, branch_id):
        raise ValidationError({"owner": _("負責人須能存取本案所屬院所。")})


def _require_handler(complaint: Complaint, by: User) -> None:
    _check_branch(by, complaint.branch_id)
    editable_check(complaint)
    if not may_handle(by, complaint):
        raise WorkflowRefused(
            [Refusal("4.1", _("只有客戶服務部、主管或本案負責人可以處理此案件。"))]
        )


def _locked_for_handling(complaint: Complaint, by: User) -> Complaint:
    """The case re-read under a row lock, checked for the handler: a service that saves the
    case row saves what is stored now, not a copy the caller read earlier (a lost update)."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    _require_handler(complaint, by)
    return complaint


def complaint_number_next(*, received_at: dt.datetime) -> str:
    """客訴編號 YYYYMMDD-NNN: the local date of receipt and that day's sequence (wider past 999)."""
    day = timezone.localtime(received_at).strftime("%Y%m%d")
    return f"{day}-{sequence_next(key=f'complaint-{day}'):03d}"


def _criteria_clean(codes: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    unknown = [code for code in codes if code not in CRITERIA_BY_CODE]
    if unknown:
        raise ValidationError({"criteria": _("評估標準代碼不正確：%s") % "、".join(unknown)})
    return codes


def _deadlines_apply(complaint: Complaint) -> None:
    """Set every milestone from the grade's policy of today, and keep its terms on the case."""
    policy = policy_for(complaint.grade)
    complaint.deadline_terms = policy_terms(policy)
    deadlines = deadlines_compute(
        received_at=complaint.received_at,
        grade=complaint.grade,
        branch_id=complaint.branch_id,
        channel=complaint.channel,
        criteria=complaint.criteria,
        policy=policy,
    )
    complaint.record_due = deadlines.record_due
    complaint.start_due = deadlines.start_due
    complaint.resolution_due = deadlines.resolution_due
    complaint.first_response_due = deadlines.first_response_due
    next_due_refresh(complaint)


@transaction.atomic
def complaint_intake(
    *,
    values: dict[str, Any],
    criteria: Iterable[str],
    departments: Iterable[Department] = (),
    grade: str | None = None,
    grade_reason: str = "",
    owner: User | None = None,
    by: User,
) -> Complaint:
    """PT-F035: record a complaint received by staff on any channel (5.1.3, 5.2)."""
    require(by, Capability.COMPLAINT_INTAKE)
    complaint = Complaint(**{k: v for k, v in values.items() if k in INTAKE_FIELDS})
    _check_branch(by, complaint.branch_id)
    if complaint.customer is not None:
        _check_branch(by, complaint.customer.branch_id)
        _complainant_from_customer(complaint)
    complaint.received_at = complaint.received_at or timezone.now()
    complaint.criteria = _criteria_clean(criteria)
    complaint.suggested_grade = grade_suggest(complaint.criteria)
    complaint.grade = grade or complaint.suggested_grade
    complaint.grade_reason = grade_reason if complaint.grade != complaint.suggested_grade else ""
    complaint.received_by = by
    complaint.recorded_at = timezone.now()
    _owner_check(owner, complaint.branch_id)
    complaint.owner = owner
    complaint.full_clean(exclude=["number", "record_due", "start_due", "resolution_due"])
    _deadlines_apply(complaint)
    complaint.number = complaint_number_next(received_at=complaint.received_at)
    _save(complaint, by=by)
    complaint.departments.set(departments)
    GradeChange.objects.create(
        complaint=complaint, to_grade=complaint.grade, reason=complaint.grade_reason, changed_by=by
    )
    _customer_event_record(complaint, by=by)
    _on_commit_grade_alert(complaint)
    return complaint


def _complainant_from_customer(complaint: Complaint) -> None:
    customer = complaint.customer
    complaint.complainant_name = complaint.complainant_name or customer.name
    complaint.complainant_phone = complaint.complainant_phone or customer.phone
    complaint.complainant_email = complaint.complainant_email or customer.email
    complaint.complainant_line_id = complaint.complainant_line_id or customer.line_id


def _customer_event_record(complaint: Complaint, *, by: User) -> None:
    """The complaint appears among the customer's 重要事件 on PT-F025."""
    if complaint.customer_id is None:
        return
    from careloop.customers.models import EventKind, ImportantEvent

    if ImportantEvent.objects.filter(complaint=complaint).exists():
        return
    event = ImportantEvent(
        customer_id=complaint.customer_id,
        complaint=complaint,
        kind=EventKind.COMPLAINT,
        occurred_on=timezone.localtime(complaint.received_at).date(),
        description=_("客訴 %(number)s：%(text)s")
        % {"number": complaint.number, "text": complaint.description[:200]},
        recorded_by=by,
    )
    event._history_user = by
    event.save()


def _on_commit_grade_alert(complaint: Complaint) -> None:
    """5.2.3: an A case goes to senior management at once."""
    if complaint.grade != "A":
        return
    complaint_id = complaint.id
    transaction.on_commit(lambda: _notify_grade_a(complaint_id))


def _notify_grade_a(complaint_id: int) -> None:
    from careloop.complaints.alerts import complaint_alert_grade_a

    complaint_alert_grade_a(complaint_id=complaint_id)


@transaction.atomic
def complaint_public_submit(
    *, values: dict[str, Any], attachment: UploadedFile | None, fingerprint: str
) -> Complaint:
    """The suggestion box's online form: no login, graded C until staff complete the record."""
    complaint = Complaint(
        branch=values["branch"],
        complainant_name=values["complainant_name"],
        complainant_phone=values.get("complainant_phone", ""),
        complainant_email=values.get("complainant_email", ""),
        description=values["description"],
        expected_resolution=values.get("expected_resolution", ""),
        channel=Channel.SUGGESTION_BOX,
        received_at=timezone.now(),
        is_public_submission=True,
        suggested_grade="C",
        grade="C",
        submitter_fingerprint=fingerprint,
    )
    complaint.full_clean(exclude=["number", "record_due", "start_due", "resolution_due"])
    _deadlines_apply(complaint)
    complaint.number = complaint_number_next(received_at=complaint.received_at)
    _save(complaint, by=None)
    GradeChange.objects.create(
        complaint=complaint, to_grade="C", reason=_("線上意見表預設等級，待客服確認。")
    )
    if attachment is not None:
        Evidence.objects.create(
            complaint=complaint,
            kind="customer_upload",
            title=_("投訴人上傳的附件"),
            file=attachment,
        )
    complaint_id = complaint.id
    transaction.on_commit(lambda: _notify_public(complaint_id))
    return complaint


def _notify_public(complaint_id: int) -> None:
    from careloop.complaints.alerts import complaint_alert_public_submission

    complaint_alert_public_submission(complaint_id=complaint_id)


@transaction.atomic
def complaint_intake_update(
    *,
    complaint: Complaint,
    values: dict[str, Any],
    departments: Iterable[Department] | None = None,
    by: User,
) -> Complaint:
    """Correct or complete the PT-F035 record. The first staff save of a public submission
    makes that person the receiver and completes the record (5.1.3)."""
    complaint = _locked_for_handling(complaint, by)
    for name, value in values.items():
        if name in INTAKE_FIELDS and name not in ("received_at", "branch"):
            setattr(complaint, name, value)
    if complaint.customer is not None:
        _check_branch(by, complaint.customer.branch_id)
    if complaint.recorded_at is None:
        complaint.recorded_at = timezone.now()
        complaint.received_by = by
    _save(complaint, by=by)
    if departments is not None:
        complaint.departments.set(departments)
    _customer_event_record(complaint, by=by)
    return complaint


APPROVED_STATES = (State.EXECUTING, State.COMMUNICATING, State.FOLLOW_UP)


def _regrade_check(complaint: Complaint, *, old_grade: str, new_grade: str, by: User) -> None:
    """A regrade must not take a case around who approves it (5.4.2) or signs it off."""
    if (
        old_grade == Grade.A
        and new_grade != Grade.A
        and not user_can(by, Capability.COMPLAINT_SUPERVISE)
    ):
        raise WorkflowRefused([Refusal("5.2.1", _("A級投訴降級須由部門主管或以上決定。"))])
    raised_after_approval = (
        new_grade == Grade.A and old_grade != Grade.A and complaint.state in APPROVED_STATES
    )
    if raised_after_approval and not user_has_role(by, RoleCode.SENIOR_MANAGEMENT):
        raise WorkflowRefused(
            [
                Refusal(
                    "5.4.2",
                    _("方案已依原等級核准；改為 A 級須由高級管理層調整並審核方案。"),
                )
            ]
        )


@transaction.atomic
def complaint_regrade(
    *, complaint: Complaint, criteria: Iterable[str], grade: str | None, reason: str, by: User
) -> Complaint:
    """Change the grade (annex 2); deadlines are recomputed from the time of receipt (§3.3)."""
    complaint = _locked_for_handling(complaint, by)
    old_grade = complaint.grade
    complaint.criteria = _criteria_clean(criteria)
    complaint.suggested_grade = grade_suggest(complaint.criteria)
    new_grade = grade or complaint.suggested_grade
    if new_grade != complaint.suggested_grade and not reason.strip():
        raise ValidationError({"grade_reason": _("選擇與建議等級不同的等級時，請說明理由。")})
    # An online submission's C is a placeholder until staff first grade it (5.1.3): grading it
    # by annex 2 is not a change that needs a reason.
    first_grading = complaint.is_public_submission and complaint.recorded_at is None
    if new_grade != old_grade and not reason.strip() and not first_grading:
        raise ValidationError({"grade_reason": _("調整投訴等級時請說明理由。")})
    _regrade_check(complaint, old_grade=old_grade, new_grade=new_grade, by=by)
    complaint.grade = new_grade
    complaint.grade_reason = reason
    _deadlines_apply(complaint)
    if new_grade == Grade.A and old_grade != Grade.A and complaint.state in APPROVED_STATES:
        # Raised to A after its solution was approved: the senior manager raising it
        # reviews the solution at grade A (5.4.2) — recorded as that approval.
        Approval.objects.create(
            complaint=complaint,
            decision=Approval.Decision.APPROVED,
            grade=Grade.A,
            comment=reason,
            by=by,
        )
    if complaint.recorded_at is None:
        complaint.recorded_at = timezone.now()
        complaint.received_by = by
    _save(complaint, by=by)
    if new_grade != old_grade:
        GradeChange.objects.create(
            complaint=complaint,
            from_grade=old_grade,
            to_grade=new_grade,
            reason=reason,
            changed_by=by,
        )
        _on_commit_grade_alert(complaint)
    return complaint


@transaction.atomic
def complaint_assign(
    *, complaint: Complaint, owner: User | None, departments: Iterable[Department], by: User
) -> Complaint:
    """負責人 and 負責部門 (5.2.2, 5.3.1)."""
    complaint = _locked_for_handling(complaint, by)
    _owner_check(owner, complaint.branch_id)
    complaint.owner = owner
    _save(complaint, by=by)
    complaint.departments.set(departments)
    return complaint


@transaction.atomic
def complainant_to_customer(
    *, complaint: Complaint, by: User, allow_duplicate: bool = False
) -> Complaint:
    """A new complainant becomes a customer record from what the case already holds."""
    from careloop.customers.services import customer_create

    complaint = _locked_for_handling(complaint, by)
    if complaint.customer_id is not None:
        raise ValidationError({"customer": _("此案件已連結客戶。")})
    customer = customer_create(
        values={
            "name": complaint.complainant_name,
            "phone": complaint.complainant_phone,
            "email": complaint.complainant_email,
            "line_id": complaint.complainant_line_id,
            "branch": complaint.branch,
        },
        by=by,
        allow_duplicate=allow_duplicate,
    )
    complaint.customer = customer
    _save(complaint, by=by)
    _customer_event_record(complaint, by=by)
    return complaint


@transaction.atomic
def investigation_save(*, complaint: Complaint, values: dict[str, Any], by: User) -> Investigation:
    """調查計劃 (5.3.1) and 調查報告 (5.3.3); the report is written while investigating."""
    _require_handler(complaint, by)
    investigation = Investigation.objects.filter(complaint=complaint).first() or Investigation(
        complaint=complaint
    )
    report_fields = set(Investigation.REPORT_FIELDS)
    changes_report = any(
        values.get(name, "") != getattr(investigation, name) for name in report_fields
    )
    if changes_report and complaint.state not in (State.RECEIVED, State.INVESTIGATING):
        raise WorkflowRefused(
            [Refusal("5.3.3", _("調查報告只能在調查階段修改；如需修改請由審核人退回。"))]
        )
    for name in Investigation.PLAN_FIELDS + Investigation.REPORT_FIELDS:
        if name in values:
            setattr(investigation, name, values[name])
    investigation.updated_by = by
    _save(investigation, by=by)
    return investigation


@transaction.atomic
def evidence_add(
    *, complaint: Complaint, values: dict[str, Any], file: UploadedFile | None, by: User
) -> Evidence:
    """資料收集 (5.3.2): a file, interview notes or a record."""
    _require_handler(complaint, by)
    evidence = Evidence(complaint=complaint, added_by=by, **values)
    if file is not None:
        evidence.file = file
    if not evidence.file and not evidence.notes.strip():
        raise ValidationError({"notes": _("請上傳檔案或填寫內容。")})
    _save(evidence, by=by)
    return evidence


@transaction.atomic
def solution_save(*, complaint: Complaint, values: dict[str, Any], by: User) -> Solution:
    """解決方案要素 (5.4.1); frozen once submitted for review until it is sent back."""
    _require_handler(complaint, by)
    if complaint.state not in (State.RECEIVED, State.INVESTIGATING):
        raise WorkflowRefused(
            [Refusal("5.4.2", _("方案已送審或核准，不可修改；如需修改請由審核人退回。"))]
        )
    solution = Solution.objects.filter(complaint=complaint).first() or Solution(complaint=complaint)
    for name, value in values.items():
        setattr(solution, name, value)
    solution.updated_by = by
    _save(solution, by=by)
    return solution


@transaction.atomic
def action_item_add(*, complaint: Complaint, values: dict[str, Any], by: User) -> ActionItem:
    """行動項目 (5.5.1), once the solution is approved."""
    _require_handler(complaint, by)
    if complaint.state not in (State.EXECUTING, State.COMMUNICATING, State.FOLLOW_UP):
        raise WorkflowRefused([Refusal("5.5.1", _("解決方案核准後才能訂定行動項目。"))])
    item = ActionItem(complaint=complaint, created_by=by, **values)
    _owner_check(item.owner, complaint.branch_id)
    _save(item, by=by)
    return item


@transaction.atomic
def action_item_set_done(*, item: ActionItem, done: bool, by: User) -> ActionItem:
    complaint = item.complaint
    _check_branch(by, complaint.branch_id)
    editable_check(complaint)
    if not (may_handle(by, complaint) or item.owner_id == by.id):
        raise WorkflowRefused([Refusal("5.5.1", _("只有責任人或案件處理人員可以更新行動項目。"))])
    item.done_at = timezone.now() if done else None
    item.done_by = by if done else None
    _save(item, by=by)
    return item


@transaction.atomic
def communication_add(*, complaint: Complaint, values: dict[str, Any], by: User) -> Communication:
    """客戶溝通 (5.5.2): every contact is logged; the customer's answer decides acceptance."""
    complaint = _locked_for_handling(complaint, by)
    communication = Communication(complaint=complaint, by=by, **values)
    if communication.occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("溝通時間不可晚於現在。")})
    if communication.occurred_at < complaint.received_at:
        raise ValidationError({"occurred_at": _("溝通時間不可早於投訴接收時間。")})
    if communication.is_solution and complaint.state in (
        State.RECEIVED,
        State.INVESTIGATING,
        State.SOLUTION_REVIEW,
    ):
        raise WorkflowRefused([Refusal("5.4.2", _("解決方案尚未核准，不能向客戶說明方案。"))])
    _save(communication, by=by)
    if complaint.first_response_at is None:
        complaint.first_response_at = communication.occurred_at
    # 5.6.2 asks whether the customer accepted the solution: only the answer to a solution
    # being explained counts, and the latest such answer stands.
    accepted = accepted_from(communication.customer_response)
    if communication.is_solution and accepted is not None:
        complaint.customer_accepted = accepted
    # §3.3: an A case's resolution milestone is the initial solution communicated.
    if communication.is_solution and complaint.grade == "A" and complaint.resolved_at is None:
        complaint.resolved_at = communication.occurred_at
    next_due_refresh(complaint)
    _save(complaint, by=by)
    return communication


@transaction.atomic
def complaint_closing_record(
    *,
    complaint: Complaint,
    summary: str,
    satisfaction_score: int | None,
    satisfaction_note: str,
    by: User,
) -> Complaint:
    """The handling record's summary and the satisfaction evaluation (5.6.1, 5.5.3)."""
    complaint = _locked_for_handling(complaint, by)
    complaint.summary = summary
    complaint.satisfaction_score = satisfaction_score
    complaint.satisfaction_note = satisfaction_note
    _save(complaint, by=by)
    return complaint


@transaction.atomic
def complaint_transition(
    *, complaint: Complaint, to: str, by: User, data: MoveInput | None = None
) -> Complaint:
    """Move a case along PT-P020. Raises WorkflowRefused citing the clause."""
    data = data or MoveInput()
    _check_branch(by, complaint.branch_id)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    move = move_check(complaint=complaint, target=to, user=by, data=data)
    now = timezone.now()
    source = complaint.state
    if move.code in ("approve", "reject"):
        Approval.objects.create(
            complaint=complaint,
            decision=Approval.Decision.APPROVED
            if move.code == "approve"
            else Approval.Decision.REJECTED,
            grade=complaint.grade,
            comment=data.reason or data.comment,
            by=by,
        )
    if move.code == "start_investigation" and complaint.started_at is None:
        complaint.started_at = now
    if move.code == "start_follow_up":
        if complaint.resolved_at is None:
            complaint.resolved_at = now
        _follow_up_plan(complaint, by=by)
    if move.code == "close":
        if data.summary is not None:
            complaint.summary = data.summary
        if data.satisfaction_score is not None:
            complaint.satisfaction_score = data.satisfaction_score
        if data.satisfaction_note is not None:
            complaint.satisfaction_note = data.satisfaction_note
        complaint.closed_at = now
        complaint.closed_by = by
    if move.code == "archive":
        complaint.archived_at = now
    if move.code == "reopen":
        complaint.closed_at = None
        complaint.closed_by = None
        complaint.customer_accepted = False
        # 5.6.3: the case is worked again, against a new resolution deadline counted like
        # the first, from the day it is reopened.
        terms = policy_from_terms(complaint.grade, complaint.deadline_terms)
        complaint.resolved_at = None
        complaint.follow_up_due = None
        complaint.resolution_due = working_day_end(
            after=timezone.localdate(now),
            n=terms.resolution_working_days,
            branch_id=complaint.branch_id,
        )
    complaint.state = move.target
    next_due_refresh(complaint)
    _save(complaint, by=by)
    Transition.objects.create(
        complaint=complaint,
        from_state=source,
        to_state=move.target,
        reason=data.reason or data.comment,
        by=by,
        at=now,
    )
    if move.code == "start_follow_up":  # §3.4: the satisfaction survey (§6) goes out now
        from careloop.surveys.services import survey_on_complaint_resolved

        survey = partial(survey_on_complaint_resolved, complaint_id=complaint.id, by_id=by.id)
        transaction.on_commit(survey, robust=True)
    return complaint


@transaction.atomic
def complaint_satisfaction_from_survey(*, complaint: Complaint, score: int, note: str) -> Complaint:
    """5.5.3 確認客戶滿意度: the customer's own PT-F021 answer becomes the case's satisfaction
    evaluation (5.6.1) while the case is open. A closed or archived case stays as it was
    signed (5.6.3); the answer still shows with the survey. No acting user: the customer
    answered through the survey link, so the history records no staff member."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.is_read_only:
        return complaint
    complaint.satisfaction_score = score
    complaint.satisfaction_note = "\n".join(
        text for text in (complaint.satisfaction_note.strip(), note.strip()) if text
    )
    complaint._history_user = None
    complaint.save(update_fields=["satisfaction_score", "satisfaction_note", "updated_at"])
    return complaint


def _follow_up_plan(complaint: Complaint, *, by: User) -> None:
    """5.5.3: a follow-up contact N days after the solution is communicated (3–7, default 5)."""
    days = policy_from_terms(complaint.grade, complaint.deadline_terms).follow_up_days
    complaint.follow_up_due = timezone.localdate() + dt.timedelta(days=days)
    if complaint.customer_id is None:
        return
    from careloop.customers.models import ContactPlan, ContactPurpose

    plan = ContactPlan(
        customer_id=complaint.customer_id,
        due_date=complaint.follow_up_due,
        purpose=ContactPurpose.COMPLAINT_FOLLOW_UP,
        purpose_other=complaint.number,
        assignee=complaint.owner or by,
        created_by=by,
    )
    _save(plan, by=by)


def senior_managers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, roles__code=RoleCode.SENIOR_MANAGEMENT).distinct()
    )


def complaint_url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.number])
