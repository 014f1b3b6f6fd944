"""Every write to compensation (domain.md §4), each a rule in one transaction.

Pages and the API call these. Each takes the acting user and checks the branch, the case and
the authority limit; raises PermissionDenied (not theirs to do), ValidationError (bad input, per
field, zh-Hant), WorkflowRefused (a closed case, PT-P020 5.6.3) or CompensationRefused (a rule
of §4 says no, with the reason). Rows two people may decide at once are re-read under a lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import RoleCode, User
from careloop.accounts.permissions import (
    Capability,
    user_authority_limit,
    user_can,
    user_may_see_branch,
)
from careloop.compensation import rules
from careloop.compensation.models import (
    GRANTED_STATES,
    AbuseFlag,
    Assessment,
    Compensation,
    Kind,
    Offer,
    Settlement,
    Status,
)
from careloop.complaints.models import Complaint
from careloop.complaints.workflow import editable_check, may_handle
from careloop.grants.models import Grant
from careloop.grants.services import (
    GrantRefused,
    case_approved_totals,
    grant_decide,
    grant_request,
    limit_covers,
    limit_display,
    ntd,
)
from careloop.treatments.models import Purchase, PurchaseKind


class CompensationRefused(GrantRefused):
    """A rule of domain.md §4 stops the change; `messages` says why, in zh-Hant. (Refusals of
    the authority kernel, GrantRefused, are caught with it.)"""


# The grant kind compensation registers with the kernel (grant_kind.py); a case's grants count
# together under its case key.
GRANT_KIND = "compensation"


def case_key(complaint_id: int) -> str:
    return f"complaint:{complaint_id}"


__all__ = ["limit_covers", "limit_display", "ntd"]


def _save(instance: Any, *, by: User) -> None:
    instance._history_user = by
    instance.full_clean()
    instance.save()


def _check_branch(user: User, branch_id: int | None) -> None:
    if not user_may_see_branch(user, branch_id):
        raise PermissionDenied(_("您沒有此院所的權限。"))


def _locked_case(complaint: Complaint, by: User) -> Complaint:
    """The case under a row lock, once it is known the user may work on its compensation:
    the branch, an open case (5.6.3), and a handler (客戶服務部, a supervisor or the owner)."""
    _check_branch(by, complaint.branch_id)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    editable_check(complaint)
    if not may_handle(by, complaint):
        raise PermissionDenied(_("只有客戶服務部、主管或本案負責人可以處理補償。"))
    return complaint


def may_work_on(user: User, complaint: Complaint) -> bool:
    return complaint.is_open and may_handle(user, complaint)


def _notify(**kwargs: Any) -> None:
    from careloop.notifications.services import notification_send

    transaction.on_commit(lambda: notification_send(**kwargs))


def case_url(complaint: Complaint) -> str:
    return reverse("compensation:case", args=[complaint.number])


# --- assessment ------------------------------------------------------------------------------


def purchases_for(complaint: Complaint) -> QuerySet[Purchase]:
    """The sales the complaint may be about: the complainant customer's own."""
    if complaint.customer_id is None:
        return Purchase.objects.none()
    return Purchase.objects.filter(customer_id=complaint.customer_id, kind=PurchaseKind.SALE)


