"""The case page (complaints:detail) as clinic staff use it: the whole story of a case, every
action on it as a plain POST (redirect back) and through htmx (the changed panel), bad input
beside its field, refusals citing their clause, read-only closed cases, branch scope and a
query count that does not grow with the story."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careloop.complaints.models import (
    ActionItem,
    Approval,
    Communication,
    Complaint,
    Evidence,
    GradeChange,
    Investigation,
    Nature,
    Solution,
    State,
    Transition,
)
from careloop.complaints.services import (
    action_item_add,
    action_item_set_done,
    communication_add,
    complaint_closing_record,
    complaint_public_submit,
    complaint_regrade,
    complaint_transition,
    evidence_add,
    investigation_save,
    solution_save,
)
from careloop.complaints.workflow import MoveInput
from careloop.customers.models import Customer
from tests.factories import CustomerFactory, UserFactory
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

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
READ_ONLY = "PT-P020 5.6.3：案件已結案或歸檔，內容不可修改；如需修改請由主管重新開啟。"
# The case page's edit URLs (not the workflow moves), as they appear in a form's action.
EDIT_URLS = (
    "intake_update",
    "regrade",
    "assign",
    "to_customer",
    "plan",
    "report",
    "evidence_add",
    "solution",
    "action_add",
    "communication_add",
    "closing",
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def advance(complaint, to, *, handler, approver):
    """Take a case along the happy path through the services, doing what each step needs."""
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
                values={
                    "description": "安排補課",
                    "owner": handler,
                    "due_date": timezone.localdate() + dt.timedelta(days=7),
                },
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
                complaint=complaint, to=State.CLOSED, by=approver, data=CLOSING
            )
        elif state == State.CLOSED:
            complaint = complaint_transition(complaint=complaint, to=State.ARCHIVED, by=approver)
    return complaint


@pytest.fixture
def case(make_complaint, cs_a, pt_head_a):
    """A B case received an hour ago, owned by cs_a, brought to the state asked for."""

    def make(state=State.RECEIVED, **overrides):
        values = {
            "criteria": ["b_staff"],
            "owner": cs_a,
            "received_at": timezone.now() - dt.timedelta(hours=1),
            **overrides,
        }
        complaint = make_complaint(**values)
        return advance(complaint, state, handler=cs_a, approver=pt_head_a)

    return make


def url(name, complaint, *args):
    return reverse(f"complaints:{name}", args=[complaint.number, *args])


def page_of(complaint):
    return reverse("complaints:detail", args=[complaint.number])


def prefixed(prefix, values):
    return {f"{prefix}-{key}": value for key, value in values.items()}


def fresh(complaint):
    return Complaint.objects.get(pk=complaint.pk)


def section(html, element_id):
    """The HTML of the element with this id (a <section> or <div> panel)."""
    match = re.search(rf'<(section|div)[^>]*\bid="{element_id}".*?</\1>', html, re.S)
    assert match, f"#{element_id} not on the page"
    return match.group(0)


def assert_fragment(response, panel_id, *, status=200):
    """An htmx answer: the panel alone (no page around it), with the case head out of band."""
    assert response.status_code == status, response.content.decode()[:2000]
    html = response.content.decode()
    assert "<html" not in html and "<body" not in html
    assert html.lstrip().startswith(f'<section class="card" id="{panel_id}"'), html[:300]
    assert 'id="case-head" class="page-head case-head" hx-swap-oob="true"' in html
    return html


def assert_case_fragment(response, *, status=200):
    """An htmx answer to a workflow move: the whole case, swapped in place of #case."""
    assert response.status_code == status, response.content.decode()[:2000]
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="case" class="case">'), html[:300]
    for panel in ("workflow-panel", "record-panel", "deadlines-panel", "history-panel"):
        assert f'id="{panel}"' in html
    return html


def assert_redirected_with(client, response, complaint, message, *, anchor=""):
    """A plain POST: back to the case page (at its panel), where the message is shown."""
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == page_of(complaint) + (f"#{anchor}" if anchor else "")
    html = client.get(page_of(complaint)).content.decode()
    assert message in html
    return html


def assert_beside(response, field_id, message):
    """Bad input: 422, the message in the field's own error line, the form still there."""
    assert response.status_code == 422, response.content.decode()[:2000]
    html = response.content.decode()
    assert f'<p class="field-error" id="id_{field_id}_error" role="alert">{message}' in html, (
        re.findall(r'<p class="field-error".*?</p>', html)
    )
    return html


