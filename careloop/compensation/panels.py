"""The template context of the compensation panels: the case panel (on the complaint page and
at /compensation/<number>/), the customer panel (on the customer page) and the approvals
section of the worklist. Views, the template tags and the worklist build them here, so a panel
looks the same wherever it is rendered and whichever action re-rendered it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from careloop.accounts.models import User
from careloop.compensation import rules
from careloop.compensation.forms import (
    AssessmentForm,
    ChoiceForm,
    DecisionForm,
    DoneForm,
    FlagReviewForm,
    GrantForm,
    OfferForm,
    SettlementForm,
)
from careloop.compensation.models import Offer, Status
from careloop.compensation.selectors import (
    CompensationLine,
    approvals_pending_for,
    case_panel,
    customer_panel,
)
from careloop.compensation.services import limit_display, purchases_for
from careloop.complaints.models import Complaint
from careloop.complaints.workflow import may_handle
from careloop.customers.models import Customer
from careloop.grants.models import Grant


@dataclass
class OfferRow:
    offer: Offer
    form: OfferForm | None  # while it may still be edited
    choice_form: ChoiceForm | None  # once presented


@dataclass
class LineRow:
    line: CompensationLine
    decision_form: DecisionForm | None
    settlement_form: SettlementForm | None
    done_form: DoneForm | None

    @property
    def compensation(self) -> Any:
        return self.line.compensation


@dataclass(frozen=True)
class Score:
    score: int
    level: str
    level_label: str

    @property
    def level_range(self) -> str:
        return rules.level_range(self.level)


def score_of(ratings: dict[str, int] | None) -> Score | None:
    if ratings is None:
        return None
    score = rules.score_compute(ratings)
    level = rules.level_for(score)
    return Score(score, level.value, str(level.label))


def level_scale() -> str:
    """「輕微 0–34・中度 35–69・嚴重 70–100」, from the thresholds in rules.py."""
    return "・".join(f"{level.label} {rules.level_range(level)}" for level in rules.Level)


def _assessment_form(complaint: Complaint, cp: Any) -> AssessmentForm:
    assessment = cp.assessment
    initial = None
    if assessment is not None:
        initial = {
            **assessment.ratings,
            "purchase": assessment.purchase_id,
            "affected_amount": assessment.affected_amount,
            "note": assessment.note,
        }
    return AssessmentForm(prefix="assess", initial=initial, purchases=purchases_for(complaint))


def _signatory(complaint: Complaint) -> str:
    return complaint.customer.name if complaint.customer_id else complaint.complainant_name


def case_panel_context(
    *,
    user: User,
    complaint: Complaint,
    forms: dict[str, Any] | None = None,
    notice: str = "",
    refusals: list[str] | None = None,
) -> dict[str, Any]:
    """The case panel's context. `forms` replaces blank forms by name ("assessment_form",
    "grant_form", "flag_form") or by row ("offer-<id>", "choice-<id>", "decide-<id>",
    "settle-<id>", "done-<id>") so a refused form shows again with its errors."""
    forms = forms or {}
    cp = case_panel(complaint=complaint, user=user)
    can_work = cp.can_work
    offer_rows = []
    for offer in cp.offers:
        key = f"offer-{offer.pk}"
        edit = None
        choose = None
        if can_work and not offer.is_presented:
            edit = forms.get(key) or OfferForm(instance=offer, prefix=key)
        if can_work and offer.is_presented and not cp.offers_locked:
            choose = forms.get(f"choice-{offer.pk}") or ChoiceForm(prefix=f"choice-{offer.pk}")
        offer_rows.append(OfferRow(offer, edit, choose))
    today = timezone.localdate()
    handler = may_handle(user, complaint)
    line_rows = []
    for line in cp.lines:
        compensation = line.compensation
        request = compensation.approval_request
        decide = None
        if line.may_decide and request is not None:
            key = f"decide-{request.pk}"
            decide = forms.get(key) or DecisionForm(prefix=key)
        settle = done = None
        if may_settle(compensation, user_may=handler):
            key = f"settle-{compensation.pk}"
            settlement = getattr(compensation, "settlement", None)
            initial = (
                {
                    "signed_on": settlement.signed_on,
                    "signed_by": settlement.signed_by,
                    "note": settlement.note,
                }
                if settlement
                else {"signed_on": today, "signed_by": _signatory(complaint)}
            )
            settle = forms.get(key) or SettlementForm(prefix=key, initial=initial)
            if compensation.status == Status.APPROVED:
                key = f"done-{compensation.pk}"
                done = forms.get(key) or DoneForm(prefix=key)
        line_rows.append(LineRow(line, decide, settle, done))
    assessment_form = forms.get("assessment_form")
    if assessment_form is None and can_work:
        assessment_form = _assessment_form(complaint, cp)
    live = None
    if assessment_form is not None and assessment_form.is_bound:
        live = score_of(assessment_form.live_ratings())
    elif cp.assessment is not None:
        live = score_of(cp.assessment.ratings)
    grant_form = forms.get("grant_form")
    chosen = cp.grantable_offer
    if grant_form is None and can_work:
        grant_form = GrantForm(
            prefix="grant",
            offers=Offer.objects.filter(pk=chosen.pk) if chosen else Offer.objects.none(),
            initial={"offer": chosen.pk} if chosen else None,
        )
    flag_form = None
    if cp.can_supervise and cp.abuse and cp.abuse.open_flag:
        flag_form = forms.get("flag_form") or FlagReviewForm(prefix="flag")
    return {
        "cp": cp,
        "c": complaint,
        "offer_rows": offer_rows,
        "line_rows": line_rows,
        "assessment_form": assessment_form,
        "live": live,
        "grant_form": grant_form,
        "flag_form": flag_form,
        "user_limit_display": limit_display(cp.user_limit),
        "factors": rules.FACTORS,
        "level_scale": level_scale(),
        "notice": notice,
        "refusals": refusals or [],
    }


def may_settle(compensation: Any, *, user_may: bool) -> bool:
    """The settlement and payment forms show for a handler, on a compensation not yet done
    and not rejected (closed cases too: payment may follow the closing)."""
    return user_may and compensation.status in (Status.PENDING_APPROVAL, Status.APPROVED)


# --- the customer panel and the worklist's approvals --------------------------------------------


def customer_panel_context(
    *, user: User, customer: Customer, forms: dict[str, Any] | None = None, notice: str = ""
) -> dict[str, Any]:
    forms = forms or {}
    panel = customer_panel(customer=customer, user=user)
    flag_form = None
    if panel.can_supervise and panel.abuse and panel.abuse.open_flag:
        flag_form = forms.get("flag_form") or FlagReviewForm(prefix="flag")
    return {"cpanel": panel, "flag_form": flag_form, "notice": notice}


@dataclass
class ApprovalRow:
    request: Grant
    form: DecisionForm

    @property
    def compensation(self) -> Any:
        return self.request.compensation

    @property
    def complaint(self) -> Complaint:
        return self.request.compensation.complaint


def approvals_context(
    *,
    user: User,
    requests: list[Grant] | None = None,
    forms: dict[str, Any] | None = None,
    notice: str = "",
    refusals: list[str] | None = None,
) -> dict[str, Any]:
    """The worklist's approvals section: each request with its decision form."""
    forms = forms or {}
    if requests is None:
        requests = approvals_pending_for(user=user)
    rows = []
    for request in requests:
        key = f"decide-{request.pk}"
        rows.append(ApprovalRow(request, forms.get(key) or DecisionForm(prefix=key)))
    return {
        "approval_rows": rows,
        "approvals_notice": notice,
        "approvals_refusals": refusals or [],
    }
