"""Complaint cases over JSON (/api/v1/complaints…, /api/v1/calendar/deadlines). Thin: this
module turns codes into rows, the selectors read, the services write and hold every rule of
PT-P020. A guard's refusal answers 409 with each reason citing its clause; a closed or archived
case answers 409 citing 5.6.3 to every edit. There is no DELETE (5.6.3: cases are kept)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import Branch, Department, User
from careloop.accounts.permissions import Capability, require, user_may_see_branch
from careloop.complaints import services
from careloop.complaints.criteria import CRITERIA, CRITERIA_BY_CODE, grade_suggest
from careloop.complaints.deadlines import (
    MILESTONE_LABELS,
    STANDING_LABELS,
    deadlines_compute,
)
from careloop.complaints.forms import evidence_file_check
from careloop.complaints.models import (
    ActionItem,
    Approval,
    Channel,
    Communication,
    Complaint,
    Evidence,
    EvidenceKind,
    Grade,
    Investigation,
    Nature,
    Solution,
    State,
)
from careloop.complaints.schemas import (
    ActionItemIn,
    ActionItemOut,
    ActionItemPatchIn,
    ApprovalIn,
    ApprovalOut,
    ApprovalResultOut,
    AssignmentIn,
    BoardOut,
    CaseOut,
    ClosingRecordIn,
    CommunicationIn,
    CommunicationOut,
    ComplaintCreateIn,
    ComplaintListQuery,
    ComplaintOut,
    ComplaintPatchIn,
    CriterionOut,
    CustomerLinkIn,
    DeadlinePreviewOut,
    DeadlinePreviewQuery,
    EvidenceForm,
    EvidenceOut,
    InvestigationIn,
    InvestigationOut,
    NatureOut,
    RegradeIn,
    SolutionIn,
    SolutionOut,
    TransitionIn,
    TransitionOut,
)
from careloop.complaints.selectors import (
    BoardFilters,
    BoardRow,
    board_rows,
    complaint_board,
    complaint_get_for_user,
    complaint_page_for_user,
)
from careloop.complaints.workflow import MoveInput, WorkflowRefused, editable_check
from careloop.core.api_errors import ApiError
from careloop.core.api_schemas import RefusedOut
from careloop.core.api_types import Id
from careloop.customers.api import _candidates, _user
from careloop.customers.forms import PhoneField
from careloop.customers.schemas import DuplicateOut, ErrorOut
from careloop.customers.selectors import customer_get_for_user
from careloop.customers.services import LikelyDuplicate
from careloop.workcalendar.forms import FIRST_DAY, LAST_DAY

router = Router(tags=["客訴"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {**READ, 409: RefusedOut}

# A "+" left unencoded in a query string arrives as a space: 16:00 08:00 means 16:00+08:00.
_OFFSET_AS_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
_CASE_RELATED = ("branch", "customer", "owner", "received_by", "nature", "closed_by")


# --- plumbing ----------------------------------------------------------------------------


@contextmanager
def _cited() -> Iterator[None]:
    """A guard's refusal as 409: the first reason as the detail, all of them as `reasons`."""
    try:
        yield
    except WorkflowRefused as exc:
        raise ApiError(409, exc.messages[0], reasons=exc.messages) from exc


class _Fields:
    """Field errors gathered while turning codes into rows, answered together as one 422."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def check(self) -> None:
        if self.errors:
            raise ApiError(422, _("輸入資料有誤。"), self.errors)


@contextmanager
def _case_found() -> Iterator[None]:
    """A case outside the user's branches, or not there, answers 404 in the API's words."""
    try:
        yield
    except Http404 as exc:
        raise Http404(_("找不到此客訴案件。")) from exc


def _case(user: User, number: str) -> Complaint:
    with _case_found():
        return complaint_get_for_user(user=user, number=number)


def _editable(user: User, number: str) -> Complaint:
    """The case, once it is known it may still be edited: 404, then 409 citing 5.6.3."""
    complaint = _case(user, number)
    with _cited():
        editable_check(complaint)
    return complaint


def _fresh(complaint: Complaint) -> Complaint:
    """The case as saved, with what ComplaintOut reads, after a service has changed it."""
    return Complaint.objects.select_related(*_CASE_RELATED).get(pk=complaint.pk)


def _answered(request: HttpRequest, complaint: Complaint) -> Complaint:
    """The case as a write answers it, its customer's read recorded: the answer names them
    (a complainant who is no customer names no record, and None is skipped)."""
    fresh = _fresh(complaint)
    reads_record(request, [fresh.customer_id], kind=ReadKind.VIEW)
    return fresh


def _text(value: str | None) -> str:
    return (value or "").strip()


# --- codes into rows ---------------------------------------------------------------------


def _lookup(queryset: QuerySet, value: Any, *, key: str = "code") -> Any:
    """A row by its ID (a number, or a string of digits) or else by its code; None if neither."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        row = queryset.filter(pk=int(text)).first()
        if row is not None:
            return row
    return queryset.filter(**{key: text}).first()


