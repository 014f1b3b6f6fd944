"""The complaint workflow of PT-P020 §5.2–§5.6 and annex 1, in one place.

Each move names its source and target state and a guard. A guard returns the reasons it
refuses, each citing the SOP clause, e.g. 「PT-P020 5.6.2：尚有 2 項行動項目未完成」. Services
call `move_check` before changing anything; pages show the same reasons beside the buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careloop.accounts.models import RoleCode
from careloop.accounts.permissions import Capability, user_can, user_has_role
from careloop.complaints.models import Communication, Complaint, Grade, State

if TYPE_CHECKING:
    from careloop.accounts.models import User


@dataclass(frozen=True)
class Refusal:
    clause: str
    message: str

    def __str__(self) -> str:
        return f"PT-P020 {self.clause}：{self.message}"


class WorkflowRefused(Exception):
    """A rule of PT-P020 stops the change; `refusals` says which, citing each clause."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("；".join(str(r) for r in refusals))

    @property
    def messages(self) -> list[str]:
        return [str(r) for r in self.refusals]


@dataclass(frozen=True)
class MoveInput:
    """What a person adds when moving a case: a reason, an approval comment, the closing record."""

    reason: str = ""
    comment: str = ""
    summary: str | None = None
    satisfaction_score: int | None = None
    satisfaction_note: str | None = None


Guard = Callable[["Complaint", "User", MoveInput], list[Refusal]]


@dataclass(frozen=True)
class Move:
    code: str
    source: State
    target: State
    label: str
    guard: Guard = field(repr=False)
    needs_reason: bool = False


# --- who may do what ------------------------------------------------------------------------


def may_handle(user: User, complaint: Complaint) -> bool:
    """客戶服務部 and supervisors handle every case; the case's owner handles their own."""
    return user_can(user, Capability.COMPLAINT_HANDLE) or complaint.owner_id == user.id


def _is_responsible_head(user: User, complaint: Complaint) -> bool:
    if not user_has_role(user, RoleCode.DEPARTMENT_HEAD) or not user.department_id:
        return False
    return any(d.id == user.department_id for d in complaint.departments.all())


def may_approve(user: User, complaint: Complaint) -> Refusal | None:
    """5.4.2: B/C by the responsible department's head or above; A by senior management."""
    if user_has_role(user, RoleCode.SENIOR_MANAGEMENT):
        return None
    if complaint.grade == Grade.A:
        return Refusal("5.4.2", _("A級投訴的解決方案須由高級管理層審核批准。"))
    if _is_responsible_head(user, complaint):
        return None
    return Refusal("5.4.2", _("B／C級投訴的解決方案須由負責部門的主管或以上審核。"))


def may_sign_off(user: User, complaint: Complaint) -> Refusal | None:
    """5.6.2: a supervisor signs the closing — the responsible department's head or above;
    A: senior management."""
    if user_has_role(user, RoleCode.SENIOR_MANAGEMENT):
        return None
    if complaint.grade == Grade.A:
        return Refusal("5.6.2", _("A級投訴須由高級管理層審核簽字後結案。"))
    if _is_responsible_head(user, complaint):
        return None
    return Refusal("5.6.2", _("B／C級投訴須由負責部門的主管或以上審核簽字後結案。"))


# --- guards -----------------------------------------------------------------------------------


def _handler(user: User, complaint: Complaint, clause: str) -> list[Refusal]:
    if may_handle(user, complaint):
        return []
    return [Refusal(clause, _("只有客戶服務部、主管或本案負責人可以處理此案件。"))]


