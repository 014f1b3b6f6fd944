"""What PT-F035 客戶投訴接收記錄表 and PT-F020 客訴處理紀錄表 show, read through the case page's
selector so the printout and the screen tell the same story.

The caller has already fetched the case with `complaint_get_for_user`, so everything here lies
inside the user's branches. Every choice the paper offers prints as a box, ticked or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from careloop.accounts.models import Department, User
from careloop.complaints.criteria import criteria_by_grade
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
    Nature,
    Solution,
    Transition,
)
from careloop.complaints.selectors import complaint_page
from careloop.core.phones import phone_display
from careloop.printing.registry import FormControl, form_control
from careloop.printing.selectors import Box, boxes

# Tables the paper leaves room for; an empty one prints blank rows to fill in by hand.
PAPER_BLANK_ROWS = 2
PUBLIC_RECEIVER = "線上意見表（待客服確認）"


@dataclass(frozen=True)
class CriteriaColumn:
    grade_label: str
    boxes: list[Box]


@dataclass(frozen=True)
class DeadlineLine:
    label: str
    due: dt.datetime | None
    reached_at: dt.datetime | None = None
    # True met, False missed, None still open
    met: bool | None = None


@dataclass
class ComplaintForm:
    """What both forms share: the case, the header, who printed it and how dates read."""

    control: FormControl
    complaint: Complaint
    roc: bool
    printed_at: dt.datetime
    printed_by: User
    phone: str
    channel: list[Box]
    grade: list[Box]


@dataclass
class PtF035(ComplaintForm):
    receiver: str = ""
    criteria: list[CriteriaColumn] = field(default_factory=list)
    suggested_grade: str = ""
    natures: list[Box] = field(default_factory=list)
    departments: list[Box] = field(default_factory=list)
    deadlines: list[DeadlineLine] = field(default_factory=list)
    record_late: bool = False


@dataclass
class PtF020(ComplaintForm):
    department_names: str = ""
    grade_changes: list[GradeChange] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    investigation: Investigation | None = None
    evidence: list[Evidence] = field(default_factory=list)
    solution: Solution | None = None
    approvals: list[Approval] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    communications: list[Communication] = field(default_factory=list)
    deadlines: list[DeadlineLine] = field(default_factory=list)
    accepted: list[Box] = field(default_factory=list)
    blank_action_rows: range = field(default_factory=lambda: range(0))
    blank_communication_rows: range = field(default_factory=lambda: range(0))


def _grade_boxes(grade: str) -> list[Box]:
    return boxes(Grade, [grade])


def _common(complaint: Complaint, *, code: str, user: User, roc: bool) -> dict:
    return {
        "control": form_control(code),
        "complaint": complaint,
        "roc": roc,
        "printed_at": timezone.now(),
        "printed_by": user,
        "phone": phone_display(complaint.complainant_phone),
        "channel": boxes(Channel, [complaint.channel]),
        "grade": _grade_boxes(complaint.grade),
    }


def _record_line(complaint: Complaint) -> DeadlineLine:
    """PT-P020 5.1.3: the PT-F035 record within 24 hours of receipt."""
    met = None
    if complaint.recorded_at is not None:
        met = complaint.recorded_at <= complaint.record_due
    elif timezone.now() > complaint.record_due:
        met = False
    return DeadlineLine(
        "完成接收記錄（24 小時內）", complaint.record_due, complaint.recorded_at, met
    )


def pt_f035_document(*, complaint: Complaint, user: User, roc: bool = False) -> PtF035:
    """PT-F035 客戶投訴接收記錄表: the intake as recorded, with annex 2's checklist."""
    ticked = set(complaint.criteria)
    criteria = [
        CriteriaColumn(
            grade_label=str(Grade(grade).label),
            boxes=[Box(label=str(c.text), ticked=c.code in ticked) for c in items],
        )
        for grade, items in criteria_by_grade()
    ]
    natures = list(Nature.objects.filter(is_active=True))
    if complaint.nature is not None and complaint.nature not in natures:
        natures.append(complaint.nature)
    involved = set(complaint.departments.values_list("id", flat=True))
    departments = Department.objects.order_by("code")
    if complaint.received_by is not None:
        receiver = complaint.received_by.full_name or complaint.received_by.username
    else:
        receiver = PUBLIC_RECEIVER if complaint.is_public_submission else ""
    deadlines = [
        _record_line(complaint),
        DeadlineLine("啟動處理期限", complaint.start_due),
        DeadlineLine("解決期限", complaint.resolution_due),
    ]
    if complaint.first_response_due is not None:
        deadlines.append(DeadlineLine("首次回覆期限（線上渠道）", complaint.first_response_due))
    return PtF035(
        **_common(complaint, code="PT-F035", user=user, roc=roc),
        receiver=receiver,
        criteria=criteria,
        suggested_grade=complaint.get_suggested_grade_display(),
        natures=[Box(label=n.name, ticked=n.id == complaint.nature_id) for n in natures],
        departments=[Box(label=d.name, ticked=d.id in involved) for d in departments],
        deadlines=deadlines,
        record_late=complaint.is_record_late,
    )


def pt_f020_document(*, complaint: Complaint, user: User, roc: bool = False) -> PtF020:
    """PT-F020 客訴處理紀錄表: the whole handling, oldest first, nothing truncated (5.6.1)."""
    page = complaint_page(complaint=complaint, user=user)
    complaint = page.complaint
    try:
        investigation = complaint.investigation
    except Investigation.DoesNotExist:
        investigation = None
    try:
        solution = complaint.solution
    except Solution.DoesNotExist:
        solution = None
    deadlines = [_record_line(complaint)] + [
        DeadlineLine(m.label, m.due, m.reached_at, m.met) for m in page.milestones
    ]
    accepted = [
        Box(label="接受", ticked=complaint.customer_accepted),
        Box(label="未接受／未表示", ticked=not complaint.customer_accepted),
    ]
    return PtF020(
        **_common(complaint, code="PT-F020", user=user, roc=roc),
        department_names="、".join(d.name for d in complaint.departments.all()),
        grade_changes=page.grade_changes,
        transitions=page.transitions,
        investigation=investigation,
        evidence=page.evidence,
        solution=solution,
        approvals=page.approvals,
        action_items=page.action_items,
        communications=page.communications,
        deadlines=deadlines,
        accepted=accepted,
        blank_action_rows=range(PAPER_BLANK_ROWS if not page.action_items else 0),
        blank_communication_rows=range(PAPER_BLANK_ROWS if not page.communications else 0),
    )