def _branch(value: Any, fields: _Fields, name: str = "branch") -> Branch | None:
    branch = _lookup(Branch.objects.all(), value)
    if branch is None:
        fields.add(name, _("找不到此院所：%s。") % value)
    return branch


def _nature(value: Any, fields: _Fields, *, active_only: bool = True) -> Nature | None:
    natures = Nature.objects.filter(is_active=True) if active_only else Nature.objects.all()
    nature = _lookup(natures, value)
    if nature is None:
        fields.add("nature", _("找不到此投訴性質：%s。") % value)
    return nature


def _department(value: Any, fields: _Fields, name: str = "departments") -> Department | None:
    department = _lookup(Department.objects.all(), value)
    if department is None:
        fields.add(name, _("找不到此部門：%s。") % value)
    return department


def _departments(values: Iterable[Any], fields: _Fields) -> list[Department]:
    found = [_department(value, fields) for value in values]
    return list(dict.fromkeys(d for d in found if d is not None))


def _staff(value: Any, fields: _Fields, name: str) -> User | None:
    person = _lookup(User.objects.filter(is_active=True), value, key="username")
    if person is None:
        fields.add(name, _("找不到此員工：%s。") % value)
    return person


def _customer(user: User, number: str, fields: _Fields) -> Any:
    try:
        return customer_get_for_user(user=user, number=number.strip())
    except Http404:
        fields.add("customer", _("找不到此客戶編號：%s。") % number)
        return None


def _channel(value: str | None, fields: _Fields, name: str = "channel") -> str:
    code = _text(value)
    if not code:
        fields.add(name, _("請選擇投訴渠道。"))
    elif code not in Channel.values:
        fields.add(name, _("投訴渠道代碼不正確：%s。") % code)
    return code


def _grade(value: str | None, fields: _Fields) -> str | None:
    code = _text(value).upper()
    if not code:
        return None
    if code not in Grade.values:
        fields.add("grade", _("投訴等級須為 A、B 或 C。"))
        return None
    return code


def _state(value: str, fields: _Fields, name: str) -> str:
    code = _text(value)
    if code and code not in State.values:
        fields.add(name, _("處理階段代碼不正確：%s。") % code)
    return code


def _criteria(codes: Iterable[str], fields: _Fields) -> list[str]:
    codes = [c.strip() for code in codes for c in str(code).split(",") if c.strip()]
    unknown = [code for code in codes if code not in CRITERIA_BY_CODE]
    if unknown:
        fields.add("criteria", _("評估標準代碼不正確：%s") % "、".join(unknown))
    return list(dict.fromkeys(codes))


def _phone(value: str | None, fields: _Fields, name: str = "complainant_phone") -> str:
    try:
        return PhoneField(required=False).clean(_text(value))
    except forms.ValidationError as exc:
        fields.add(name, exc.messages[0])
        return ""


def _when(value: str | None, fields: _Fields, name: str) -> dt.datetime | None:
    """ISO 8601; without an offset it is Taipei time. None when blank or wrong (error added)."""
    text = _OFFSET_AS_SPACE.sub(r"\1+\2", _text(value))
    if not text:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        fields.add(name, _("時間格式不正確，請用 ISO 8601，例如 2026-02-13T16:00+08:00。"))
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    # Deadlines count working days from the national calendar, known for these years only.
    if not FIRST_DAY <= timezone.localtime(moment).date() <= LAST_DAY:
        fields.add(name, _("時間須介於 2000 年與 2099 年之間。"))
        return None
    return moment