def snapshot(complaint):
    """Everything a case-page action could change, to show that a refusal changed nothing."""
    complaint = fresh(complaint)
    investigation = Investigation.objects.filter(complaint=complaint).values().first()
    solution = Solution.objects.filter(complaint=complaint).values().first()
    return {
        "row": Complaint.objects.filter(pk=complaint.pk).values().get(),
        "departments": sorted(complaint.departments.values_list("pk", flat=True)),
        "history": complaint.history.count(),
        "investigation": investigation,
        "solution": solution,
        "items": list(ActionItem.objects.filter(complaint=complaint).values()),
        "communications": Communication.objects.filter(complaint=complaint).count(),
        "evidence": Evidence.objects.filter(complaint=complaint).count(),
        "grades": GradeChange.objects.filter(complaint=complaint).count(),
        "transitions": Transition.objects.filter(complaint=complaint).count(),
        "approvals": Approval.objects.filter(complaint=complaint).count(),
        "customers": Customer.objects.count(),
    }


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (16, 16), (0, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def intake_values(complaint, **changes):
    values = {
        "customer_number": "",
        "complainant_name": complaint.complainant_name,
        "complainant_phone": complaint.complainant_phone,
        "complainant_email": complaint.complainant_email,
        "complainant_line_id": complaint.complainant_line_id,
        "channel": complaint.channel,
        "third_party": complaint.third_party,
        "description": complaint.description,
        "expected_resolution": complaint.expected_resolution,
        "nature": complaint.nature_id or "",
        **changes,
    }
    return prefixed("intake", values)


def communication_values(**changes):
    occurred = timezone.localtime() - dt.timedelta(minutes=10)
    values = {
        "channel": "phone",
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
        "content": "致電說明調查進度",
        "customer_response": "n_a",
        "response_note": "",
        **changes,
    }
    return prefixed("comm", values)


# --- the whole story -------------------------------------------------------------------------


def test_case_page_tells_the_whole_story(client, cs_a, pt_head_a, case):
    # Given a case regraded from C to B, investigated with evidence, its solution sent back once
    # and then approved, an action item done, the solution explained and accepted
    complaint = case(criteria=[], complainant_email="mei@example.test")
    complaint = complaint_regrade(
        complaint=complaint, criteria=["b_staff"], grade=None, reason="客戶再次來電補充", by=cs_a
    )
    evidence_add(
        complaint=complaint,
        values={"kind": "interview", "title": "櫃台訪談", "notes": "當天排程已滿"},
        file=None,
        by=cs_a,
    )
    complaint = advance(complaint, State.SOLUTION_REVIEW, handler=cs_a, approver=pt_head_a)
    complaint = complaint_transition(
        complaint=complaint,
        to=State.INVESTIGATING,
        by=pt_head_a,
        data=MoveInput(reason="補償方式需再評估"),
    )
    complaint = advance(complaint, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    action_item_set_done(item=complaint.action_items.get(), done=True, by=cs_a)
    client.force_login(cs_a)

    # When the case page opens
    response = client.get(page_of(complaint))

    # Then every part of the story is on it
    assert response.status_code == 200
    html = response.content.decode()
    record = section(html, "record-panel")
    assert "林美玲" in record and "0912-000-111" in record and "mei@example.test" in record
    assert "治療師遲到二十分鐘" in record and "希望補一堂課並改善準時。" in record
    assert "電話" in record and cs_a.full_name in record
    grade = section(html, "grade-panel")
    assert "B 級（中度）" in grade and "B：涉及員工態度或專業性不足" in grade
    assert "C → B（客戶再次來電補充）" in grade
    workflow = section(html, "workflow-panel")
    for step in (
        "已接收 → 調查中",
        "調查中 → 方案審核",
        "方案審核 → 調查中（補償方式需再評估）",
        "方案審核 → 方案執行",
        "方案執行 → 客戶溝通",
        "客戶溝通 → 後續跟進",
    ):
        assert step in workflow
    assert 'aria-current="step">後續跟進' in workflow
    investigation = section(html, "investigation-panel")
    assert "遲到經過與排程" in investigation and "排程未留緩衝" in investigation
    evidence = section(html, "evidence-panel")
    assert "櫃台訪談" in evidence and "當天排程已滿" in evidence
    solution = section(html, "solution-panel")
    assert "補一堂課" in solution and "排程間留十分鐘緩衝" in solution and "NT$1200" in solution
    assert "退回" in solution and "補償方式需再評估" in solution and "核准" in solution
    actions = section(html, "actions-panel")
    assert "安排補課" in actions and "已完成" in actions and "確認完成" in actions
    communications = section(html, "communications-panel")
    assert "說明調查結果與補課安排" in communications and "接受方案" in communications
    assert "已接受" in communications
    deadlines = section(html, "deadlines-panel")
    assert "完成接收記錄" in deadlines and "啟動處理" in deadlines and "解決方案" in deadlines
    assert "後續跟進日期" in deadlines
    assert "<dd>物理治療部</dd>" in section(html, "assign-panel")
    # The change history is a placeholder that loads when scrolled to; it says what changed
    history_url = url("history", complaint)
    assert f'hx-get="{history_url}" hx-trigger="revealed"' in section(html, "history-panel")
    history = client.get(history_url).content.decode()
    assert "修改客訴記錄" in history and "處理階段：客戶溝通 → 後續跟進" in history
    inline = client.get(page_of(complaint), {"history": "1"}).content.decode()
    assert "處理階段：客戶溝通 → 後續跟進" in section(inline, "history-panel")


def _milestone_cell(html, milestone):
    deadlines = section(html, "deadlines-panel")
    row = re.search(rf'<tr class="milestone-{milestone}">.*?</tr>', deadlines, re.S)
    assert row, f"no {milestone} row"
    return row.group(0)


def test_deadlines_show_met_missed_on_track_at_risk_and_overdue(client, cs_a, case):
    now = timezone.now()
    # Given a B case received 40 of its 48 hours ago, not started (start at risk)
    at_risk = case(received_at=now - dt.timedelta(hours=40))
    # an A case received 30 hours ago, not started (its 24 hours passed)
    overdue = case(received_at=now - dt.timedelta(hours=30), criteria=["a_safety"])
    # a B case started an hour after receipt (met) and one started after its deadline (missed)
    met = case(State.INVESTIGATING, received_at=now - dt.timedelta(hours=2))
    missed = case(received_at=now - dt.timedelta(hours=60))
    Complaint.objects.filter(pk=missed.pk).update(started_at=now)
    Complaint.objects.filter(pk=met.pk).update(started_at=met.received_at + dt.timedelta(hours=1))
    client.force_login(cs_a)

    def cells(complaint):
        html = client.get(page_of(complaint)).content.decode()
        return _milestone_cell(html, "start"), _milestone_cell(html, "resolution"), html

    # When each page opens, Then each milestone says where it stands, in words
    start, resolution, html = cells(at_risk)
    assert 'standing-at_risk">即將逾期' in start
    assert 'standing-on_track">進度正常' in resolution
    assert 'standing-overdue">逾時記錄' in section(html, "deadlines-panel")  # 40 h after receipt
    start, resolution, _ = cells(overdue)
    assert 'standing-overdue">已逾期' in start and "—" in start
    start, _, html = cells(met)
    assert 'standing-done">如期達成' in start
    assert 'standing-done">如期</span>' in section(html, "deadlines-panel")  # recorded in time
    start, _, _ = cells(missed)
    assert 'standing-overdue">逾期達成' in start


def test_a_late_record_and_a_closed_case_say_so(client, pt_head_a, case):
    # Given a case recorded three days after receipt, started late, resolved in time, closed
    complaint = case(State.CLOSED, received_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(pt_head_a)

    # When its page opens
    html = client.get(page_of(complaint)).content.decode()

    # Then the deadlines say which were met and which missed, and the closing record shows
    assert 'standing-overdue">逾時記錄' in section(html, "deadlines-panel")
    assert 'standing-overdue">逾期達成' in _milestone_cell(html, "start")
    assert 'standing-done">如期達成' in _milestone_cell(html, "resolution")
    closing = section(html, "closing-panel")
    assert "治療師遲到，已補課並調整排程" in closing and "8/10" in closing
    assert pt_head_a.full_name in closing


# --- intake, grade, assignment ---------------------------------------------------------------


def test_intake_update_plain_post_redirects_with_the_change_saved(client, cs_a, case):
    complaint = case()
    client.force_login(cs_a)
    nature = Nature.objects.get(code="staff_attitude")

    response = client.post(
        url("intake_update", complaint),
        intake_values(complaint, complainant_email="lin@example.test", nature=nature.pk),
    )

    assert_redirected_with(client, response, complaint, "已更新接收記錄。", anchor="record-panel")
    complaint = fresh(complaint)
    assert complaint.complainant_email == "lin@example.test" and complaint.nature == nature
    assert complaint.history.first().history_user == cs_a


def test_intake_update_through_htmx_answers_the_record_panel(client, cs_a, case):
    complaint = case()
    client.force_login(cs_a)

    response = client.post(
        url("intake_update", complaint),
        intake_values(complaint, description="治療師遲到三十分鐘。"),
        **HTMX,
    )

    html = assert_fragment(response, "record-panel")
    assert "已更新接收記錄。" in html and "治療師遲到三十分鐘。" in html
    assert fresh(complaint).description == "治療師遲到三十分鐘。"


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"description": ""}, "intake-description", "請填寫投訴內容詳細描述。"),
        ({"complainant_email": "not-an-address"}, "intake-complainant_email", "請輸入有效的"),
        (
            {"channel": "government", "third_party": ""},
            "intake-third_party",
            "經由第三方轉來的投訴，請填寫第三方單位名稱。",
        ),
        (
            {"complainant_name": "", "customer_number": ""},
            "intake-complainant_name",
            "請填寫投訴人姓名，或選擇既有客戶。",
        ),
        ({"customer_number": "C0000000"}, "intake-customer_number", "找不到客戶編號 C0000000。"),
    ],
)
def test_bad_intake_update_is_refused_beside_the_field(
    client, cs_a, case, changes, field, message, htmx
):
    complaint = case()
    before = snapshot(complaint)
    client.force_login(cs_a)

    response = client.post(
        url("intake_update", complaint),
        intake_values(complaint, **changes),
        **(HTMX if htmx else {}),
    )

    html = assert_beside(response, field, message)
    assert "資料有誤，請修正標示的欄位，尚未儲存。" in html
    assert ("<html" in html) is not htmx
    assert snapshot(complaint) == before


