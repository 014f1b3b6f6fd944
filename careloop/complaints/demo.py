"""Demo complaint cases at every stage of PT-P020, made through the real services.

Each case is received some days ago and walked as far as its target stage; afterwards the
moments are moved back to plausible times after receipt (the services stamp "now"). The cases
left at receipt are received when their first deadline leaves one on track, one at risk and
one overdue at the moment of the load, so the board shows all three whatever the day — a
weekend, Lunar New Year, 23:57 — since the deadlines count Taiwanese working days. On the way
the handling tools are used as staff would: a reply from a template, a compensation assessed,
offered and granted (one of them waiting in a department head's worklist), and a satisfaction
survey sent and, for most closed cases, answered.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.accounts.models import Branch, Department, User
from careloop.compensation.models import Compensation
from careloop.compensation.models import Status as CompensationStatus
from careloop.compensation.services import (
    approval_decide,
    assessment_save,
    case_granted_total,
    case_total_with,
    compensation_grant,
    compensation_mark_done,
    offer_choose,
    offers_generate,
    offers_present,
    purchases_for,
    settlement_reason,
    settlement_record,
)
from careloop.complaints.criteria import grade_suggest
from careloop.complaints.deadlines import (
    Standing,
    deadlines_compute,
    next_due_refresh,
    standing_of,
)
from careloop.complaints.defaults import complaint_defaults_ensure
from careloop.complaints.models import (
    ActionItem,
    Communication,
    Complaint,
    Nature,
    State,
    Transition,
)
from careloop.complaints.services import (
    action_item_add,
    action_item_set_done,
    communication_add,
    complaint_intake,
    complaint_public_submit,
    complaint_transition,
    investigation_save,
    solution_save,
)
from careloop.complaints.workflow import MoveInput
from careloop.customers.models import Customer
from careloop.grants.services import approvers_for
from careloop.messaging.models import MessageChannel
from careloop.replies.models import ReplyTemplate, TemplateChannel
from careloop.replies.services import reply_render, reply_send
from careloop.surveys.services import survey_answer, survey_send_for_complaint


@dataclass(frozen=True)
class Story:
    nature: str
    department: str
    criteria: tuple[str, ...]
    channel: str
    description: str
    expected: str
    root_cause: str
    remedy: str
    prevention: str


STORIES = (
    Story("staff_attitude", "physiotherapy", ("b_staff",), "phone",
          "治療師遲到 20 分鐘且未事先通知，療程時間也被縮短。", "希望補足療程時間並改善準時。",
          "前一時段客人延誤，排程未留緩衝。", "補一堂 30 分鐘療程。",
          "排程每 3 個時段保留 10 分鐘緩衝，遲到 5 分鐘以上須主動通知客戶。"),
    Story("billing", "customer_service", ("b_moderate_loss",), "email",
          "療程套票重複扣款兩次，信用卡帳單出現兩筆 NT$12,000。", "退還重複扣款。",
          "刷卡機斷線重送造成重複交易。", "全額退還重複扣款並致電致歉。",
          "刷卡機斷線時改由系統核對交易序號後再重送。"),
    Story("facilities", "operations", ("c_minor_defect",), "suggestion_box",
          "更衣室置物櫃門鎖故障，物品無法上鎖。", "盡快修理。",
          "門鎖老化未列入定期檢查。", "當日更換門鎖。", "置物櫃納入每月設施檢查表。"),
    Story("efficacy", "physiotherapy", ("b_quality", "b_inconvenience"), "in_person",
          "做了 6 次肩頸療程仍然疼痛，覺得沒有改善。", "希望重新評估並調整療程。",
          "初評未記錄工作姿勢，居家運動未追蹤。", "由資深治療師免費重新評估一次。",
          "初評表加入工作型態欄位，第 3 次療程時追蹤居家運動。"),
    Story("safety", "physiotherapy", ("a_safety",), "phone",
          "熱敷時溫度過高造成小腿輕微燙傷。", "希望負擔就醫費用並確保不再發生。",
          "熱敷包加熱器溫控失準，未定期校正。", "負擔就醫費用並由主管親自致歉。",
          "所有加熱器每週校正並記錄，熱敷時每 5 分鐘確認皮膚狀況。"),
    Story("service_quality", "customer_service", ("c_misunderstanding",), "social_media",
          "在粉絲專頁留言詢問預約三天沒有回覆。", "希望有人回覆。",
          "粉絲專頁訊息未指定專人每日查看。", "當日回覆並協助完成預約。",
          "客服每日 10 點與 16 點查看社群訊息。"),
    Story("billing", "sales", ("b_staff", "c_no_loss"), "review_platform",
          "銷售顧問推銷過度，一直要求加購套票。", "希望不要再被推銷。",
          "業績競賽期間未提醒銷售守則。", "由銷售部主管致電致歉。",
          "銷售守則納入每月晨會，加購建議以一次為限。"),
)  # fmt: skip

# Target stages and how many cases stop there.
PLAN = (
    (State.RECEIVED, 3),
    (State.INVESTIGATING, 4),
    (State.SOLUTION_REVIEW, 2),
    (State.EXECUTING, 2),
    (State.COMMUNICATING, 2),
    (State.FOLLOW_UP, 2),
    (State.CLOSED, 3),
    (State.ARCHIVED, 4),
)
ORDER = list(State)
# What the cases left at receipt show on the board, in turn.
RECEIVED_STANDINGS = (Standing.ON_TRACK, Standing.AT_RISK, Standing.OVERDUE)


def complaints_demo_load(
    *, seed: int, now: dt.datetime, branches: dict[str, Branch], users: dict[str, User]
) -> int:
    complaint_defaults_ensure()
    rng = random.Random(f"{seed}:complaints")
    receipts = random.Random(f"{seed}:receipts")
    natures = {n.code: n for n in Nature.objects.all()}
    departments = {d.code: d for d in Department.objects.all()}
    heads = {
        "physiotherapy": users["head_pt"],
        "customer_service": users["head_cs"],
        "sales": users["head_sales"],
        "operations": users["ceo"],
    }
    count = 0
    customer_ids: dict[str, list[int]] = {}
    for stage, n in PLAN:
        for i in range(n):
            code = rng.choice(list(branches))
            branch = branches[code]
            story = rng.choice(STORIES)
            cs = users[f"cs_{code}"]
            pool = customer_ids.setdefault(
                code,
                list(
                    Customer.objects.filter(branch=branch)
                    .order_by("id")
                    .values_list("id", flat=True)[:300]
                ),
            )
            customer = (
                Customer.objects.get(pk=rng.choice(pool)) if pool and rng.random() < 0.8 else None
            )
            closed = ORDER.index(stage) >= ORDER.index(State.CLOSED)
            days_ago = rng.uniform(20, 60) if closed else rng.uniform(0.2, 9)
            received_at = _clinic_hours(now - dt.timedelta(days=days_ago), rng)
            if received_at > now:  # a clinic hour later today: take yesterday's
                received_at -= dt.timedelta(days=1)
            if stage == State.RECEIVED:
                # Its own random stream: the other cases stay as they were on any day.
                standing = RECEIVED_STANDINGS[i % len(RECEIVED_STANDINGS)]
                story, received_at = _receipt_for(standing, now=now, branch=branch, rng=receipts)
            values = {
                "branch": branch,
                "customer": customer,
                "complainant_name": "" if customer else rng.choice(("陳先生", "林小姐", "張太太")),
                "complainant_phone": "" if customer else f"+8869{rng.randint(10000000, 99999999)}",
                "channel": story.channel,
                "received_at": received_at,
                "description": story.description,
                "expected_resolution": story.expected,
                "nature": natures[story.nature],
            }
            complaint = complaint_intake(
                values=values,
                criteria=story.criteria,
                departments=[departments[story.department]],
                owner=cs,
                by=cs,
            )
            _walk(complaint, stage, story, cs, heads[story.department], users["ceo"], now, rng)
            count += 1
    complaint_public_submit(
        values={
            "branch": branches["taipei"],
            "complainant_name": "李小姐",
            "complainant_phone": "+886922333444",
            "description": "候診區冷氣太冷，等了 15 分鐘覺得很不舒服。",
            "expected_resolution": "希望調整溫度或提供毯子。",
        },
        attachment=None,
        fingerprint="demo",
    )
    return count + 1


def _receipt_for(
    standing: Standing, *, now: dt.datetime, branch: Branch, rng: random.Random
) -> tuple[Story, dt.datetime]:
    """A story and a receipt time in clinic hours that leave a case just received `standing`
    at `now`, searched hour by hour back from now with the case's own deadlines."""
    latest = timezone.localtime(now).replace(
        minute=rng.randrange(0, 60, 5), second=0, microsecond=0
    )
    for story in rng.sample(STORIES, len(STORIES)):
        grade = grade_suggest(story.criteria)
        for hours_back in range(1, 24 * 31):
            received_at = latest - dt.timedelta(hours=hours_back)
            if not 9 <= received_at.hour < 20:
                continue
            deadlines = deadlines_compute(
                received_at=received_at,
                grade=grade,
                branch_id=branch.pk,
                channel=story.channel,
                criteria=story.criteria,
            )
            due = min(
                d
                for d in (
                    deadlines.first_response_due,
                    deadlines.start_due,
                    deadlines.resolution_due,
                )
                if d is not None
            )
            if standing_of(received_at=received_at, due=due, now=now) == standing:
                return story, received_at
    raise LookupError(f"no receipt time in a month leaves a new case {standing}")