@transaction.atomic
def assessment_save(
    *,
    complaint: Complaint,
    ratings: dict[str, int],
    purchase: Purchase | None = None,
    affected_amount: int | None = None,
    note: str = "",
    by: User,
) -> Assessment:
    """補償評估: rate the four factors; the score and level follow (rules.py). The affected
    amount is the purchase's unless given (only part of a package may be affected)."""
    complaint = _locked_case(complaint, by)
    errors: dict[str, list[str]] = {}
    for factor in rules.FACTORS:
        rating = ratings.get(factor.code)
        if rating is None or not rules.RATING_MIN <= int(rating) <= rules.RATING_MAX:
            errors[factor.code] = [_("請為「%(factor)s」評分（0–5）。") % {"factor": factor.label}]
    if purchase is not None and not purchases_for(complaint).filter(pk=purchase.pk).exists():
        errors["purchase"] = [_("請選擇此客戶的購買記錄。")]
    if affected_amount is not None and not 0 <= affected_amount <= rules.VALUE_MAX:
        errors["affected_amount"] = [_("受影響金額須介於 0 與 9,999,999 之間。")]
    if errors:
        raise ValidationError(errors)
    if affected_amount is None:
        affected_amount = max(purchase.amount, 0) if purchase is not None else 0
    assessment = Assessment.objects.filter(complaint=complaint).first() or Assessment(
        complaint=complaint
    )
    for code in rules.FACTOR_CODES:
        setattr(assessment, code, int(ratings[code]))
    assessment.score = rules.score_compute(assessment.ratings)
    assessment.level = rules.level_for(assessment.score)
    assessment.purchase = purchase
    assessment.affected_amount = affected_amount
    assessment.note = note.strip()
    assessment.assessed_by = by
    assessment.assessed_at = timezone.now()
    _save(assessment, by=by)
    return assessment


# --- offers ----------------------------------------------------------------------------------


def _current_offers(complaint: Complaint) -> QuerySet[Offer]:
    return Offer.objects.filter(complaint=complaint, withdrawn_at__isnull=True)


def _session_value(purchase: Purchase | None) -> int:
    if purchase is None or purchase.package_id is None or purchase.sessions <= 0:
        return 0
    return max(purchase.amount, 0) // purchase.sessions


def _live_compensation(offers: QuerySet[Offer]) -> Compensation | None:
    return Compensation.objects.filter(offer__in=offers).exclude(status=Status.REJECTED).first()


@transaction.atomic
def offers_generate(*, complaint: Complaint, by: User) -> list[Offer]:
    """2–3 options for the assessed level, priced from the affected amount. A new round
    withdraws the current one (kept, with what was presented and chosen), unless a
    compensation already stands on its chosen option."""
    complaint = _locked_case(complaint, by)
    assessment = Assessment.objects.select_related("purchase").filter(complaint=complaint).first()
    if assessment is None:
        raise CompensationRefused(_("請先完成補償評估，才能產生補償方案。"))
    current = _current_offers(complaint)
    if _live_compensation(current) is not None:
        raise CompensationRefused(
            _("客戶選擇的方案已提出補償，不可重新產生方案；如需變更，請先由核准人駁回。")
        )
    now = timezone.now()
    for offer in current.select_for_update():
        offer.withdrawn_at = now
        _save(offer, by=by)
    drafts = rules.offers_suggest(
        level=assessment.level,
        amount=assessment.affected_amount,
        session_value=_session_value(assessment.purchase),
    )
    offers = []
    for position, draft in enumerate(drafts, start=1):
        offer = Offer(
            complaint=complaint,
            position=position,
            level=assessment.level,
            kind=draft.kind,
            title=draft.title,
            description=draft.description,
            refund_amount=draft.refund_amount,
            benefit_value=draft.benefit_value,
            created_by=by,
        )
        _save(offer, by=by)
        offers.append(offer)
    return offers


OFFER_FIELDS = ("kind", "title", "description", "refund_amount", "benefit_value")


def _locked_offer(offer: Offer, by: User) -> tuple[Complaint, Offer]:
    complaint = _locked_case(offer.complaint, by)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.withdrawn_at is not None:
        raise CompensationRefused(_("此方案已撤回，請使用目前的方案。"))
    return complaint, offer


@transaction.atomic
def offer_update(*, offer: Offer, values: dict[str, Any], by: User) -> Offer:
    """Edit an option before it is presented; afterwards it is what the customer was told."""
    complaint, offer = _locked_offer(offer, by)
    if offer.is_presented:
        raise CompensationRefused(_("方案已向客戶提出，不可再修改；如需調整請重新產生方案。"))
    for name in OFFER_FIELDS:
        if name in values:
            setattr(offer, name, values[name])
    assessment = Assessment.objects.filter(complaint=complaint).first()
    if (
        assessment
        and assessment.affected_amount
        and offer.refund_amount > max(assessment.affected_amount, 0)
    ):
        raise ValidationError(
            {
                "refund_amount": _("退費金額不可超過受影響金額 %(amount)s。")
                % {"amount": ntd(assessment.affected_amount)}
            }
        )
    _save(offer, by=by)
    return offer