def test_completing_an_online_submission_grades_and_records_it(client, cs_a, branch_a):
    # Given a submission from the suggestion box, graded C until staff complete the record
    complaint = complaint_public_submit(
        values={
            "branch": branch_a,
            "complainant_name": "張小姐",
            "complainant_phone": "+886911222333",
            "description": "櫃台人員態度不佳。",
        },
        attachment=None,
        fingerprint="f" * 64,
    )
    client.force_login(cs_a)
    page = client.get(page_of(complaint)).content.decode()
    assert "線上意見表提交，尚未完成接收記錄。" in page and "完成接收記錄" in page

    # When customer service completes the record with a B criterion ticked
    data = intake_values(complaint, criteria=["b_staff"], grade="", grade_reason="")
    response = client.post(url("intake_update", complaint), data, **HTMX)

    # Then the case is graded B, recorded by cs_a, and the panel says so
    html = assert_fragment(response, "record-panel")
    assert "已完成接收記錄。" in html
    complaint = fresh(complaint)
    assert complaint.grade == "B" and complaint.recorded_at is not None
    assert complaint.received_by == cs_a
    assert 'id="grade-panel" hx-swap-oob="true"' in html


def test_regrade_with_a_reason_recomputes_the_deadlines(client, cs_a, case):
    complaint = case()
    start_due = complaint.start_due
    client.force_login(cs_a)
    data = {"grade-criteria": ["a_safety"], "grade-grade": "", "grade-grade_reason": "有受傷"}

    response = client.post(url("regrade", complaint), data)

    assert_redirected_with(
        client, response, complaint, "已更新投訴等級，期限已重新計算。", anchor="grade-panel"
    )
    complaint = fresh(complaint)
    assert complaint.grade == "A" and complaint.start_due < start_due
    change = complaint.grade_changes.last()
    assert (change.from_grade, change.to_grade, change.reason) == ("B", "A", "有受傷")


def test_regrade_through_htmx_answers_the_grade_panel(client, cs_a, case):
    complaint = case()
    client.force_login(cs_a)
    data = {"grade-criteria": [], "grade-grade": "", "grade-grade_reason": "客戶撤回部分投訴"}

    response = client.post(url("regrade", complaint), data, **HTMX)

    html = assert_fragment(response, "grade-panel")
    assert "B → C（客戶撤回部分投訴）" in html
    assert 'id="deadlines-panel" hx-swap-oob="true"' in html
    assert fresh(complaint).grade == "C"


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"grade-criteria": ["a_safety"]}, "調整投訴等級時請說明理由。"),
        (
            {"grade-criteria": ["b_staff"], "grade-grade": "A"},
            "選擇與建議等級不同的等級時，請說明理由。",
        ),
    ],
)
def test_regrade_without_a_reason_is_refused_beside_the_reason(
    client, cs_a, case, data, message, htmx
):
    complaint = case()
    before = snapshot(complaint)
    client.force_login(cs_a)

    response = client.post(url("regrade", complaint), data, **(HTMX if htmx else {}))

    html = assert_beside(response, "grade-grade_reason", message)
    assert "資料有誤，請修正標示的欄位，尚未儲存。" in html
    assert snapshot(complaint) == before


def test_assign_plain_and_htmx(client, cs_a, pt_head_a, departments, case):
    complaint = case(owner=None)
    client.force_login(cs_a)
    data = {
        "assign-owner": pt_head_a.pk,
        "assign-departments": [departments["physiotherapy"].pk, departments["sales"].pk],
    }

    response = client.post(url("assign", complaint), data)

    assert_redirected_with(
        client, response, complaint, "已更新負責人與負責部門。", anchor="assign-panel"
    )
    complaint = fresh(complaint)
    assert complaint.owner == pt_head_a
    assert {d.code for d in complaint.departments.all()} == {"physiotherapy", "sales"}

    response = client.post(
        url("assign", complaint),
        {"assign-owner": cs_a.pk, "assign-departments": [departments["sales"].pk]},
        **HTMX,
    )
    html = assert_fragment(response, "assign-panel")
    assert "已更新負責人與負責部門。" in html and cs_a.full_name in html
    assert fresh(complaint).owner == cs_a


def test_an_owner_from_another_branch_is_refused_beside_the_owner(client, cs_a, therapist_b, case):
    complaint = case()
    before = snapshot(complaint)
    client.force_login(cs_a)

    response = client.post(url("assign", complaint), {"assign-owner": therapist_b.pk}, **HTMX)

    assert_beside(response, "assign-owner", "選擇有效的選項")
    assert snapshot(complaint) == before