def _clinic_hours(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=rng.randint(9, 19), minute=rng.randrange(0, 60, 5), second=0)


def _walk(
    complaint: Complaint,
    stage: str,
    story: Story,
    cs: User,
    head: User,
    ceo: User,
    now: dt.datetime,
    rng: random.Random,
) -> None:
    approver = ceo if complaint.grade == "A" else head
    target = ORDER.index(stage)
    if target == 0:
        return
    investigation_save(
        complaint=complaint,
        values={
            "scope": "了解事件經過與責任歸屬",
            "people": "當班人員、主管",
            "timeline": "三個工作天內完成",
        },
        by=cs,
    )
    complaint = complaint_transition(complaint=complaint, to=State.INVESTIGATING, by=cs)
    if rng.random() < 0.5:
        _reply_sent(complaint, cs)
    if target >= ORDER.index(State.SOLUTION_REVIEW):
        investigation_save(
            complaint=complaint,
            values={
                "facts": story.description,
                "root_cause": story.root_cause,
                "responsibility": "院所流程",
                "recommendation": story.remedy,
            },
            by=cs,
        )
        solution_save(
            complaint=complaint,
            values={
                "immediate_remedy": story.remedy,
                "prevention": story.prevention,
                "training_needs": "相關人員再教育",
                "cost": 1500,
            },
            by=cs,
        )
        complaint = complaint_transition(complaint=complaint, to=State.SOLUTION_REVIEW, by=cs)
    if target >= ORDER.index(State.EXECUTING):
        complaint = complaint_transition(complaint=complaint, to=State.EXECUTING, by=approver)
        item = action_item_add(
            complaint=complaint,
            values={
                "description": story.remedy,
                "owner": cs,
                "due_date": timezone.localdate(now) + dt.timedelta(days=3),
            },
            by=cs,
        )
        if complaint.customer_id and rng.random() < 0.8:
            _compensate(complaint, cs, (head, ceo), settle=target > ORDER.index(State.EXECUTING))
    if target >= ORDER.index(State.COMMUNICATING):
        complaint = complaint_transition(complaint=complaint, to=State.COMMUNICATING, by=cs)
    if target >= ORDER.index(State.FOLLOW_UP):
        communication_add(
            complaint=complaint,
            values={
                "channel": "phone",
                "content": f"致電說明調查結果與處理方式：{story.remedy}",
                "is_solution": True,
                "customer_response": Communication.Response.ACCEPTED,
            },
            by=cs,
        )
        complaint = complaint_transition(complaint=complaint, to=State.FOLLOW_UP, by=cs)
        _survey(complaint, cs, rng, answer=target >= ORDER.index(State.CLOSED))
    if target >= ORDER.index(State.CLOSED):
        action_item_set_done(item=item, done=True, by=cs)
        complaint = complaint_transition(
            complaint=complaint,
            to=State.CLOSED,
            by=approver,
            data=MoveInput(summary=story.description, satisfaction_score=8),
        )
    if target >= ORDER.index(State.ARCHIVED):
        complaint_transition(complaint=complaint, to=State.ARCHIVED, by=approver)
    _backdate(complaint.pk, now)