def _day(value: str | None, fields: _Fields, name: str) -> dt.date | None:
    text = _text(value)
    if not text:
        fields.add(name, _("請填寫日期。"))
        return None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        fields.add(name, _("日期格式不正確，請用 YYYY-MM-DD。"))
    elif not FIRST_DAY <= day <= LAST_DAY:
        fields.add(name, _("日期須介於 2000 年與 2099 年之間。"))
        return None
    return day


# --- references --------------------------------------------------------------------------


@router.get(
    "/complaints/criteria", response={200: list[CriterionOut], **READ}, summary="投訴等級評估標準"
)
def criteria_list(request: HttpRequest) -> list[dict[str, str]]:
    """附件二的評估標準，依 A、B、C 排列。接收投訴時勾選的代碼決定建議等級：
    有 A 類即為 A，否則有 B 類即為 B，其餘為 C。"""
    require(_user(request), Capability.COMPLAINT_VIEW)
    return [{"code": c.code, "grade": str(c.grade), "text": str(c.text)} for c in CRITERIA]


@router.get("/complaints/natures", response={200: list[NatureOut], **READ}, summary="投訴性質")
def nature_list(request: HttpRequest) -> list[Nature]:
    """使用中的投訴性質（5.2.2），由系統管理員維護。"""
    require(_user(request), Capability.COMPLAINT_VIEW)
    return list(Nature.objects.filter(is_active=True))


@router.get(
    "/calendar/deadlines",
    response={200: DeadlinePreviewOut, **READ},
    summary="預覽客訴處理期限",
)
def deadline_preview(request: HttpRequest, params: Query[DeadlinePreviewQuery]) -> dict[str, Any]:
    """依等級與院所行事曆計算各期限（§3.3）：啟動處理以小時或工作天計，解決期限為第 N 個
    工作天結束時（23:59:59，不含收件當日）；院所的停診日（例如颱風假）順延期限。"""
    user = _user(request)
    require(user, Capability.COMPLAINT_VIEW)
    fields = _Fields()
    branch = _branch(params.branch, fields) if _text(params.branch) else None
    if not _text(params.branch):
        fields.add("branch", _("請選擇院所。"))
    received_at = _when(params.received_at, fields, "received_at") or timezone.now()
    criteria = _criteria(params.criteria, fields)
    grade = _grade(params.grade, fields)
    channel = _channel(params.channel, fields) if _text(params.channel) else ""
    fields.check()
    if not user_may_see_branch(user, branch.pk):
        raise PermissionDenied(_("您沒有此院所的權限。"))
    suggested = grade_suggest(criteria)
    grade = grade or suggested
    deadlines = deadlines_compute(
        received_at=received_at,
        grade=grade,
        branch_id=branch.pk,
        channel=channel,
        criteria=criteria,
    )
    return {
        "received_at": received_at,
        "grade": grade,
        "suggested_grade": suggested,
        "branch": branch,
        "record_due": deadlines.record_due,
        "start_due": deadlines.start_due,
        "resolution_due": deadlines.resolution_due,
        "first_response_due": deadlines.first_response_due,
        "follow_up_days": deadlines.follow_up_days,
    }


# --- the board and the case --------------------------------------------------------------


def _board_row(row: BoardRow) -> dict[str, Any]:
    complaint = row.complaint
    return {
        "number": complaint.number,
        "branch": complaint.branch,
        "complainant_name": complaint.complainant_name,
        "customer_number": complaint.customer.number if complaint.customer_id else None,
        "channel": complaint.channel,
        "channel_label": complaint.get_channel_display(),
        "received_at": complaint.received_at,
        "grade": complaint.grade,
        "grade_label": complaint.get_grade_display(),
        "state": complaint.state,
        "state_label": complaint.get_state_display(),
        "nature": complaint.nature,
        "departments": list(complaint.departments.all()),
        "owner": complaint.owner,
        "is_record_late": complaint.is_record_late,
        "standing": row.standing.value,
        "standing_label": str(STANDING_LABELS[row.standing]),
        "milestone": row.milestone.value if row.milestone else None,
        "milestone_label": str(MILESTONE_LABELS[row.milestone]) if row.milestone else None,
        "due": row.due,
        "seconds_left": int(row.time_left.total_seconds()) if row.time_left is not None else None,
    }