def test_complainant_becomes_a_customer_without_retyping(client, cs_a, case):
    complaint = case(complainant_email="mei@example.test")
    client.force_login(cs_a)

    response = client.post(url("to_customer", complaint))

    customer = Customer.objects.get(phone="+886912000111")
    assert_redirected_with(
        client, response, complaint, f"已建立客戶資料 {customer.number}。", anchor="record-panel"
    )
    assert customer.name == "林美玲" and customer.email == "mei@example.test"
    assert fresh(complaint).customer == customer


def test_complainant_to_customer_through_htmx_asks_about_a_likely_duplicate(
    client, cs_a, branch_a, case
):
    # Given a customer with the complainant's phone number already on file
    existing = CustomerFactory(branch=branch_a, name="林美玲", phone="+886912000111")
    complaint = case()
    client.force_login(cs_a)

    # When the complainant is turned into a customer, Then the likely duplicate is shown first
    response = client.post(url("to_customer", complaint), **HTMX)
    html = assert_fragment(response, "record-panel", status=422)
    assert existing.number in html and 'name="confirm_new" value="1"' in html
    assert fresh(complaint).customer is None and Customer.objects.count() == 1

    # And once confirmed as another person, the customer is created
    response = client.post(url("to_customer", complaint), {"confirm_new": "1"}, **HTMX)
    html = assert_fragment(response, "record-panel")
    assert fresh(complaint).customer is not None and Customer.objects.count() == 2
    assert "已建立客戶資料" in html


# --- investigation, evidence, solution -------------------------------------------------------


def test_investigation_plan_and_report_plain_and_htmx(client, cs_a, case):
    complaint = case()
    client.force_login(cs_a)

    response = client.post(url("plan", complaint), prefixed("plan", PLAN))
    assert_redirected_with(
        client, response, complaint, "已儲存調查計劃。", anchor="investigation-panel"
    )
    assert Investigation.objects.get(complaint=complaint).scope == PLAN["scope"]

    response = client.post(url("report", complaint), prefixed("report", REPORT), **HTMX)
    html = assert_fragment(response, "investigation-panel")
    assert "已儲存調查報告。" in html and REPORT["root_cause"] in html
    investigation = Investigation.objects.get(complaint=complaint)
    assert (investigation.scope, investigation.facts) == (PLAN["scope"], REPORT["facts"])
    assert investigation.updated_by == cs_a


def test_report_after_the_solution_is_submitted_is_refused_citing_5_3_3(client, cs_a, case):
    complaint = case(State.SOLUTION_REVIEW)
    before = snapshot(complaint)
    client.force_login(cs_a)

    html = client.get(page_of(complaint)).content.decode()
    assert url("report", complaint) not in html  # shown, not editable

    response = client.post(
        url("report", complaint), prefixed("report", {**REPORT, "facts": "改寫"}), **HTMX
    )
    html = assert_fragment(response, "investigation-panel", status=422)
    assert "PT-P020 5.3.3：調查報告只能在調查階段修改" in html
    assert snapshot(complaint) == before