def _start_investigation(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    refusals = _handler(user, complaint, "4.1")
    if complaint.recorded_at is None:
        refusals.append(Refusal("5.1.3", _("請先完成投訴接收記錄（確定投訴等級與接收人員）。")))
    if complaint.owner_id is None:
        refusals.append(Refusal("5.3.1", _("請指定本案負責人。")))
    if complaint.nature_id is None:
        refusals.append(Refusal("5.2.2", _("請選擇投訴性質。")))
    if not complaint.expected_resolution.strip():
        refusals.append(
            Refusal("5.1.3", _("接收記錄缺少期望解決方式；客戶未表示時請填「客戶未表示」。"))
        )
    if not complaint.departments.exists():
        refusals.append(Refusal("5.2.2", _("請選擇負責調查的部門。")))
    investigation = getattr(complaint, "investigation", None)
    missing = investigation.missing(investigation.PLAN_FIELDS) if investigation else None
    if missing is None:
        refusals.append(Refusal("5.3.1", _("請先填寫調查計劃（範圍、人員、時間表）。")))
    elif missing:
        refusals.append(
            Refusal("5.3.1", _("調查計劃缺少：%(fields)s。") % {"fields": "、".join(missing)})
        )
    return refusals


def _submit_solution(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    refusals = _handler(user, complaint, "4.2")
    investigation = getattr(complaint, "investigation", None)
    missing = investigation.missing(investigation.REPORT_FIELDS) if investigation else ["報告"]
    if missing:
        refusals.append(
            Refusal("5.3.3", _("調查報告缺少：%(fields)s。") % {"fields": "、".join(missing)})
        )
    if getattr(complaint, "solution", None) is None:
        refusals.append(Refusal("5.4.1", _("請先填寫解決方案（立即解決方法與系統性改進措施）。")))
    return refusals


def _approve(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    refusal = may_approve(user, complaint)
    return [refusal] if refusal else []


def _reject(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    refusals = _approve(complaint, user, data)
    if not data.reason.strip():
        refusals.append(Refusal("5.4.2", _("退回方案時請說明理由。")))
    return refusals


def _start_communication(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    refusals = _handler(user, complaint, "4.2")
    if not complaint.action_items.exists():
        refusals.append(Refusal("5.5.1", _("請先訂定行動項目（內容、責任人、完成時間）。")))
    return refusals


def _start_follow_up(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    refusals = _handler(user, complaint, "4.1")
    if not complaint.communications.filter(is_solution=True).exists():
        refusals.append(Refusal("5.5.2", _("請先記錄向客戶說明調查結果與解決方案的溝通。")))
    return refusals


def closing_refusals(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    """5.6.2 結案條件, each one that does not hold, plus who may sign."""
    refusals = []
    open_items = complaint.action_items.filter(done_at__isnull=True).count()
    if open_items:
        refusals.append(
            Refusal("5.6.2", _("尚有 %(count)d 項行動項目未完成") % {"count": open_items})
        )
    if not complaint.customer_accepted:
        refusals.append(Refusal("5.6.2", _("客戶尚未表示接受解決方案")))
    missing = _record_gaps(complaint, data)
    if missing:
        refusals.append(
            Refusal("5.6.1", _("處理記錄缺少：%(fields)s") % {"fields": "、".join(missing)})
        )
    refusal = may_sign_off(user, complaint)
    if refusal:
        refusals.append(refusal)
    return refusals


def _record_gaps(complaint: Complaint, data: MoveInput) -> list[str]:
    """5.6.1: 投訴摘要、調查結果、解決方案、執行情況、客戶滿意度評估."""
    gaps = []
    summary = data.summary if data.summary is not None else complaint.summary
    if not summary.strip():
        gaps.append(_("投訴摘要"))
    investigation = getattr(complaint, "investigation", None)
    if investigation is None or investigation.missing(investigation.REPORT_FIELDS):
        gaps.append(_("調查結果"))
    if getattr(complaint, "solution", None) is None:
        gaps.append(_("解決方案"))
    if not complaint.action_items.exists():
        gaps.append(_("執行情況"))
    score = data.satisfaction_score or complaint.satisfaction_score
    if score is None:
        gaps.append(_("客戶滿意度評估"))
    return gaps


def _archive(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    if user_can(user, Capability.COMPLAINT_SUPERVISE):
        return []
    return [Refusal("5.6.3", _("歸檔須由部門主管或以上執行。"))]


def _reopen(complaint: Complaint, user: User, data: MoveInput) -> list[Refusal]:
    refusals = []
    if not user_can(user, Capability.COMPLAINT_SUPERVISE):
        refusals.append(Refusal("5.6.3", _("重新開啟已結案的案件須由部門主管或以上執行。")))
    if not data.reason.strip():
        refusals.append(Refusal("5.6.3", _("重新開啟案件時請說明理由。")))
    return refusals


MOVES: tuple[Move, ...] = (
    Move("start_investigation", State.RECEIVED, State.INVESTIGATING,
         gettext_lazy("開始調查"), _start_investigation),
    Move("submit_solution", State.INVESTIGATING, State.SOLUTION_REVIEW,
         gettext_lazy("提交方案審核"), _submit_solution),
    Move("approve", State.SOLUTION_REVIEW, State.EXECUTING,
         gettext_lazy("核准方案"), _approve),
    Move("reject", State.SOLUTION_REVIEW, State.INVESTIGATING,
         gettext_lazy("退回重新調查"), _reject, needs_reason=True),
    Move("start_communication", State.EXECUTING, State.COMMUNICATING,
         gettext_lazy("進入客戶溝通"), _start_communication),
    Move("start_follow_up", State.COMMUNICATING, State.FOLLOW_UP,
         gettext_lazy("進入後續跟進"), _start_follow_up),
    Move("close", State.FOLLOW_UP, State.CLOSED,
         gettext_lazy("主管簽核結案"), closing_refusals),
    Move("archive", State.CLOSED, State.ARCHIVED,
         gettext_lazy("歸檔"), _archive),
    Move("reopen", State.CLOSED, State.INVESTIGATING,
         gettext_lazy("重新開啟"), _reopen, needs_reason=True),
)  # fmt: skip
MOVES_BY_CODE = {move.code: move for move in MOVES}


def moves_from(state: str) -> list[Move]:
    return [move for move in MOVES if move.source == state]


def move_find(*, source: str, target: str) -> Move | None:
    return next((m for m in MOVES if m.source == source and m.target == target), None)


def move_check(*, complaint: Complaint, target: str, user: User, data: MoveInput) -> Move:
    """The move from the case's state to `target`, or WorkflowRefused saying why not."""
    move = move_find(source=complaint.state, target=target)
    if move is None:
        labels = dict(State.choices)
        raise WorkflowRefused(
            [
                Refusal(
                    _clause_for_state(complaint.state),
                    _("案件目前為「%(state)s」，不能直接改為「%(target)s」。")
                    % {
                        "state": labels.get(complaint.state, complaint.state),
                        "target": labels.get(target, target),
                    },
                )
            ]
        )
    refusals = move.guard(complaint, user, data)
    if refusals:
        raise WorkflowRefused(refusals)
    return move


def _clause_for_state(state: str) -> str:
    return {
        State.RECEIVED: "5.1",
        State.INVESTIGATING: "5.3",
        State.SOLUTION_REVIEW: "5.4.2",
        State.EXECUTING: "5.5.1",
        State.COMMUNICATING: "5.5.2",
        State.FOLLOW_UP: "5.5.3",
        State.CLOSED: "5.6.2",
        State.ARCHIVED: "5.6.3",
    }.get(state, "5")


def editable_check(complaint: Complaint) -> None:
    """Closed and archived cases are read-only (5.6.3); reopening is the way back."""
    if complaint.is_read_only:
        raise WorkflowRefused(
            [Refusal("5.6.3", _("案件已結案或歸檔，內容不可修改；如需修改請由主管重新開啟。"))]
        )


def accepted_from(response: str) -> bool | None:
    """What a communication's customer response says about acceptance, if anything."""
    if response == Communication.Response.ACCEPTED:
        return True
    if response == Communication.Response.NOT_ACCEPTED:
        return False
    return None