# Four-factor ratings (actual loss, time, distress, trust) by grade: A severe, B moderate,
# C minor (compensation.rules).
RATINGS = {
    "A": {"actual_loss": 4, "time_cost": 3, "emotional_distress": 5, "trust_loss": 4},
    "B": {"actual_loss": 2, "time_cost": 2, "emotional_distress": 3, "trust_loss": 2},
    "C": {"actual_loss": 0, "time_cost": 1, "emotional_distress": 2, "trust_loss": 1},
}


def _compensate(
    complaint: Complaint, cs: User, approvers: tuple[User, User], *, settle: bool
) -> None:
    """Assess, offer, record the customer's choice and grant. Above the customer-service
    limit the grant waits for approval: left waiting when the case stops in execution (the
    head's worklist shows it), approved and carried out when the case goes on."""
    purchase = purchases_for(complaint).order_by("-amount").first()
    # Only part of a large package is affected by one bad visit.
    cap = 12_000 if complaint.grade == "A" else 3_000
    assessment_save(
        complaint=complaint,
        ratings=RATINGS[complaint.grade],
        purchase=purchase,
        affected_amount=min(purchase.amount, cap) if purchase else None,
        by=cs,
    )
    offers = offers_generate(complaint=complaint, by=cs)
    offers_present(complaint=complaint, by=cs)
    offer_choose(offer=offers[-1], note="客戶電話中選擇此方案", by=cs)
    compensation = compensation_grant(complaint=complaint, offer=offers[-1], by=cs)
    if not settle:
        return
    if compensation.status == CompensationStatus.PENDING_APPROVAL:
        request = compensation.grant
        covering = approvers_for(branch_id=complaint.branch_id, value=request.case_total)
        approver = next(u for u in approvers if covering.filter(pk=u.pk).exists())
        approval_decide(request=request, approve=True, note="同意", by=approver)
        compensation = Compensation.objects.get(pk=compensation.pk)
    granted = case_granted_total(complaint_id=complaint.pk)
    reason = settlement_reason(
        grade=complaint.grade,
        value=compensation.value,
        case_total=case_total_with(compensation, granted),
    )
    if reason:  # the rule compensation_mark_done applies
        settlement_record(
            compensation=compensation,
            signed_on=timezone.localdate(),
            signed_by=complaint.complainant_name,
            note="客戶親簽和解書",
            by=cs,
        )
    compensation_mark_done(compensation=compensation, note="已於櫃台辦理", by=cs)


