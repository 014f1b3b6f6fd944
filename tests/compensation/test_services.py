"""Compensation services: the Done-when of issue 5 first, then each rule and refusal."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from careloop.compensation import services
from careloop.compensation.models import (
    AbuseFlag,
    Compensation,
    Offer,
    Status,
)
from careloop.compensation.selectors import approvals_pending_for
from careloop.compensation.services import CompensationRefused
from careloop.complaints.models import Complaint
from careloop.complaints.workflow import WorkflowRefused
from careloop.grants.models import Grant
from careloop.grants.services import GrantRefused, approvers_for
from careloop.notifications.models import Notification
from tests.compensation.conftest import MODERATE, SEVERE
from tests.factories import CustomerFactory, UserFactory, package_sold

pytestmark = pytest.mark.django_db


def assess(case, by, ratings=MODERATE, purchase=None, amount=None):
    return services.assessment_save(
        complaint=case, ratings=ratings, purchase=purchase, affected_amount=amount, by=by
    )


def grant(case, by, value, kind="refund", description="退還部分療程費用"):
    return services.compensation_grant(
        complaint=case, value=value, kind=kind, description=description, by=by
    )


# --- Done when ---------------------------------------------------------------------------------


def test_a_moderate_case_about_a_3000_package_offers_30_to_50_percent_refund_plus_a_gift(
    case_b, cs_a, package_3000
):
    # Given a moderate assessment of a case about the NT$3,000 package
    assessment = assess(case_b, cs_a, purchase=package_3000)
    assert (assessment.score, assessment.level, assessment.affected_amount) == (
        50,
        "moderate",
        3000,
    )

    # When the offers are generated
    offers = services.offers_generate(complaint=case_b, by=cs_a)

    # Then there are 2–3, each a 30–50% refund (NT$900–1,500) plus a gift or service
    assert 2 <= len(offers) <= 3
    for offer in offers:
        assert 900 <= offer.refund_amount <= 1500
        assert offer.benefit_value > 0
        assert "贈品" in offer.title or "服務" in offer.title
    assert {o.level for o in offers} == {"moderate"}


def test_customer_service_grants_1500_alone(case_b, cs_a):
    compensation = grant(case_b, cs_a, 1500)

    assert compensation.status == Status.APPROVED
    assert compensation.approved_by == cs_a
    assert compensation.requester_limit == 2000
    assert not Grant.objects.filter(approval_required=True).exists()
    assert compensation.grant.state == "approved"
    assert compensation.grant.decided_by == cs_a
    # The history shows it proposed, then approved
    assert [h.status for h in compensation.history.order_by("history_date")] == [
        "proposed",
        "approved",
    ]


def test_2500_goes_to_a_department_head_who_sees_and_approves_it(
    case_b, cs_a, pt_head_a, django_capture_on_commit_callbacks
):
    # When customer service grants NT$2,500 (above its NT$2,000 limit)
    with django_capture_on_commit_callbacks(execute=True):
        compensation = grant(case_b, cs_a, 2500)

    # Then it waits for approval and the department head is told
    assert compensation.status == Status.PENDING_APPROVAL
    request = compensation.approval_request
    assert (request.value, request.requested_by, request.state) == (2500, cs_a, "pending")
    note = Notification.objects.get(recipient=pt_head_a)
    assert "補償待核准" in note.title and "NT$2,500" in note.title
    assert not Notification.objects.filter(recipient=cs_a).exists()
    # And it is in the head's pending approvals
    assert approvals_pending_for(user=pt_head_a) == [request]

    # When the head approves it with a note
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_decide(request=request, approve=True, note="同意", by=pt_head_a)

    # Then it is approved by the head and the requester hears of it
    compensation.refresh_from_db()
    assert (compensation.status, compensation.approved_by) == (Status.APPROVED, pt_head_a)
    assert approvals_pending_for(user=pt_head_a) == []
    assert Notification.objects.filter(recipient=cs_a, title__contains="核准").exists()


def test_an_a_case_payout_cannot_be_marked_paid_before_the_settlement(case_a, cs_a, senior):
    compensation = grant(case_a, cs_a, 1000)
    assert compensation.status == Status.APPROVED

    with pytest.raises(CompensationRefused) as refused:
        services.compensation_mark_done(compensation=compensation, by=cs_a)
    assert "A 級客訴" in refused.value.messages[0] and "和解書" in refused.value.messages[0]
    compensation.refresh_from_db()
    assert compensation.status == Status.APPROVED

    services.settlement_record(
        compensation=compensation,
        signed_on=timezone.localdate(),
        signed_by="林美玲",
        by=cs_a,
    )
    done = services.compensation_mark_done(compensation=compensation, note="已退款", by=cs_a)
    assert (done.status, done.done_by) == (Status.PAID, cs_a)


def test_a_non_monetary_compensation_on_an_a_case_is_delivered_without_a_settlement(case_a, cs_a):
    compensation = grant(case_a, cs_a, 0, kind="non_monetary", description="主管親自致歉")
    done = services.compensation_mark_done(compensation=compensation, by=cs_a)
    assert done.status == Status.DELIVERED


def test_a_12000_payout_on_a_b_case_needs_a_settlement_too(case_b, senior):
    compensation = grant(case_b, senior, 12000)  # senior management: unlimited
    assert compensation.status == Status.APPROVED

    with pytest.raises(CompensationRefused) as refused:
        services.compensation_mark_done(compensation=compensation, by=senior)
    assert "NT$10,000" in refused.value.messages[0]


def test_a_small_payout_on_a_b_case_is_paid_without_a_settlement(case_b, cs_a):
    compensation = grant(case_b, cs_a, 1500)
    assert services.compensation_mark_done(compensation=compensation, by=cs_a).status == "paid"


def test_a_gift_is_delivered_rather_than_paid(case_b, cs_a):
    compensation = grant(case_b, cs_a, 500, kind="gift", description="贈送彈力帶一組")
    assert services.compensation_mark_done(compensation=compensation, by=cs_a).status == (
        Status.DELIVERED
    )


# --- authority ---------------------------------------------------------------------------------


def test_the_requester_cannot_approve_their_own_request(case_b, pt_head_a, senior):
    # A department head (NT$10,000) asks for NT$12,000; even with a raised limit later,
    # they cannot decide their own request.
    compensation = grant(case_b, pt_head_a, 12000)
    request = compensation.approval_request
    assert approvals_pending_for(user=pt_head_a) == []

    pt_head_a.roles.add(senior.roles.get())
    fresh = type(pt_head_a).objects.get(pk=pt_head_a.pk)
    with pytest.raises(PermissionDenied, match="不可核准自己"):
        services.approval_decide(request=request, approve=True, by=fresh)

    services.approval_decide(request=request, approve=True, by=senior)
    compensation.refresh_from_db()
    assert compensation.approved_by == senior


def test_an_approver_whose_limit_does_not_cover_the_value_is_refused(case_b, cs_a, cs_a2):
    request = grant(case_b, cs_a, 2500).approval_request

    assert approvals_pending_for(user=cs_a2) == []
    with pytest.raises(PermissionDenied, match="授權上限為 NT\\$2,000"):
        services.approval_decide(request=request, approve=True, by=cs_a2)


def test_approvers_are_those_covering_the_value_in_the_branch_or_chain_wide(
    case_b, cs_a, pt_head_a, head_b, senior, dept_head_a
):
    branch = case_b.branch_id
    assert set(approvers_for(branch_id=branch, value=2500)) == {
        pt_head_a,
        senior,
        dept_head_a,
    }
    assert set(approvers_for(branch_id=branch, value=20000)) == {senior}

    request = grant(case_b, cs_a, 2600).approval_request
    assert approvals_pending_for(user=head_b) == []  # another branch's head
    assert approvals_pending_for(user=senior) == [request]  # chain-wide


def test_a_second_decision_on_the_same_request_is_refused(case_b, cs_a, pt_head_a, senior):
    request = grant(case_b, cs_a, 2500).approval_request
    services.approval_decide(request=request, approve=False, note="金額過高", by=pt_head_a)

    with pytest.raises(GrantRefused, match="已由"):
        services.approval_decide(request=request, approve=True, by=senior)
    compensation = Compensation.objects.get(pk=request.subject_id)
    assert compensation.status == Status.REJECTED


def test_a_rejection_needs_a_reason_and_a_rejected_payout_cannot_be_paid(case_b, cs_a, pt_head_a):
    compensation = grant(case_b, cs_a, 2500)
    with pytest.raises(ValidationError) as error:
        services.approval_decide(request=compensation.approval_request, approve=False, by=pt_head_a)
    assert "note" in error.value.message_dict

    services.approval_decide(
        request=compensation.approval_request, approve=False, note="請改提 NT$1,500", by=pt_head_a
    )
    compensation.refresh_from_db()
    with pytest.raises(CompensationRefused, match="未獲核准"):
        services.compensation_mark_done(compensation=compensation, by=cs_a)


def test_a_pending_payout_cannot_be_marked_paid(case_b, cs_a):
    compensation = grant(case_b, cs_a, 2500)
    with pytest.raises(CompensationRefused, match="尚待核准"):
        services.compensation_mark_done(compensation=compensation, by=cs_a)


def test_paid_twice_is_refused(case_b, cs_a):
    compensation = grant(case_b, cs_a, 800)
    services.compensation_mark_done(compensation=compensation, by=cs_a)
    with pytest.raises(CompensationRefused, match="已於"):
        services.compensation_mark_done(compensation=compensation, by=cs_a)


def test_a_therapist_who_does_not_own_the_case_cannot_work_on_its_compensation(case_b, therapist_a):
    with pytest.raises(PermissionDenied):
        assess(case_b, therapist_a)
    with pytest.raises(PermissionDenied):
        grant(case_b, therapist_a, 100)


def test_the_case_owner_grants_within_their_own_smaller_limit(make_case, front_desk, cs_a):
    case = make_case(owner=front_desk)
    assert grant(case, front_desk, 500).status == Status.APPROVED
    assert grant(case, front_desk, 501).status == Status.PENDING_APPROVAL


def test_a_user_of_branch_b_cannot_touch_a_case_of_branch_a(case_b, cs_b):
    with pytest.raises(PermissionDenied):
        grant(case_b, cs_b, 100)


def test_a_closed_case_takes_no_new_assessment_or_grant(case_b, cs_a):
    Complaint.objects.filter(pk=case_b.pk).update(state="closed")
    case_b.refresh_from_db()
    with pytest.raises(WorkflowRefused, match=r"5\.6\.3"):
        assess(case_b, cs_a)
    with pytest.raises(WorkflowRefused):
        grant(case_b, cs_a, 100)


# --- input -------------------------------------------------------------------------------------


def test_bad_grant_input_answers_per_field(case_b, cs_a):
    with pytest.raises(ValidationError) as error:
        services.compensation_grant(complaint=case_b, value=None, kind="cash", by=cs_a)
    assert set(error.value.message_dict) == {"value", "kind", "description"}

    with pytest.raises(ValidationError) as error:
        grant(case_b, cs_a, 0, kind="refund")
    assert "非金錢補償" in error.value.message_dict["value"][0]
    assert grant(case_b, cs_a, 0, kind="non_monetary", description="優先預約").status == (
        "approved"
    )


def test_a_purchase_of_another_customer_is_refused(case_b, cs_a, branch_a):
    other = CustomerFactory(branch=branch_a, created_by=cs_a)
    purchase = package_sold(customer=other, by=cs_a)
    with pytest.raises(ValidationError) as error:
        assess(case_b, cs_a, purchase=purchase)
    assert "purchase" in error.value.message_dict


def test_a_rating_outside_0_5_is_refused_beside_its_factor(case_b, cs_a):
    with pytest.raises(ValidationError) as error:
        assess(case_b, cs_a, ratings={**MODERATE, "trust_loss": 7})
    assert "trust_loss" in error.value.message_dict


def test_a_partial_affected_amount_overrides_the_purchase(case_b, cs_a, package_3000):
    assessment = assess(case_b, cs_a, purchase=package_3000, amount=600)
    assert assessment.affected_amount == 600
    offers = services.offers_generate(complaint=case_b, by=cs_a)
    assert [o.refund_amount for o in offers] == [180, 240, 300]


def test_reassessment_updates_the_one_assessment_and_keeps_history(case_b, cs_a):
    assess(case_b, cs_a)
    assessment = assess(case_b, cs_a, ratings=SEVERE)
    assert (assessment.score, assessment.level) == (92, "severe")
    assert assessment.history.count() == 2


# --- offers ------------------------------------------------------------------------------------


def test_offers_need_an_assessment(case_b, cs_a):
    with pytest.raises(CompensationRefused, match="請先完成補償評估"):
        services.offers_generate(complaint=case_b, by=cs_a)


def test_offers_are_edited_presented_chosen_and_granted(case_b, cs_a, package_3000):
    assess(case_b, cs_a, purchase=package_3000)
    first, second, _third = services.offers_generate(complaint=case_b, by=cs_a)

    # Edited before presenting
    services.offer_update(offer=second, values={"benefit_value": 800}, by=cs_a)
    with pytest.raises(ValidationError) as error:
        services.offer_update(offer=second, values={"refund_amount": 3500}, by=cs_a)
    assert "refund_amount" in error.value.message_dict

    # A choice needs the offers presented first
    with pytest.raises(CompensationRefused, match="請先向客戶提出"):
        services.offer_choose(offer=first, by=cs_a)
    services.offers_present(complaint=case_b, by=cs_a)
    with pytest.raises(CompensationRefused, match="已向客戶提出"):
        services.offer_update(offer=first, values={"title": "改"}, by=cs_a)

    # The customer chooses the first, then changes their mind
    services.offer_choose(offer=first, by=cs_a)
    chosen = services.offer_choose(offer=second, note="希望退費加服務", by=cs_a)
    assert (chosen.chosen_by, chosen.choice_note) == (cs_a, "希望退費加服務")
    first.refresh_from_db()
    assert first.chosen_at is None

    # Granted from the chosen offer: NT$1,200 + NT$800 = NT$2,000, within the limit
    compensation = services.compensation_grant(complaint=case_b, offer=second, by=cs_a)
    assert (compensation.value, compensation.kind, compensation.status) == (
        2000,
        "refund_benefit",
        "approved",
    )
    assert compensation.offer == second
    assert "部分退費 40%" in compensation.description

    # Now the choice stands: no change, no regeneration, no second grant of the same offer
    with pytest.raises(CompensationRefused):
        services.offer_choose(offer=first, by=cs_a)
    with pytest.raises(CompensationRefused):
        services.offers_generate(complaint=case_b, by=cs_a)
    with pytest.raises(CompensationRefused, match="請勿重複"):
        services.compensation_grant(complaint=case_b, offer=second, by=cs_a)


def test_granting_from_an_offer_not_chosen_is_refused(case_b, cs_a):
    assess(case_b, cs_a)
    offer = services.offers_generate(complaint=case_b, by=cs_a)[0]
    with pytest.raises(ValidationError) as error:
        services.compensation_grant(complaint=case_b, offer=offer, by=cs_a)
    assert "offer" in error.value.message_dict


def test_a_new_round_withdraws_the_old_one_but_keeps_it(case_b, cs_a):
    assess(case_b, cs_a)
    old = services.offers_generate(complaint=case_b, by=cs_a)
    services.offers_present(complaint=case_b, by=cs_a)
    new = services.offers_generate(complaint=case_b, by=cs_a)

    assert Offer.objects.filter(pk__in=[o.pk for o in old], withdrawn_at__isnull=False).count() == 3
    assert Offer.objects.filter(withdrawn_at__isnull=True).count() == len(new)
    with pytest.raises(CompensationRefused, match="撤回"):
        services.offer_choose(offer=old[0], by=cs_a)


# --- the abuse guard ---------------------------------------------------------------------------


def test_the_third_compensated_complaint_in_12_months_flags_the_customer(
    make_case, cs_a, pt_head_a, django_capture_on_commit_callbacks
):
    first, second, third = make_case(), make_case(), make_case()
    grant(first, cs_a, 300)
    grant(first, cs_a, 200)  # a second compensation on the same case counts once
    grant(second, cs_a, 300)
    assert not AbuseFlag.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        compensation = grant(third, cs_a, 300)

    flag = AbuseFlag.objects.get()
    assert (flag.complaint_count, flag.compensation, flag.is_open) == (3, compensation, True)
    assert Notification.objects.filter(recipient=pt_head_a, title__contains="補償審查").exists()

    # A fourth does not raise a second flag while the first is open
    grant(make_case(), cs_a, 100)
    assert AbuseFlag.objects.count() == 1


def test_pending_rejected_and_old_compensations_do_not_count(make_case, cs_a, pt_head_a):
    old = grant(make_case(), cs_a, 300)
    Compensation.objects.filter(pk=old.pk).update(
        approved_at=timezone.now() - dt.timedelta(days=366)
    )
    pending = grant(make_case(), cs_a, 2500)
    rejected = grant(make_case(), cs_a, 2600)
    services.approval_decide(
        request=rejected.approval_request, approve=False, note="不予補償", by=pt_head_a
    )
    grant(make_case(), cs_a, 300)
    grant(make_case(), cs_a, 300)
    assert not AbuseFlag.objects.exists()

    # Approving the pending one makes it the third
    services.approval_decide(request=pending.approval_request, approve=True, by=pt_head_a)
    assert AbuseFlag.objects.get().complaint_count == 3


def test_a_supervisor_reviews_the_flag_and_a_later_grant_flags_again(
    make_case, cs_a, pt_head_a, head_b
):
    for _ in range(3):
        grant(make_case(), cs_a, 100)
    flag = AbuseFlag.objects.get()

    with pytest.raises(PermissionDenied):
        services.abuse_flag_acknowledge(flag=flag, note="看過", by=cs_a)
    with pytest.raises(PermissionDenied):
        services.abuse_flag_acknowledge(flag=flag, note="看過", by=head_b)
    with pytest.raises(ValidationError):
        services.abuse_flag_acknowledge(flag=flag, note=" ", by=pt_head_a)
    reviewed = services.abuse_flag_acknowledge(flag=flag, note="皆屬實，照常處理", by=pt_head_a)
    assert (reviewed.acknowledged_by, reviewed.is_open) == (pt_head_a, False)
    with pytest.raises(CompensationRefused):
        services.abuse_flag_acknowledge(flag=flag, note="再看", by=pt_head_a)

    grant(make_case(), cs_a, 100)
    assert AbuseFlag.objects.filter(acknowledged_at__isnull=True).get().complaint_count == 4


# --- settlement --------------------------------------------------------------------------------


def test_settlement_input_is_checked_and_can_be_corrected_until_paid(case_a, cs_a):
    compensation = grant(case_a, cs_a, 1000)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.settlement_record(
            compensation=compensation, signed_on=tomorrow, signed_by=" ", by=cs_a
        )
    assert set(error.value.message_dict) == {"signed_on", "signed_by"}

    today = timezone.localdate()
    services.settlement_record(compensation=compensation, signed_on=today, signed_by="林", by=cs_a)
    settlement = services.settlement_record(
        compensation=compensation, signed_on=today, signed_by="林美玲", by=cs_a
    )
    assert settlement.signed_by == "林美玲"
    services.compensation_mark_done(compensation=compensation, by=cs_a)
    with pytest.raises(CompensationRefused, match="不可再修改"):
        services.settlement_record(
            compensation=compensation, signed_on=today, signed_by="林", by=cs_a
        )


def test_a_user_without_any_role_has_no_authority(branch_a):
    nobody = UserFactory(home_branch=branch_a)
    from careloop.accounts.permissions import user_authority_limit

    assert user_authority_limit(nobody) == 0