@router.get("/complaints", response={200: BoardOut, **READ}, summary="客訴看板")
def complaint_list(request: HttpRequest, params: Query[ComplaintListQuery]) -> dict[str, Any]:
    """您可存取院所的案件。未結案者依下一個期限由近到遠；`closed=true` 改列已結案與已歸檔者。
    以 `limit`（最多 100）與 `offset` 分頁，`count` 為符合條件的總數。"""
    user = _user(request)
    fields = _Fields()
    grade = _grade(params.grade, fields) or ""
    state = _state(params.state, fields, "state")
    branch = _branch(params.branch, fields) if _text(params.branch) else None
    department = (
        _department(params.department, fields, "department") if _text(params.department) else None
    )
    nature = _nature(params.nature, fields, active_only=False) if _text(params.nature) else None
    fields.check()
    filters = BoardFilters(
        grade=grade,
        state=state,
        branch=branch.pk if branch else None,
        department=department.pk if department else None,
        nature=nature.pk if nature else None,
        overdue=params.overdue,
        mine=params.mine,
        closed=params.closed,
        query=params.q,
    )
    complaints = complaint_board(user=user, filters=filters).select_related("customer")
    page = list(complaints[params.offset : params.offset + params.limit])
    reads_record(request, [c.customer_id for c in page], kind=ReadKind.LIST)
    return {
        "count": complaints.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_board_row(row) for row in board_rows(page)],
    }


@router.post("/complaints", response={201: ComplaintOut, **WRITE}, summary="接收投訴（PT-F035）")
def complaint_create(request: HttpRequest, payload: ComplaintCreateIn) -> Status[Complaint]:
    """記錄任何渠道收到的投訴（5.1.3、5.2）。勾選的評估標準決定建議等級；選擇不同等級時須說明
    理由。回應客訴編號、建議與確定的等級、各期限（台北時間）與是否逾 24 小時才記錄。"""
    user = _user(request)
    require(user, Capability.COMPLAINT_INTAKE)
    fields = _Fields()
    if payload.branch is None or not str(payload.branch).strip():
        branch = user.home_branch
        if branch is None:
            fields.add("branch", _("請選擇院所。"))
    else:
        branch = _branch(payload.branch, fields)
    values: dict[str, Any] = {
        "branch": branch,
        "customer": _customer(user, payload.customer, fields) if _text(payload.customer) else None,
        "complainant_name": _text(payload.complainant_name),
        "complainant_phone": _phone(payload.complainant_phone, fields),
        "complainant_email": _text(payload.complainant_email),
        "complainant_line_id": _text(payload.complainant_line_id),
        "channel": _channel(payload.channel, fields),
        "third_party": _text(payload.third_party),
        "received_at": _when(payload.received_at, fields, "received_at"),
        "description": _text(payload.description),
        "expected_resolution": _text(payload.expected_resolution),
        "nature": _nature(payload.nature, fields) if _text(str(payload.nature or "")) else None,
    }
    criteria = _criteria(payload.criteria, fields)
    grade = _grade(payload.grade, fields)
    departments = _departments(payload.departments, fields)
    owner = _staff(payload.owner, fields, "owner") if _text(str(payload.owner or "")) else None
    fields.check()
    with _cited():
        complaint = services.complaint_intake(
            values=values,
            criteria=criteria,
            departments=departments,
            grade=grade,
            grade_reason=_text(payload.grade_reason),
            owner=owner,
            by=user,
        )
    return Status(201, _fresh(complaint))


@router.get("/complaints/{number}", response={200: CaseOut, **READ}, summary="客訴案件完整內容")
def complaint_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    """接收記錄、等級記錄、階段變更、調查、證據、方案、審核、行動項目、溝通、各期限是否如期，
    以及目前可執行的動作與不可執行的理由。不在您可存取的院所時回應 404。"""
    user = _user(request)
    with _case_found():
        page = complaint_page_for_user(user=user, number=number)
    complaint = page.complaint
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)
    return {
        "complaint": complaint,
        "grade_history": page.grade_changes,
        "transitions": page.transitions,
        "investigation": getattr(complaint, "investigation", None),
        "solution": getattr(complaint, "solution", None),
        "approvals": page.approvals,
        "action_items": page.action_items,
        "open_action_items": page.open_action_items,
        "communications": page.communications,
        "evidence": page.evidence,
        "milestones": [
            {
                "milestone": str(m.milestone),
                "label": m.label,
                "due": m.due,
                "reached_at": m.reached_at,
                "met": m.met,
                "standing": m.standing.value,
                "standing_label": str(STANDING_LABELS[m.standing]),
            }
            for m in page.milestones
        ],
        "moves": [
            {
                "code": move.code,
                "label": str(move.label),
                "to": str(move.target),
                "to_label": str(State(move.target).label),
                "needs_reason": move.needs_reason,
                "allowed": not refusals,
                "refusals": [str(r) for r in refusals],
            }
            for move, refusals in page.moves
        ],
    }