def _reply_sent(complaint: Complaint, cs: User) -> None:
    """A first reply from the private-message template, by LINE or SMS (the demo sends to the
    log backend)."""
    template = ReplyTemplate.objects.filter(
        channel=TemplateChannel.PRIVATE_MESSAGE, active=True
    ).first()
    phone = complaint.complainant_phone or (complaint.customer and complaint.customer.phone)
    if template is None or not phone:
        return
    rendered = reply_render(template=template, complaint=complaint, by=cs)
    body = rendered.body.replace("{解決方案}", "由專人了解後與您聯繫說明")
    body = body.replace("{補償}", "").replace("{改善措施}", "檢討相關流程")
    if "{" in body:  # a field the case cannot fill (no branch phone): staff would type it
        return
    reply_send(
        complaint=complaint,
        channel=MessageChannel.SMS,
        to=phone,
        subject="",
        body=body,
        template=template,
        by=cs,
        key=f"demo-reply:{complaint.pk}",
    )


def _survey(complaint: Complaint, cs: User, rng: random.Random, *, answer: bool) -> None:
    try:
        survey = survey_send_for_complaint(complaint=complaint, by=cs)
    except ValidationError:  # no mobile number or e-mail on the case: PT-F021 on paper
        return
    if not answer or rng.random() < 0.2:
        return
    satisfaction = rng.choice((6, 7, 8, 8, 9, 9, 10))
    survey_answer(
        survey=survey,
        values={
            "satisfaction": satisfaction,
            "recommend": min(10, max(0, satisfaction + rng.choice((-2, -1, 0, 0, 1)))),
            "went_well": rng.choice(("客服回覆很快", "主管親自致歉", "處理過程很有誠意", "")),
            "to_improve": rng.choice(("希望一開始就說明清楚", "", "預約時間可以更準時")),
        },
    )


def _backdate(complaint_id: int, now: dt.datetime) -> None:
    """Spread the steps over the hours after receipt instead of all at load time."""
    complaint = Complaint.objects.get(pk=complaint_id)
    moment = complaint.received_at
    span = min(now - complaint.received_at, dt.timedelta(days=6))
    transitions = list(complaint.transitions.order_by("id"))
    step = span / (len(transitions) + 1)
    for transition in transitions:
        moment += step
        Transition.objects.filter(pk=transition.pk).update(at=moment)
        if transition.to_state == State.INVESTIGATING and complaint.started_at:
            complaint.started_at = min(complaint.started_at, moment)
        if transition.to_state == State.FOLLOW_UP and complaint.resolved_at:
            complaint.resolved_at = min(complaint.resolved_at, moment)
        if transition.to_state == State.CLOSED and complaint.closed_at:
            complaint.closed_at = moment
        if transition.to_state == State.ARCHIVED and complaint.archived_at:
            complaint.archived_at = moment
    Communication.objects.filter(complaint=complaint).update(
        occurred_at=complaint.resolved_at or now
    )
    if complaint.first_response_at:
        complaint.first_response_at = complaint.resolved_at or complaint.first_response_at
    ActionItem.objects.filter(complaint=complaint, done_at__isnull=False).update(
        done_at=complaint.closed_at or now
    )
    next_due_refresh(complaint)
    Complaint.objects.filter(pk=complaint.pk).update(
        started_at=complaint.started_at,
        resolved_at=complaint.resolved_at,
        first_response_at=complaint.first_response_at,
        closed_at=complaint.closed_at,
        archived_at=complaint.archived_at,
        next_due=complaint.next_due,
        next_alert_at=complaint.next_alert_at,
    )