@transaction.atomic
def offers_present(*, complaint: Complaint, by: User) -> list[Offer]:
    """Put the current options to the customer: they are fixed from now on."""
    complaint = _locked_case(complaint, by)
    offers = list(_current_offers(complaint).select_for_update())
    if not offers:
        raise CompensationRefused(_("尚無補償方案，請先產生方案。"))
    now = timezone.now()
    for offer in offers:
        if offer.presented_at is None:
            offer.presented_at = now
            offer.presented_by = by
            _save(offer, by=by)
    return offers


@transaction.atomic
def offer_choose(*, offer: Offer, note: str = "", by: User) -> Offer:
    """Record the option the customer chose, who entered it and when. The choice may change
    until a compensation stands on it."""
    complaint, offer = _locked_offer(offer, by)
    if not offer.is_presented:
        raise CompensationRefused(_("請先向客戶提出方案，再記錄客戶的選擇。"))
    current = _current_offers(complaint)
    if _live_compensation(current) is not None:
        raise CompensationRefused(_("客戶選擇的方案已提出補償，不可變更選擇。"))
    now = timezone.now()
    for other in current.exclude(pk=offer.pk).filter(chosen_at__isnull=False):
        other.chosen_at = None
        other.chosen_by = None
        _save(other, by=by)
    offer.chosen_at = now
    offer.chosen_by = by
    offer.choice_note = note.strip()
    _save(offer, by=by)
    return offer


# --- granting and approval ---------------------------------------------------------------------


def kind_from_offer(offer: Offer) -> str:
    if offer.refund_amount and offer.benefit_value:
        return Kind.REFUND_AND_BENEFIT
    if offer.refund_amount:
        return Kind.REFUND
    if not offer.benefit_value:
        return Kind.NON_MONETARY
    return {
        rules.OfferKind.APOLOGY_DISCOUNT: Kind.DISCOUNT,
        rules.OfferKind.FREE_SESSION: Kind.FREE_SESSION,
    }.get(offer.kind, Kind.GIFT)