@router.patch("/complaints/{number}", response={200: ComplaintOut, **WRITE}, summary="更正接收記錄")
def complaint_patch(request: HttpRequest, number: str, payload: ComplaintPatchIn) -> Complaint:
    """只修改送出的欄位。院所與接收時間不可修改（期限依此計算）；等級請用 /grade。"""
    user = _user(request)
    complaint = _editable(user, number)
    given = payload.model_dump(exclude_unset=True)
    fields = _Fields()
    values: dict[str, Any] = {}
    for name in (
        "complainant_name",
        "complainant_email",
        "complainant_line_id",
        "third_party",
        "description",
        "expected_resolution",
    ):
        if name in given:
            values[name] = _text(given[name])
    if "complainant_phone" in given:
        values["complainant_phone"] = _phone(given["complainant_phone"], fields)
    if "channel" in given:
        values["channel"] = _channel(given["channel"], fields)
    if "customer" in given:
        number_given = _text(given["customer"])
        values["customer"] = _customer(user, number_given, fields) if number_given else None
    if "nature" in given:
        nature = given["nature"]
        values["nature"] = _nature(nature, fields) if _text(str(nature or "")) else None
    departments = None
    if given.get("departments") is not None:
        departments = _departments(given["departments"], fields)
    fields.check()
    with _cited():
        services.complaint_intake_update(
            complaint=complaint, values=values, departments=departments, by=user
        )
    return _answered(request, complaint)


@router.post(
    "/complaints/{number}/grade", response={200: ComplaintOut, **WRITE}, summary="調整投訴等級"
)
def complaint_grade(request: HttpRequest, number: str, payload: RegradeIn) -> Complaint:
    """重新勾選評估標準或選擇等級；等級改變時須說明理由，各期限依接收時間重新計算（§3.3）。"""
    user = _user(request)
    complaint = _editable(user, number)
    fields = _Fields()
    criteria = (
        _criteria(payload.criteria, fields) if payload.criteria is not None else complaint.criteria
    )
    grade = _grade(payload.grade, fields)
    fields.check()
    with _cited():
        complaint = services.complaint_regrade(
            complaint=complaint,
            criteria=criteria,
            grade=grade,
            reason=_text(payload.reason),
            by=user,
        )
    return _answered(request, complaint)


@router.post(
    "/complaints/{number}/assignment",
    response={200: ComplaintOut, **WRITE},
    summary="指定負責人與負責部門",
)
def complaint_assignment(request: HttpRequest, number: str, payload: AssignmentIn) -> Complaint:
    """未送出的欄位不變；`owner: null` 取消負責人。負責人須能存取本案院所。"""
    user = _user(request)
    complaint = _editable(user, number)
    given = payload.model_dump(exclude_unset=True)
    fields = _Fields()
    owner = complaint.owner
    if "owner" in given:
        owner = (
            _staff(given["owner"], fields, "owner") if _text(str(given["owner"] or "")) else None
        )
    departments = list(complaint.departments.all())
    if given.get("departments") is not None:
        departments = _departments(given["departments"], fields)
    fields.check()
    with _cited():
        services.complaint_assign(
            complaint=complaint, owner=owner, departments=departments, by=user
        )
    return _answered(request, complaint)


@router.post(
    "/complaints/{number}/customer",
    response={201: ComplaintOut, 409: DuplicateOut | RefusedOut, **READ},
    summary="投訴人建立為客戶",
)
def complaint_customer(request: HttpRequest, number: str, payload: CustomerLinkIn) -> Status[Any]:
    """以案件的投訴人資料新增客戶並連結本案。可能重複（電話相同等）時回應 409 並列出既有客戶；
    確認是新客戶後以 `allow_duplicate: true` 重送。"""
    user = _user(request)
    complaint = _editable(user, number)
    with _cited():
        try:
            services.complainant_to_customer(
                complaint=complaint, by=user, allow_duplicate=payload.allow_duplicate
            )
        except LikelyDuplicate as exc:
            shown = [c for c in exc.candidates if getattr(c, "visible_to_user", False)]
            reads_record(request, shown, kind=ReadKind.LIST)  # the 409 names these
            raise ApiError(409, str(exc), candidates=_candidates(exc.candidates)) from exc
    return Status(201, _answered(request, complaint))


