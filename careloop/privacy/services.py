"""Every write of a data-subject request, each in a transaction, each checking permission and
branch again (a future caller cannot skip it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_may_see_branch
from careloop.customers.models import Customer
from careloop.privacy.erasure import customer_erase, kept_answer_lines
from careloop.privacy.models import CopyDownload, DataSubjectRequest
from careloop.privacy.rules import (
    ACCOUNTING_CLAUSE,
    RequestKind,
    RequestStatus,
    request_due,
    request_extension,
)


class PrivacyRefused(Exception):
    """A rule says no (answered already, extended already, wrong kind); the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        self.messages = [message]


def _check_branch(user: User, branch_id: int | None) -> None:
    if not user_may_see_branch(user, branch_id):
        raise PermissionDenied(_("您沒有此院所的權限。"))


def _locked(
    request: DataSubjectRequest, by: User, *, kind: str | None = None
) -> DataSubjectRequest:
    require(by, Capability.PRIVACY_REQUEST)
    locked = (
        DataSubjectRequest.objects.select_for_update().select_related("customer").get(pk=request.pk)
    )
    # The customer's branch now, not the request's: a customer who moved is no longer yours.
    _check_branch(by, locked.customer.branch_id)
    if locked.status != RequestStatus.RECEIVED:
        raise PrivacyRefused(_("此請求已處理完成，不可再變更。"))
    if kind is not None and locked.kind != kind:
        raise PrivacyRefused(_("此動作不適用於這類請求。"))
    return locked


def _save(request: DataSubjectRequest, by: User, fields: list[str] | None = None) -> None:
    request._history_user = by
    request.full_clean()
    request.save(update_fields=fields)


def _finish(
    request: DataSubjectRequest, *, by: User, status: str, answer: str
) -> DataSubjectRequest:
    request.status = status
    request.answer = answer.strip()
    request.decided_by = by
    request.decided_at = timezone.now()
    _save(request, by, ["status", "answer", "decided_by", "decided_at"])
    return request


@transaction.atomic
def request_create(*, customer: Customer, values: dict[str, Any], by: User) -> DataSubjectRequest:
    """Record a request as received, with its §13 answer deadline from receipt."""
    require(by, Capability.PRIVACY_REQUEST)
    _check_branch(by, customer.branch_id)
    received_at = values.get("received_at") or timezone.now()
    request = DataSubjectRequest(
        customer=customer,
        branch_id=customer.branch_id,
        received_by=by,
        identity_verified_by=by,
        **{**values, "received_at": received_at},
    )
    request.due_at = request_due(kind=request.kind, received_at=received_at)
    _save(request, by)
    return request


@transaction.atomic
def request_extend(*, request: DataSubjectRequest, reason: str, by: User) -> DataSubjectRequest:
    """§13: the deadline may be extended once, by as long again, with the reason told."""
    request = _locked(request, by)
    if request.extended_at is not None:
        raise PrivacyRefused(_("個資法第 13 條：答覆期限只能延長一次。"))
    if not reason.strip():
        raise ValidationError({"reason": _("請說明延長理由（將以書面告知當事人）。")})
    request.due_at = request.due_at + request_extension(kind=request.kind)
    request.extended_at = timezone.now()
    request.extension_reason = reason.strip()
    _save(request, by, ["due_at", "extended_at", "extension_reason"])
    return request


@transaction.atomic
def request_complete(*, request: DataSubjectRequest, answer: str, by: User) -> DataSubjectRequest:
    """A copy handed over or a correction made (through the customer edit page): answered."""
    request = _locked(request, by)
    if request.kind in (RequestKind.STOP, RequestKind.ERASURE):
        raise PrivacyRefused(_("停止處理與刪除請求，請使用該動作執行。"))
    if not answer.strip():
        raise ValidationError({"answer": _("請填寫答覆內容。")})
    return _finish(request, by=by, status=RequestStatus.DONE, answer=answer)


@transaction.atomic
def request_refuse(*, request: DataSubjectRequest, answer: str, by: User) -> DataSubjectRequest:
    """Refused with the reason the law allows (e.g. §10, §11 exceptions), told in the answer."""
    request = _locked(request, by)
    if not answer.strip():
        raise ValidationError({"answer": _("請填寫拒絕理由與法令依據。")})
    return _finish(request, by=by, status=RequestStatus.REFUSED, answer=answer)


@transaction.atomic
def processing_stop(
    *, request: DataSubjectRequest, by: User, answer: str = ""
) -> DataSubjectRequest:
    """§11: stop processing — no surveys, no marketing (customers.selectors decides), and the
    marketing consent ticks become false, in the customer's history."""
    request = _locked(request, by, kind=RequestKind.STOP)
    customer = Customer.objects.select_for_update().get(pk=request.customer_id)
    customer.processing_stopped_at = customer.processing_stopped_at or timezone.now()
    customer.consent_sms = customer.consent_email = customer.consent_line = False
    customer._history_user = by
    customer._change_reason = "個資停止處理"
    customer.save()
    text = answer.strip() or _("已停止處理您的個人資料：不再寄送滿意度問卷與任何行銷訊息。")
    return _finish(request, by=by, status=RequestStatus.DONE, answer=text)


def erasure_answer(log: Any) -> str:
    lines = [_("已刪除您的個人資料（客戶編號 %(number)s）。") % {"number": log.customer_number}]
    kept = kept_answer_lines(log.kept)
    if kept:
        lines.append(_("下列客訴記錄依法尚須保存，保存期滿後自動刪除："))
        lines += [f"・{line}" for line in kept]
    if log.counts.get("treatments.Purchase"):
        lines.append(
            _("購買記錄之金額依 %(clause)s 以不具名方式保留。") % {"clause": ACCOUNTING_CLAUSE}
        )
    return "\n".join(lines)


@transaction.atomic
def request_erase(*, request: DataSubjectRequest, by: User) -> DataSubjectRequest:
    """Carry out an erasure request (supervisors only: it cannot be undone)."""
    require(by, Capability.PRIVACY_ERASE)
    request = _locked(request, by, kind=RequestKind.ERASURE)
    log = customer_erase(customer=request.customer, by=by, request=request)
    # The erasure blanked the person's words in every request of theirs and in the history
    # (privacy/privacy.py); the row in hand must agree, or _finish's save would write them
    # back into a new history row.
    request.details = ""
    request.identity_note = ""
    return _finish(request, by=by, status=RequestStatus.DONE, answer=erasure_answer(log))


@transaction.atomic
def copy_download_record(
    *, request: DataSubjectRequest, fmt: str, purpose: str, by: User
) -> CopyDownload:
    """Record a copy's download before its first byte leaves: who, when, which file, why."""
    require(by, Capability.PRIVACY_REQUEST)
    # The customer's branch as it is now (read again: the row in hand may be stale).
    branch_id = Customer.objects.filter(pk=request.customer_id).values_list("branch_id", flat=True)
    _check_branch(by, branch_id.first())
    if request.kind != RequestKind.COPY:
        raise PrivacyRefused(_("只有查閱／複製請求可以下載個資複本。"))
    if request.status == RequestStatus.REFUSED:
        raise PrivacyRefused(_("此請求已拒絕，不可下載個資複本。"))
    if not purpose.strip():
        raise ValidationError({"purpose": _("請說明下載目的。")})
    return CopyDownload.objects.create(
        request=request, user=by, format=fmt, purpose=purpose.strip()
    )