@transaction.atomic
def compensation_grant(
    *,
    complaint: Complaint,
    by: User,
    offer: Offer | None = None,
    value: int | None = None,
    kind: str = "",
    description: str = "",
    idempotency_key: str = "",
) -> Compensation:
    """Grant a compensation: when the case's granted total with it stays within the granter's
    authority limit it is approved at once; above, an approval request goes to those whose
    limit covers that total (分層授權, counted per case so that splitting a payout into small
    grants needs the same approval as paying it whole).

    From the customer's chosen option by default (its value, kind and wording), or as typed.
    The compensation is created 提議中 and moves on in the same transaction, so its history
    shows both steps. A grant sent again with the same `idempotency_key` by the same person (a
    double click, a retried request) returns the first one and grants nothing more.
    """
    complaint = _locked_case(complaint, by)
    if idempotency_key:
        earlier = Compensation.objects.filter(
            requested_by=by, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            if earlier.complaint_id != complaint.pk:
                raise CompensationRefused(_("此冪等鍵已用於另一件客訴的補償，請換一個。"))
            return earlier
    errors: dict[str, list[str]] = {}
    if offer is not None:
        offer = Offer.objects.select_for_update().filter(pk=offer.pk).first()
        if (
            offer is None
            or offer.complaint_id != complaint.pk
            or offer.withdrawn_at is not None
            or not offer.is_chosen
        ):
            errors["offer"] = [_("請選擇客戶已選擇的方案。")]
        elif _live_compensation(Offer.objects.filter(pk=offer.pk)) is not None:
            raise CompensationRefused(_("此方案已提出補償，請勿重複提出。"))
    if errors:
        raise ValidationError(errors)
    if offer is not None:
        value = offer.value if value is None else value
        kind = kind or kind_from_offer(offer)
        description = description.strip() or "\n".join(
            part for part in (offer.title, offer.description) if part
        )
    if value is None:
        errors["value"] = [_("請填寫補償價值（新台幣）。")]
    elif not 0 <= value <= rules.VALUE_MAX:
        errors["value"] = [_("補償價值須介於 0 與 9,999,999 之間。")]
    if not kind:
        errors["kind"] = [_("請選擇補償類型。")]
    elif kind not in Kind.values:
        errors["kind"] = [_("補償類型代碼不正確：%s。") % kind]
    elif value == 0 and kind != Kind.NON_MONETARY:
        errors["value"] = [_("價值為 0 的補償請選擇「非金錢補償」。")]
    if not description.strip():
        errors["description"] = [_("請說明補償內容。")]
    if errors:
        raise ValidationError(errors)
    compensation = Compensation(
        complaint=complaint,
        branch_id=complaint.branch_id,
        customer_id=complaint.customer_id,
        offer=offer,
        kind=kind,
        description=description.strip(),
        value=value,
        status=Status.PROPOSED,
        requested_by=by,
        requester_limit=user_authority_limit(by),
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            _save(compensation, by=by)
    except IntegrityError as e:  # the same key sent at the same moment for another case
        raise CompensationRefused(_("此冪等鍵已用於另一件客訴的補償，請換一個。")) from e
    compensation.grant = grant_request(
        kind=GRANT_KIND,
        subject_id=compensation.pk,
        case_key=case_key(complaint.pk),
        branch_id=complaint.branch_id,
        customer_id=complaint.customer_id,
        value=value,
        title=_("客訴 %(number)s") % {"number": complaint.number},
        detail=f"{compensation.get_kind_display()}：{compensation.description}",
        by=by,
    )
    if compensation.grant.is_pending:
        compensation.status = Status.PENDING_APPROVAL
        _save(compensation, by=by)
    else:
        _approve(compensation, by=by)
    return compensation


def case_granted_totals(*, complaint_ids: Iterable[int]) -> dict[int, int]:
    """What each case has granted so far (approved, paid or delivered), in NT$, in one query;
    a case with nothing granted is absent. A rule that depends on it reads it with the case
    locked (`_locked_case`)."""
    ids = list(complaint_ids)
    totals = case_approved_totals(case_keys=[case_key(pk) for pk in ids])
    return {pk: totals[case_key(pk)] for pk in ids if case_key(pk) in totals}


def case_granted_total(*, complaint_id: int) -> int:
    return case_granted_totals(complaint_ids=[complaint_id]).get(complaint_id, 0)


def _approve(compensation: Compensation, *, by: User) -> None:
    compensation.status = Status.APPROVED
    compensation.approved_by = by
    compensation.approved_at = timezone.now()
    _save(compensation, by=by)
    if compensation.customer_id is not None:
        abuse_flag_check(customer_id=compensation.customer_id, compensation=compensation, by=by)


def grant_decided(grant: Grant, approve: bool, by: User) -> None:
    """The kernel's decision on a compensation's grant, applied to the compensation."""
    compensation = Compensation.objects.select_for_update().get(pk=grant.subject_id)
    if approve:
        _approve(compensation, by=by)
    else:
        compensation.status = Status.REJECTED
        _save(compensation, by=by)


def approval_decide(*, request: Grant, approve: bool, note: str = "", by: User) -> Grant:
    """The approver approves or rejects a compensation waiting above its granter's limit
    (the kernel's `grant_decide`, which locks the case first, then the grant)."""
    if request.kind != GRANT_KIND:
        raise CompensationRefused(_("此申請不是補償的核准申請。"))
    return grant_decide(grant=request, approve=approve, note=note, by=by)


# --- settlement and payment --------------------------------------------------------------------


def settlement_reason(*, grade: str, value: int, case_total: int) -> str:
    """Why a signed settlement is needed before payment, or "" when it is not. `case_total`
    is the case's granted total with this compensation (a payout split in two still counts
    whole)."""
    if not rules.settlement_required(grade=grade, value=value, case_total=case_total):
        return ""
    if value > rules.SETTLEMENT_ABOVE:
        return _("補償金額超過 %(limit)s，須先登錄客戶簽署的和解書，才能標記為已支付或已交付。") % {
            "limit": ntd(rules.SETTLEMENT_ABOVE)
        }
    if case_total > rules.SETTLEMENT_ABOVE:
        return _(
            "本案補償累計 %(total)s，超過 %(limit)s，須先登錄客戶簽署的和解書，"
            "才能標記為已支付或已交付。"
        ) % {"total": ntd(case_total), "limit": ntd(rules.SETTLEMENT_ABOVE)}
    return _("A 級客訴的補償須先登錄客戶簽署的和解書，才能標記為已支付或已交付。")


def case_total_with(compensation: Compensation, granted_total: int) -> int:
    """The total a rule reads for this compensation: while it is still to be paid (approved,
    pending), the case's granted total counting it once; once paid, delivered or rejected, its
    own value, as it stood when it was settled (a later grant changes nothing about it)."""
    if compensation.status in (Status.APPROVED, Status.PENDING_APPROVAL, Status.PROPOSED):
        return granted_total + (0 if compensation.is_granted else compensation.value)
    return compensation.value


def _locked_compensation(compensation: Compensation, by: User) -> Compensation:
    """The compensation under a row lock, its case locked first (the order a grant and a
    decision take), so the case's total cannot move while a rule reads it."""
    complaint = compensation.complaint
    _check_branch(by, complaint.branch_id)
    if not may_handle(by, complaint):
        raise PermissionDenied(_("只有客戶服務部、主管或本案負責人可以處理補償。"))
    Complaint.objects.select_for_update().filter(pk=complaint.pk).exists()
    return (
        Compensation.objects.select_for_update(of=("self",))
        .select_related("complaint")
        .get(pk=compensation.pk)
    )


@transaction.atomic
def settlement_record(
    *,
    compensation: Compensation,
    signed_on: dt.date,
    signed_by: str,
    note: str = "",
    file: UploadedFile | None = None,
    by: User,
) -> Settlement:
    """和解書: the date the customer signed, who signed, a note and the scanned copy. It may be
    corrected until the compensation is paid."""
    compensation = _locked_compensation(compensation, by)
    if compensation.status == Status.REJECTED:
        raise CompensationRefused(_("此補償未獲核准，無須登錄和解書。"))
    if compensation.status in (Status.PAID, Status.DELIVERED):
        raise CompensationRefused(_("補償已支付或交付，和解書不可再修改。"))
    errors = {}
    if signed_on is None:
        errors["signed_on"] = [_("請填寫簽署日期。")]
    elif signed_on > timezone.localdate():
        errors["signed_on"] = [_("簽署日期不可晚於今天。")]
    if not (signed_by or "").strip():
        errors["signed_by"] = [_("請填寫簽署人。")]
    if errors:
        raise ValidationError(errors)
    settlement = Settlement.objects.filter(compensation=compensation).first() or Settlement(
        compensation=compensation
    )
    settlement.signed_on = signed_on
    settlement.signed_by = signed_by.strip()
    settlement.note = note.strip()
    if file is not None:
        settlement.file = file
    settlement.recorded_by = by
    settlement.recorded_at = timezone.now()
    _save(settlement, by=by)
    return settlement


@transaction.atomic
def compensation_mark_done(*, compensation: Compensation, note: str = "", by: User) -> Compensation:
    """已支付 (money back) or 已交付 (a gift, a service, a discount): only once approved, and
    for a grade-A case, or a case whose granted total with it is over NT$10,000, only once the
    settlement is recorded."""
    compensation = _locked_compensation(compensation, by)
    if compensation.status == Status.PENDING_APPROVAL:
        raise CompensationRefused(_("此補償尚待核准，核准後才能標記為已支付。"))
    if compensation.status == Status.REJECTED:
        raise CompensationRefused(_("此補償未獲核准，不可標記為已支付。"))
    if compensation.status in (Status.PAID, Status.DELIVERED):
        raise CompensationRefused(
            _("此補償已於 %(when)s 標記為%(status)s。")
            % {
                "when": timezone.localtime(compensation.done_at).strftime("%Y-%m-%d %H:%M"),
                "status": compensation.get_status_display(),
            }
        )
    if compensation.status != Status.APPROVED:  # pragma: no cover - proposed never persists
        raise CompensationRefused(_("此補償尚未核准。"))
    granted = case_granted_total(complaint_id=compensation.complaint_id)
    reason = settlement_reason(
        grade=compensation.complaint.grade,
        value=compensation.value,
        case_total=case_total_with(compensation, granted),
    )
    if reason and not Settlement.objects.filter(compensation=compensation).exists():
        raise CompensationRefused(reason)
    compensation.status = compensation.done_status
    compensation.done_by = by
    compensation.done_at = timezone.now()
    compensation.done_note = note.strip()
    _save(compensation, by=by)
    return compensation


# --- the abuse guard ---------------------------------------------------------------------------


def compensated_complaints(*, customer_id: int, now: dt.datetime | None = None) -> int:
    """How many of the customer's complaints were compensated within the window."""
    since = (now or timezone.now()) - dt.timedelta(days=rules.ABUSE_WINDOW_DAYS)
    return (
        Compensation.objects.filter(
            customer_id=customer_id, status__in=GRANTED_STATES, approved_at__gte=since
        )
        .values("complaint_id")
        .distinct()
        .count()
    )


def abuse_flag_check(
    *, customer_id: int, compensation: Compensation | None = None, by: User | None = None
) -> AbuseFlag | None:
    """Flag the customer for review once they reach the threshold, unless a flag is open.
    Call inside the transaction that granted the compensation."""
    count = compensated_complaints(customer_id=customer_id)
    if count < rules.ABUSE_COMPLAINTS:
        return None
    if AbuseFlag.objects.filter(customer_id=customer_id, acknowledged_at__isnull=True).exists():
        return None
    flag = AbuseFlag(customer_id=customer_id, complaint_count=count, compensation=compensation)
    flag._history_user = by
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:  # another grant raised it at the same moment
        return None
    from careloop.customers.models import Customer

    customer = Customer.objects.only("number", "name", "branch_id").get(pk=customer_id)
    reviewers = User.objects.filter(is_active=True, roles__code=RoleCode.DEPARTMENT_HEAD).filter(
        Q(home_branch_id=customer.branch_id) | Q(extra_branches__id=customer.branch_id)
    )
    _notify(
        recipients=list(reviewers.distinct()),
        key=f"compensation-flag:{flag.pk}",
        title=_("補償審查：客戶 %(name)s 12 個月內已有 %(n)d 件獲補償客訴")
        % {"name": customer.name, "n": count},
        body=_("請審查此客戶的補償記錄（濫用防範），確認後於補償頁面記錄審查意見。"),
        url=reverse("compensation:list") + "?flagged=1",
    )
    return flag


@transaction.atomic
def abuse_flag_acknowledge(*, flag: AbuseFlag, note: str = "", by: User) -> AbuseFlag:
    """A supervisor has reviewed the customer's compensations."""
    if not user_can(by, Capability.COMPLAINT_SUPERVISE):
        raise PermissionDenied(_("只有部門主管或高級管理層可以審查補償標記。"))
    flag = (
        AbuseFlag.objects.select_for_update(of=("self",)).select_related("customer").get(pk=flag.pk)
    )
    _check_branch(by, flag.customer.branch_id)
    if not flag.is_open:
        raise CompensationRefused(_("此標記已由 %(who)s 審查。") % {"who": flag.acknowledged_by})
    if not note.strip():
        raise ValidationError({"note": _("請填寫審查意見。")})
    flag.acknowledged_by = by
    flag.acknowledged_at = timezone.now()
    flag.review_note = note.strip()
    _save(flag, by=by)
    return flag