# --- the workflow ------------------------------------------------------------------------


@router.get(
    "/complaints/{number}/transitions",
    response={200: list[TransitionOut], **READ},
    summary="階段變更記錄",
)
def transition_list(request: HttpRequest, number: str) -> list[Any]:
    complaint = _case(_user(request), number)
    return list(complaint.transitions.select_related("by"))


@router.post(
    "/complaints/{number}/transitions",
    response={200: ComplaintOut, **WRITE},
    summary="變更處理階段",
)
def transition_create(request: HttpRequest, number: str, payload: TransitionIn) -> Complaint:
    """依 PT-P020 流程移到 `to` 階段（可執行的動作見案件的 `moves`）。條件不符時回應 409，
    `reasons` 列出每項理由並引用條文，例如「PT-P020 5.6.2：尚有 2 項行動項目未完成」。
    結案時可一併送出 summary、satisfaction_score、satisfaction_note。"""
    user = _user(request)
    complaint = _case(user, number)
    fields = _Fields()
    target = _state(payload.to, fields, "to")
    if not target:
        fields.add("to", _("請選擇目標階段。"))
    fields.check()
    data = MoveInput(
        reason=_text(payload.reason),
        comment=_text(payload.comment),
        summary=payload.summary.strip() if payload.summary is not None else None,
        satisfaction_score=payload.satisfaction_score,
        satisfaction_note=(
            payload.satisfaction_note.strip() if payload.satisfaction_note is not None else None
        ),
    )
    with _cited():
        complaint = services.complaint_transition(
            complaint=complaint, to=target, by=user, data=data
        )
    return _answered(request, complaint)


@router.get(
    "/complaints/{number}/approvals",
    response={200: list[ApprovalOut], **READ},
    summary="方案審核記錄",
)
def approval_list(request: HttpRequest, number: str) -> list[Any]:
    complaint = _case(_user(request), number)
    return list(complaint.approvals.select_related("by"))


@router.post(
    "/complaints/{number}/approvals",
    response={200: ApprovalResultOut, **WRITE},
    summary="審核解決方案",
)
def approval_create(request: HttpRequest, number: str, payload: ApprovalIn) -> dict[str, Any]:
    """核准進入方案執行；退回回到調查中（須說明理由）。B／C 級由負責部門主管或以上審核，
    A 級須由高級管理層（5.4.2）；不符時回應 409 引用條文。"""
    user = _user(request)
    complaint = _editable(user, number)
    decisions = {
        Approval.Decision.APPROVED: State.EXECUTING,
        Approval.Decision.REJECTED: State.INVESTIGATING,
    }
    decision = _text(payload.decision)
    if decision not in decisions:
        raise ApiError(
            422, _("輸入資料有誤。"), {"decision": [_("審核結果須為 approved 或 rejected。")]}
        )
    comment = _text(payload.comment)
    data = MoveInput(reason=_text(payload.reason) or comment, comment=comment)
    with _cited():
        complaint = services.complaint_transition(
            complaint=complaint, to=decisions[decision], by=user, data=data
        )
    approval = complaint.approvals.select_related("by").order_by("-at", "-id").first()
    return {"approval": approval, "complaint": _fresh(complaint)}


# --- investigation and evidence ----------------------------------------------------------


@router.get(
    "/complaints/{number}/investigation",
    response={200: InvestigationOut, **READ},
    summary="調查計劃與報告",
)
def investigation_get(request: HttpRequest, number: str) -> Investigation:
    complaint = _case(_user(request), number)
    found = Investigation.objects.select_related("updated_by").filter(complaint=complaint).first()
    return found or Investigation(complaint=complaint)