def test_evidence_file_is_uploaded_and_downloaded(client, cs_a, case):
    complaint = case(State.INVESTIGATING)
    client.force_login(cs_a)
    photo = SimpleUploadedFile("現場照片.png", png_bytes(), content_type="image/png")
    data = {"evidence-kind": "file", "evidence-title": "候診區照片", "evidence-file": photo}

    response = client.post(url("evidence_add", complaint), data)

    assert_redirected_with(client, response, complaint, "已新增證據資料。", anchor="evidence-panel")
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.title == "候診區照片" and evidence.added_by == cs_a
    download = client.get(url("evidence_file", complaint, evidence.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == png_bytes()


def test_an_uploaded_file_is_kept_under_its_true_extension(client, cs_a, case):
    complaint = case()
    client.force_login(cs_a)
    pdf = SimpleUploadedFile("報告.html", pdf_bytes())
    data = {"evidence-kind": "file", "evidence-title": "診療紀錄", "evidence-file": pdf}

    response = client.post(url("evidence_add", complaint), data, **HTMX)

    assert_fragment(response, "evidence-panel")
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.file.name.endswith("/報告.pdf")
    download = client.get(url("evidence_file", complaint, evidence.pk))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].endswith(quote("報告.pdf"))


def test_interview_notes_are_added_through_htmx(client, cs_a, case):
    complaint = case()
    client.force_login(cs_a)
    data = {
        "evidence-kind": "interview",
        "evidence-title": "治療師訪談",
        "evidence-notes": "前一位客人延誤",
    }

    response = client.post(url("evidence_add", complaint), data, **HTMX)

    html = assert_fragment(response, "evidence-panel")
    assert "已新增證據資料。" in html and "治療師訪談" in html and "前一位客人延誤" in html
    assert Evidence.objects.get(complaint=complaint).notes == "前一位客人延誤"


@pytest.mark.parametrize("htmx", [False, True])
def test_a_file_of_another_type_is_refused_beside_the_file(client, cs_a, case, htmx):
    complaint = case()
    client.force_login(cs_a)
    script = SimpleUploadedFile("照片.png", b"<script>alert(1)</script>", content_type="image/png")
    data = {"evidence-kind": "file", "evidence-title": "照片", "evidence-file": script}

    response = client.post(url("evidence_add", complaint), data, **(HTMX if htmx else {}))

    assert_beside(
        response,
        "evidence-file",
        "只接受 JPEG、PNG、PDF、Word／Excel／PowerPoint 檔或 MP3／M4A 錄音。",
    )
    assert not Evidence.objects.exists()


def test_evidence_without_file_or_notes_is_refused_beside_the_notes(client, cs_a, case):
    complaint = case()
    client.force_login(cs_a)
    data = {"evidence-kind": "interview", "evidence-title": "訪談", "evidence-notes": "  "}

    response = client.post(url("evidence_add", complaint), data, **HTMX)

    assert_beside(response, "evidence-notes", "請上傳檔案或填寫內容。")
    assert not Evidence.objects.exists()


def test_solution_plain_and_htmx_and_missing_remedy(client, cs_a, case):
    complaint = case(State.INVESTIGATING)
    client.force_login(cs_a)

    response = client.post(url("solution", complaint), prefixed("solution", SOLUTION))
    assert_redirected_with(client, response, complaint, "已儲存解決方案。", anchor="solution-panel")
    assert Solution.objects.get(complaint=complaint).cost == 1200

    changed = {**SOLUTION, "training_needs": "排程人員教育訓練"}
    response = client.post(url("solution", complaint), prefixed("solution", changed), **HTMX)
    html = assert_fragment(response, "solution-panel")
    assert "已儲存解決方案。" in html and "排程人員教育訓練" in html

    before = snapshot(complaint)
    missing = {**SOLUTION, "immediate_remedy": ""}
    response = client.post(url("solution", complaint), prefixed("solution", missing), **HTMX)
    assert_beside(response, "solution-immediate_remedy", "請填寫針對客戶問題的立即解決方法。")
    assert snapshot(complaint) == before


# --- action items, communications, closing record --------------------------------------------


def test_action_item_is_added_and_ticked_plain_and_htmx(client, cs_a, therapist_a, case):
    complaint = case(State.EXECUTING)
    client.force_login(cs_a)
    due = timezone.localdate() + dt.timedelta(days=3)
    data = {
        "action-description": "排程系統加入緩衝",
        "action-owner": therapist_a.pk,
        "action-due_date": due.isoformat(),
    }

    response = client.post(url("action_add", complaint), data)
    assert_redirected_with(client, response, complaint, "已新增行動項目。", anchor="actions-panel")
    item = ActionItem.objects.get(complaint=complaint)
    assert (item.owner, item.due_date, item.created_by) == (therapist_a, due, cs_a)

    response = client.post(url("action_done", complaint, item.pk), {"done": "1"}, **HTMX)
    html = assert_fragment(response, "actions-panel")
    assert "行動項目已完成。" in html and "改回未完成" in html
    item.refresh_from_db()
    assert item.done_at is not None and item.done_by == cs_a

    response = client.post(url("action_done", complaint, item.pk), {"done": "0"})
    assert_redirected_with(
        client, response, complaint, "已將行動項目改回未完成。", anchor="actions-panel"
    )
    item.refresh_from_db()
    assert item.done_at is None


def test_action_item_through_htmx_and_its_bad_input(client, cs_a, case):
    complaint = case(State.EXECUTING)
    client.force_login(cs_a)
    data = {"action-description": "補課", "action-owner": cs_a.pk, "action-due_date": "2026-13-40"}

    response = client.post(url("action_add", complaint), data, **HTMX)

    assert_beside(response, "action-due_date", "輸入有效的日期")
    assert not ActionItem.objects.exists()
    response = client.post(
        url("action_add", complaint), {**data, "action-due_date": "2027-01-05"}, **HTMX
    )
    html = assert_fragment(response, "actions-panel")
    assert "已新增行動項目。" in html and "2027-01-05" in html
    # and the workflow (out of band) now lets the case move on to communication
    assert 'id="workflow-panel" hx-swap-oob="true"' in html
    assert url("move", complaint, "start_communication") in html


def test_an_action_item_on_another_case_is_not_found(client, cs_a, case):
    one, other = case(State.COMMUNICATING), case(State.COMMUNICATING)
    item = other.action_items.get()
    client.force_login(cs_a)

    response = client.post(url("action_done", one, item.pk), {"done": "1"})

    assert response.status_code == 404
    item.refresh_from_db()
    assert item.done_at is None


def test_communication_plain_and_htmx_and_acceptance(client, cs_a, case):
    complaint = case(State.COMMUNICATING)
    client.force_login(cs_a)

    response = client.post(url("communication_add", complaint), communication_values())
    assert_redirected_with(
        client, response, complaint, "已記錄客戶溝通。", anchor="communications-panel"
    )
    assert complaint.communications.get().content == "致電說明調查進度"

    data = communication_values(
        content="說明補課安排",
        is_solution="on",
        customer_response="accepted",
        response_note="同意週六補課",
    )
    response = client.post(url("communication_add", complaint), data, **HTMX)
    html = assert_fragment(response, "communications-panel")
    assert "已記錄客戶溝通。" in html and "說明補課安排" in html and "同意週六補課" in html
    assert fresh(complaint).customer_accepted is True


@pytest.mark.parametrize("htmx", [False, True])
def test_a_communication_in_the_future_or_empty_is_refused_beside_the_field(
    client, cs_a, case, htmx
):
    complaint = case(State.COMMUNICATING)
    before = snapshot(complaint)
    client.force_login(cs_a)
    later = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    headers = HTMX if htmx else {}

    response = client.post(
        url("communication_add", complaint), communication_values(occurred_at=later), **headers
    )
    assert_beside(response, "comm-occurred_at", "溝通時間不可晚於現在。")
    response = client.post(
        url("communication_add", complaint), communication_values(content=""), **headers
    )
    assert_beside(response, "comm-content", "請填寫溝通內容。")
    assert snapshot(complaint) == before


def test_explaining_a_solution_before_approval_is_refused_citing_5_4_2(client, cs_a, case):
    complaint = case(State.INVESTIGATING)
    before = snapshot(complaint)
    client.force_login(cs_a)

    response = client.post(
        url("communication_add", complaint), communication_values(is_solution="on"), **HTMX
    )

    html = assert_fragment(response, "communications-panel", status=422)
    assert "PT-P020 5.4.2：解決方案尚未核准，不能向客戶說明方案。" in html
    assert snapshot(complaint) == before


def test_closing_record_plain_and_htmx_and_a_bad_score(client, cs_a, case):
    complaint = case(State.FOLLOW_UP)
    client.force_login(cs_a)
    data = {"closing-summary": "遲到，已補課", "closing-satisfaction_score": "9"}

    response = client.post(url("closing", complaint), data)
    assert_redirected_with(client, response, complaint, "已儲存結案記錄。", anchor="closing-panel")
    assert (fresh(complaint).summary, fresh(complaint).satisfaction_score) == ("遲到，已補課", 9)

    response = client.post(
        url("closing", complaint), {**data, "closing-satisfaction_note": "很滿意"}, **HTMX
    )
    html = assert_fragment(response, "closing-panel")
    assert "已儲存結案記錄。" in html and "很滿意" in html

    before = snapshot(complaint)
    response = client.post(
        url("closing", complaint), {**data, "closing-satisfaction_score": "11"}, **HTMX
    )
    assert_beside(response, "closing-satisfaction_score", "滿意度請填 1 到 10。")
    assert snapshot(complaint) == before


# --- workflow moves --------------------------------------------------------------------------


def _move(client, complaint, code, htmx=False, **fields):
    data = prefixed(f"move-{code}", fields)
    return client.post(url("move", complaint, code), data, **(HTMX if htmx else {}))


def test_every_move_through_the_page_plain_and_htmx(client, cs_a, pt_head_a, therapist_a, case):
    complaint = case()
    investigation_save(complaint=fresh(complaint), values=PLAN, by=cs_a)

    def move(user, code, htmx, expected, **fields):
        client.force_login(user)
        response = _move(client, complaint, code, htmx, **fields)
        if htmx:
            html = assert_case_fragment(response)
        else:
            html = assert_redirected_with(client, response, complaint, "")
        assert f"案件進入「{State(expected).label}」" in html
        assert fresh(complaint).state == expected
        return html

    move(cs_a, "start_investigation", False, State.INVESTIGATING)
    investigation_save(complaint=fresh(complaint), values={**PLAN, **REPORT}, by=cs_a)
    solution_save(complaint=fresh(complaint), values=SOLUTION, by=cs_a)
    move(cs_a, "submit_solution", True, State.SOLUTION_REVIEW)
    move(pt_head_a, "reject", False, State.INVESTIGATING, reason="補償不足")
    move(cs_a, "submit_solution", False, State.SOLUTION_REVIEW)
    move(pt_head_a, "approve", True, State.EXECUTING, comment="同意")
    action_item_add(
        complaint=fresh(complaint),
        values={"description": "補課", "owner": therapist_a, "due_date": dt.date(2027, 1, 5)},
        by=cs_a,
    )
    move(cs_a, "start_communication", False, State.COMMUNICATING)
    communication_add(
        complaint=fresh(complaint),
        values={
            "channel": "phone",
            "content": "說明方案",
            "is_solution": True,
            "customer_response": "accepted",
        },
        by=cs_a,
    )
    move(cs_a, "start_follow_up", True, State.FOLLOW_UP)
    action_item_set_done(item=complaint.action_items.get(), done=True, by=therapist_a)
    move(pt_head_a, "close", False, State.CLOSED, summary="遲到，已補課", satisfaction_score="8")
    move(pt_head_a, "reopen", True, State.INVESTIGATING, reason="客戶再次來電")
    complaint = advance(complaint, State.CLOSED, handler=cs_a, approver=pt_head_a)
    move(pt_head_a, "archive", True, State.ARCHIVED)

    complaint = fresh(complaint)
    assert complaint.archived_at is not None
    decisions = list(complaint.approvals.values_list("decision", "comment", "by"))
    assert decisions[:2] == [
        ("rejected", "補償不足", pt_head_a.pk),
        ("approved", "同意", pt_head_a.pk),
    ]
    reasons = list(complaint.transitions.values_list("to_state", "reason"))
    assert (State.INVESTIGATING, "客戶再次來電") in reasons


def test_an_a_case_is_approved_by_senior_management_not_a_department_head(
    client, cs_a, pt_head_a, senior, case
):
    # Given an A case waiting for its solution's review
    complaint = case(State.SOLUTION_REVIEW, criteria=["a_safety"])
    before = snapshot(complaint)

    # When the physiotherapy head opens it, Then the approval is disabled with its clause
    client.force_login(pt_head_a)
    html = client.get(page_of(complaint)).content.decode()
    approve = section(html, "move-approve")
    assert "disabled" in approve
    assert "PT-P020 5.4.2：A級投訴的解決方案須由高級管理層審核批准。" in approve

    # and approving anyway (plain and htmx) is refused with that clause, changing nothing
    response = _move(client, complaint, "approve")
    assert_redirected_with(
        client,
        response,
        complaint,
        "PT-P020 5.4.2：A級投訴的解決方案須由高級管理層審核批准。",
        anchor="workflow-panel",
    )
    response = _move(client, complaint, "approve", htmx=True)
    html = assert_case_fragment(response, status=422)
    assert '<div class="refusals" role="alert">' in section(html, "workflow-panel")
    assert "PT-P020 5.4.2：A級投訴的解決方案須由高級管理層審核批准。" in html
    assert snapshot(complaint) == before

    # When senior management approves, Then the case moves on
    client.force_login(senior)
    response = _move(client, complaint, "approve", htmx=True, comment="同意補償")
    assert_case_fragment(response)
    complaint = fresh(complaint)
    assert complaint.state == State.EXECUTING
    assert complaint.approvals.get().by == senior


@pytest.mark.parametrize("htmx", [False, True])
def test_closing_with_an_open_action_item_is_refused_citing_5_6_2(
    client, cs_a, pt_head_a, case, htmx
):
    # Given a case in follow-up whose action item is not done
    complaint = case(State.FOLLOW_UP)
    before = snapshot(complaint)
    client.force_login(pt_head_a)
    html = client.get(page_of(complaint)).content.decode()
    assert "PT-P020 5.6.2：尚有 1 項行動項目未完成" in section(html, "move-close")

    # When the head signs the closing anyway
    response = _move(
        client, complaint, "close", htmx, summary="遲到，已補課", satisfaction_score="8"
    )

    # Then it is refused citing 5.6.2 and nothing changes
    message = "PT-P020 5.6.2：尚有 1 項行動項目未完成"
    if htmx:
        html = assert_case_fragment(response, status=422)
        assert message in section(html, "workflow-panel")
    else:
        assert_redirected_with(client, response, complaint, message, anchor="workflow-panel")
    assert snapshot(complaint) == before


@pytest.mark.parametrize("htmx", [False, True])
def test_reopening_needs_a_reason(client, pt_head_a, case, htmx):
    complaint = case(State.CLOSED)
    before = snapshot(complaint)
    client.force_login(pt_head_a)

    response = _move(client, complaint, "reopen", htmx, reason="  ")

    message = "PT-P020 5.6.3：重新開啟案件時請說明理由。"
    if htmx:
        assert message in assert_case_fragment(response, status=422)
    else:
        assert_redirected_with(client, response, complaint, message, anchor="workflow-panel")
    assert snapshot(complaint) == before

    response = _move(client, complaint, "reopen", htmx, reason="客戶對補課結果有疑問")
    assert response.status_code == (200 if htmx else 302)
    complaint = fresh(complaint)
    assert complaint.state == State.INVESTIGATING and complaint.closed_at is None
    assert complaint.transitions.last().reason == "客戶對補課結果有疑問"


def test_a_move_from_a_stale_page_is_refused_and_an_unknown_move_is_not_found(client, cs_a, case):
    complaint = case(State.INVESTIGATING)
    before = snapshot(complaint)
    client.force_login(cs_a)

    response = _move(client, complaint, "start_investigation", htmx=True)
    html = assert_case_fragment(response, status=422)
    assert "案件目前為「調查中」，無法「開始調查」；頁面可能已過期，請重新整理。" in html
    assert _move(client, complaint, "jump_to_closed").status_code == 404
    assert snapshot(complaint) == before


def test_a_bad_satisfaction_score_on_closing_is_shown_beside_the_field(
    client, cs_a, pt_head_a, case
):
    # Given a case ready to close, its record written
    complaint = case(State.FOLLOW_UP)
    action_item_set_done(item=complaint.action_items.get(), done=True, by=cs_a)
    complaint_closing_record(
        complaint=complaint, summary="遲到", satisfaction_score=8, satisfaction_note="", by=cs_a
    )
    before = snapshot(complaint)
    client.force_login(pt_head_a)

    response = _move(client, complaint, "close", htmx=True, summary="遲到", satisfaction_score="0")

    html = assert_beside(response, "move-close-satisfaction_score", "滿意度請填 1 到 10。")
    assert html.lstrip().startswith('<div id="case"')
    assert snapshot(complaint) == before


# --- closed and archived cases are read-only -------------------------------------------------


def _edit_posts(complaint, user):
    """A valid POST to every edit URL of the case page."""
    item = complaint.action_items.first()
    return [
        (url("intake_update", complaint), intake_values(complaint, description="改寫內容")),
        (
            url("regrade", complaint),
            {"grade-criteria": ["a_safety"], "grade-grade": "", "grade-grade_reason": "改判"},
        ),
        (url("assign", complaint), {"assign-owner": user.pk}),
        (url("to_customer", complaint), {}),
        (url("plan", complaint), prefixed("plan", {**PLAN, "scope": "改寫"})),
        (url("report", complaint), prefixed("report", {**REPORT, "facts": "改寫"})),
        (
            url("evidence_add", complaint),
            {"evidence-kind": "interview", "evidence-title": "補充", "evidence-notes": "補充"},
        ),
        (url("solution", complaint), prefixed("solution", {**SOLUTION, "cost": 99})),
        (
            url("action_add", complaint),
            {"action-description": "新", "action-owner": user.pk, "action-due_date": "2027-01-05"},
        ),
        (url("action_done", complaint, item.pk), {"done": "0"}),
        (url("communication_add", complaint), communication_values()),
        (url("closing", complaint), {"closing-summary": "改寫", "closing-satisfaction_score": "3"}),
    ]


@pytest.mark.parametrize("state", [State.CLOSED, State.ARCHIVED])
def test_a_closed_or_archived_case_shows_no_edit_forms(client, pt_head_a, case, state):
    complaint = case(state)
    client.force_login(pt_head_a)

    html = client.get(page_of(complaint)).content.decode()

    assert "內容不可修改" in html and "PT-P020 5.6.3" in html
    actions = re.findall(r'<form[^>]*action="([^"]*)"', html)
    for name in EDIT_URLS:
        assert url(name, complaint) not in actions
    assert not any("/actions/" in action for action in actions)
    assert "<textarea" not in html.replace(section(html, "workflow-panel"), "")
    moves = [a for a in actions if "/move/" in a]
    if state == State.CLOSED:  # a supervisor may still reopen (with a reason) or archive
        assert sorted(moves) == [
            url("move", complaint, "archive"),
            url("move", complaint, "reopen"),
        ]
    else:
        assert moves == [] and "已歸檔，流程結束。" in html


def test_folded_forms_are_rendered_when_opened(client, cs_a, case):
    # Given an open case with an owner (so the assignment form is folded)
    complaint = case(State.INVESTIGATING)
    client.force_login(cs_a)

    # When the page is shown, Then the folded forms are placeholders that ask for themselves
    html = client.get(page_of(complaint)).content.decode()
    folded = [("comm", "comm-content"), ("assign", "assign-owner"), ("grade", "grade-grade_reason")]
    for name, field in folded:
        assert f'name="{field}"' not in html, name
        assert f'hx-get="{page_of(complaint)}?open={name}"' in html
    # And the page asked for one renders that one open, with its fields
    html = client.get(page_of(complaint), {"open": "comm"}).content.decode()
    comms = html.split('<div id="collapsed-comm" class="collapsed-fields">')[1].split("</details>")[
        0
    ]
    assert 'name="comm-content"' in comms and 'name="csrfmiddlewaretoken"' in comms
    assert "<details open>\n    <summary>記錄客戶溝通" in html
    assert 'name="assign-owner"' not in html


def test_a_case_without_owner_shows_the_assignment_form_at_once(client, cs_a, case):
    complaint = case(owner=None)
    client.force_login(cs_a)
    html = client.get(page_of(complaint)).content.decode()
    assert 'name="assign-owner"' in section(html, "assign-panel")


@pytest.mark.parametrize("state", [State.CLOSED, State.ARCHIVED])
def test_asking_for_a_form_of_a_closed_case_shows_none(client, pt_head_a, case, state):
    complaint = case(state)
    client.force_login(pt_head_a)
    for name in ("intake", "grade", "assign", "evidence", "comm", "action", "closing"):
        html = client.get(page_of(complaint), {"open": name}).content.decode()
        assert "collapsed-" not in html and "<textarea" not in html.replace(
            section(html, "workflow-panel"), ""
        ), name


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("state", [State.CLOSED, State.ARCHIVED])
def test_every_edit_of_a_closed_or_archived_case_is_refused_citing_5_6_3(
    client, cs_a, case, state, htmx
):
    complaint = case(state)
    before = snapshot(complaint)
    client.force_login(cs_a)

    for path, data in _edit_posts(complaint, cs_a):
        response = client.post(path, data, **(HTMX if htmx else {}))
        if htmx:
            assert response.status_code == 422, path
            assert READ_ONLY in response.content.decode(), path
        else:
            assert response.status_code == 302, path
            assert READ_ONLY in client.get(page_of(complaint)).content.decode(), path
    assert snapshot(complaint) == before


def test_bad_input_on_a_closed_case_meets_the_refusal_not_a_hidden_form(client, cs_a, case):
    complaint = case(State.CLOSED)
    before = snapshot(complaint)
    client.force_login(cs_a)

    response = client.post(
        url("intake_update", complaint), intake_values(complaint, description=""), **HTMX
    )

    assert response.status_code == 422
    assert READ_ONLY in response.content.decode()
    assert snapshot(complaint) == before


# --- who may see and act ---------------------------------------------------------------------


def test_branch_b_gets_404_on_a_branch_a_case_and_its_evidence(client, cs_a, therapist_b, case):
    complaint = case()
    evidence = evidence_add(
        complaint=complaint,
        values={"kind": "file", "title": "照片", "notes": ""},
        file=SimpleUploadedFile("a.png", png_bytes()),
        by=cs_a,
    )
    cs_b = UserFactory(
        username="cs_b", home_branch=therapist_b.home_branch, roles=["customer_service"]
    )
    before = snapshot(complaint)

    for user in (therapist_b, cs_b):
        client.force_login(user)
        assert client.get(page_of(complaint)).status_code == 404
        assert client.get(url("evidence_file", complaint, evidence.pk)).status_code == 404
        assert client.get(url("history", complaint)).status_code == 404
        assert client.post(url("plan", complaint), prefixed("plan", PLAN)).status_code == 404
        assert _move(client, complaint, "start_investigation").status_code == 404
    assert snapshot(complaint) == before


def test_evidence_file_of_another_case_is_not_found(client, cs_a, case):
    one, other = case(), case()
    evidence = evidence_add(
        complaint=other,
        values={"kind": "file", "title": "照片", "notes": ""},
        file=SimpleUploadedFile("a.png", png_bytes()),
        by=cs_a,
    )
    client.force_login(cs_a)
    assert client.get(url("evidence_file", one, evidence.pk)).status_code == 404


def test_staff_without_complaint_handle_see_the_case_but_cannot_act(client, therapist_a, case):
    # Given a therapist of the branch, who may read cases but not handle them
    complaint = case(State.COMMUNICATING)
    before = snapshot(complaint)
    client.force_login(therapist_a)

    # When the case page opens, Then it shows the case without any edit form
    response = client.get(page_of(complaint))
    assert response.status_code == 200
    html = response.content.decode()
    actions = re.findall(r'<form[^>]*action="([^"]*)"', html)
    assert not any(f"/complaints/{complaint.number}/" in action for action in actions)
    assert "PT-P020 4.1：只有客戶服務部、主管或本案負責人可以處理此案件。" in section(
        html, "move-start_follow_up"
    )

    # And posting an edit or a move anyway is refused, changing nothing
    for path, data in _edit_posts(fresh(complaint), therapist_a):
        response = client.post(path, data, **HTMX)
        assert response.status_code == 422, path
        refusals = re.search(
            r'<div class="refusals" role="alert">(.*?)</div>', response.content.decode()
        )
        assert refusals and "PT-P020 " in refusals.group(1), path
    # (bad input too: no errors beside a form they do not have, but why they may not act)
    response = client.post(
        url("communication_add", complaint), communication_values(content=""), **HTMX
    )
    html = assert_fragment(response, "communications-panel", status=422)
    assert "PT-P020 4.1：只有客戶服務部、主管或本案負責人可以處理此案件。" in html
    assert 'class="field-error"' not in html
    response = _move(client, complaint, "start_follow_up", htmx=True)
    assert "PT-P020 4.1：只有客戶服務部、主管或本案負責人可以處理此案件。" in (
        assert_case_fragment(response, status=422)
    )
    assert snapshot(complaint) == before


def test_the_owner_of_an_action_item_may_tick_it_without_handling_the_case(
    client, cs_a, therapist_a, case
):
    complaint = case(State.EXECUTING)
    item = action_item_add(
        complaint=complaint,
        values={"description": "補課", "owner": therapist_a, "due_date": dt.date(2027, 1, 5)},
        by=cs_a,
    )
    client.force_login(therapist_a)

    html = client.get(page_of(complaint)).content.decode()
    assert url("action_done", complaint, item.pk) in html
    response = client.post(url("action_done", complaint, item.pk), {"done": "1"}, **HTMX)

    assert_fragment(response, "actions-panel")
    item.refresh_from_db()
    assert item.done_by == therapist_a


def test_staff_without_complaint_view_are_refused(client, branch_a, case):
    complaint = case()
    nobody = UserFactory(username="no_roles", home_branch=branch_a)
    client.force_login(nobody)
    assert client.get(page_of(complaint)).status_code == 403
    assert client.post(url("plan", complaint), prefixed("plan", PLAN)).status_code == 403


def test_the_case_page_needs_a_login(client, case):
    complaint = case()
    response = client.get(page_of(complaint))
    assert response.status_code == 302 and "login" in response["Location"]


# --- query budget ----------------------------------------------------------------------------


def _grow(complaint, count, *, handler):
    """`count` communications, action items, evidence notes and transitions on the case."""
    for n in range(count):
        communication_add(
            complaint=complaint,
            values={"channel": "phone", "content": f"第 {n} 次聯絡", "customer_response": "n_a"},
            by=handler,
        )
        item = action_item_add(
            complaint=complaint,
            values={
                "description": f"行動 {n}",
                "owner": handler,
                "due_date": dt.date(2027, 1, 1) + dt.timedelta(days=n),
            },
            by=handler,
        )
        if n % 2:
            action_item_set_done(item=item, done=True, by=handler)
        evidence_add(
            complaint=complaint,
            values={"kind": "interview", "title": f"訪談 {n}", "notes": "內容"},
            file=None,
            by=handler,
        )
    Transition.objects.bulk_create(
        Transition(
            complaint=complaint,
            from_state=State.EXECUTING,
            to_state=State.EXECUTING,
            reason=f"紀錄 {n}",
            by=handler,
        )
        for n in range(count)
    )


def _page_queries(client, complaint) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page_of(complaint))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_case_page_queries_do_not_grow_with_the_story(
    client, cs_a, case, django_assert_max_num_queries
):
    # Given two cases in execution, one with 2 of everything and one with 20
    small, large = case(State.EXECUTING), case(State.EXECUTING)
    _grow(small, 2, handler=cs_a)
    _grow(large, 20, handler=cs_a)
    client.force_login(cs_a)
    _page_queries(client, small)  # warm per-process caches

    # When each page is shown, Then both run the same, bounded number of queries
    assert _page_queries(client, small) == _page_queries(client, large)
    # the case itself ~22, plus the reply, compensation and survey panels ~3 each
    with django_assert_max_num_queries(36):
        html = client.get(page_of(large)).content.decode()
    assert "第 19 次聯絡" in html and "行動 19" in html and "訪談 19" in html


def test_htmx_answers_stay_within_the_same_budget(
    client, cs_a, case, django_assert_max_num_queries
):
    complaint = case(State.EXECUTING)
    _grow(complaint, 20, handler=cs_a)
    client.force_login(cs_a)

    with django_assert_max_num_queries(45):
        response = client.post(url("communication_add", complaint), communication_values(), **HTMX)
    assert_fragment(response, "communications-panel")


def test_case_page_reads_its_case_once(client, cs_a, case):
    # The permission-scoped read is the page's read: one statement on the case table.
    complaint = case(State.EXECUTING)
    client.force_login(cs_a)
    client.get(page_of(complaint))  # warm per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page_of(complaint))
    assert response.status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries]
    case_reads = [sql for sql in reads if sql.startswith('SELECT "complaints_complaint"')]
    assert len(case_reads) == 1, case_reads