@router.put(
    "/complaints/{number}/investigation",
    response={200: InvestigationOut, **WRITE},
    summary="儲存調查計劃與報告",
)
def investigation_put(request: HttpRequest, number: str, payload: InvestigationIn) -> Investigation:
    """整份取代：未送出的欄位會清空。調查計劃（scope、people、timeline）為開始調查的條件；
    調查報告只能在已接收、調查中階段修改（5.3.3）。"""
    user = _user(request)
    complaint = _editable(user, number)
    values = {
        name: _text(getattr(payload, name))
        for name in Investigation.PLAN_FIELDS + Investigation.REPORT_FIELDS
    }
    with _cited():
        return services.investigation_save(complaint=complaint, values=values, by=user)


@router.get(
    "/complaints/{number}/evidence", response={200: list[EvidenceOut], **READ}, summary="收集的證據"
)
def evidence_list(request: HttpRequest, number: str) -> list[Any]:
    complaint = _case(_user(request), number)
    return list(complaint.evidence.select_related("added_by", "complaint"))


@router.post(
    "/complaints/{number}/evidence", response={201: EvidenceOut, **WRITE}, summary="新增證據"
)
def evidence_create(
    request: HttpRequest,
    number: str,
    data: Form[EvidenceForm],
    file: UploadedFile | None = File(  # noqa: B008 - ninja's way to declare an upload
        None, description="檔案：JPEG、PNG 圖片或 PDF，10 MB 以內（依檔案內容判斷格式）"
    ),
) -> Status[Evidence]:
    """以 multipart/form-data 送出：`file`（選填）與 kind、title、notes。未附檔案時 notes 必填
    （例如訪談記錄）。"""
    user = _user(request)
    complaint = _editable(user, number)
    fields = _Fields()
    kind = _text(data.kind) or (EvidenceKind.FILE if file else EvidenceKind.RECORD)
    if kind not in EvidenceKind.values:
        fields.add("kind", _("證據類型代碼不正確：%s。") % kind)
    if file is not None:
        _upload_check(file, fields)
    fields.check()
    values = {"kind": kind, "title": _text(data.title), "notes": _text(data.notes)}
    with _cited():
        evidence = services.evidence_add(complaint=complaint, values=values, file=file, by=user)
    return Status(201, evidence)


def _upload_check(upload: UploadedFile, fields: _Fields) -> None:
    """The page's rule (forms.evidence_file_check); the stored name gets the true extension."""
    try:
        extension = evidence_file_check(upload)
    except forms.ValidationError as exc:
        fields.add("file", exc.messages[0])
        return
    stem = PurePath(upload.name or "").stem[:80] or "evidence"
    upload.name = f"{stem}.{extension}"


@router.get(
    "/complaints/{number}/evidence/{evidence_id}/file", response=READ, summary="下載證據檔案"
)
def evidence_file(request: HttpRequest, number: str, evidence_id: Id) -> FileResponse:
    """證據的檔案內容（以附件下載）。"""
    complaint = _case(_user(request), number)
    evidence = Evidence.objects.filter(pk=evidence_id, complaint=complaint).first()
    if evidence is None or not evidence.file:
        raise Http404(_("找不到此證據檔案。"))
    name = evidence.file.name.rsplit("/", 1)[-1]
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:  # the row outlived its file (storage restored from backup)
        raise Http404(_("找不到此證據檔案。")) from exc
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)  # a file of the case
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- solution, action items, communications, closing -------------------------------------


@router.get(
    "/complaints/{number}/solution", response={200: SolutionOut, **READ}, summary="解決方案"
)
def solution_get(request: HttpRequest, number: str) -> Solution:
    complaint = _case(_user(request), number)
    found = Solution.objects.select_related("updated_by").filter(complaint=complaint).first()
    return found or Solution(complaint=complaint)


@router.put(
    "/complaints/{number}/solution", response={200: SolutionOut, **WRITE}, summary="儲存解決方案"
)
def solution_put(request: HttpRequest, number: str, payload: SolutionIn) -> Solution:
    """整份取代（5.4.1）。送審後不可修改，除非審核人退回。"""
    user = _user(request)
    complaint = _editable(user, number)
    values = {
        "immediate_remedy": _text(payload.immediate_remedy),
        "prevention": _text(payload.prevention),
        "training_needs": _text(payload.training_needs),
        "policy_change": _text(payload.policy_change),
        "cost": payload.cost or 0,
    }
    with _cited():
        return services.solution_save(complaint=complaint, values=values, by=user)


def _action_items(complaint: Complaint) -> QuerySet[ActionItem]:
    return complaint.action_items.select_related("owner", "done_by")


@router.get(
    "/complaints/{number}/action-items",
    response={200: list[ActionItemOut], **READ},
    summary="行動項目",
)
def action_item_list(request: HttpRequest, number: str) -> list[ActionItem]:
    return list(_action_items(_case(_user(request), number)))


@router.post(
    "/complaints/{number}/action-items",
    response={201: ActionItemOut, **WRITE},
    summary="新增行動項目",
)
def action_item_create(request: HttpRequest, number: str, payload: ActionItemIn) -> Status[Any]:
    """方案核准後訂定（5.5.1）：內容、責任人、完成期限。"""
    user = _user(request)
    complaint = _editable(user, number)
    fields = _Fields()
    owner = _staff(payload.owner, fields, "owner") if _text(str(payload.owner or "")) else user
    due_date = _day(payload.due_date, fields, "due_date")
    fields.check()
    values = {"description": _text(payload.description), "owner": owner, "due_date": due_date}
    with _cited():
        item = services.action_item_add(complaint=complaint, values=values, by=user)
    return Status(201, _action_items(complaint).get(pk=item.pk))


@router.patch(
    "/complaints/{number}/action-items/{item_id}",
    response={200: ActionItemOut, **WRITE},
    summary="標示行動項目完成",
)
def action_item_patch(
    request: HttpRequest, number: str, item_id: Id, payload: ActionItemPatchIn
) -> ActionItem:
    """責任人或案件處理人員可標示完成或改回未完成。"""
    user = _user(request)
    complaint = _editable(user, number)
    item = _action_items(complaint).filter(pk=item_id).first()
    if item is None:
        raise Http404(_("找不到此行動項目。"))
    item.complaint = complaint
    with _cited():
        services.action_item_set_done(item=item, done=payload.done, by=user)
    return _action_items(complaint).get(pk=item.pk)


@router.get(
    "/complaints/{number}/communications",
    response={200: list[CommunicationOut], **READ},
    summary="客戶溝通記錄",
)
def communication_list(request: HttpRequest, number: str) -> list[Communication]:
    complaint = _case(_user(request), number)
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)  # what was said to them
    return list(complaint.communications.select_related("by"))


@router.post(
    "/complaints/{number}/communications",
    response={201: CommunicationOut, **WRITE},
    summary="新增客戶溝通記錄",
)
def communication_create(
    request: HttpRequest, number: str, payload: CommunicationIn
) -> Status[Communication]:
    """每次與客戶的聯繫（5.5.2）。客戶回應 accepted／not_accepted 決定是否接受方案；
    `is_solution: true` 記錄向客戶說明調查結果與方案（方案核准後才可）。"""
    user = _user(request)
    complaint = _editable(user, number)
    fields = _Fields()
    values: dict[str, Any] = {
        "channel": _channel(payload.channel, fields),
        "content": _text(payload.content),
        "response_note": _text(payload.response_note),
        "is_solution": payload.is_solution,
        "customer_response": _text(payload.customer_response)
        or Communication.Response.NOT_APPLICABLE,
    }
    if values["customer_response"] not in Communication.Response.values:
        fields.add("customer_response", _("客戶回應代碼不正確：%s。") % values["customer_response"])
    occurred_at = _when(payload.occurred_at, fields, "occurred_at")
    if occurred_at is not None:
        values["occurred_at"] = occurred_at
    fields.check()
    with _cited():
        communication = services.communication_add(complaint=complaint, values=values, by=user)
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)
    return Status(201, communication)


@router.put(
    "/complaints/{number}/closing-record",
    response={200: ComplaintOut, **WRITE},
    summary="處理記錄摘要與滿意度評估",
)
def closing_record_put(request: HttpRequest, number: str, payload: ClosingRecordIn) -> Complaint:
    """投訴摘要與客戶滿意度評估（5.6.1、5.5.3），結案的條件之一。整份取代。"""
    user = _user(request)
    complaint = _editable(user, number)
    with _cited():
        services.complaint_closing_record(
            complaint=complaint,
            summary=_text(payload.summary),
            satisfaction_score=payload.satisfaction_score,
            satisfaction_note=_text(payload.satisfaction_note),
            by=user,
        )
    return _answered(request, complaint)
