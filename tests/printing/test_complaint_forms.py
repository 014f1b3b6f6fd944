"""PT-F035 客戶投訴接收記錄表 and PT-F020 客訴處理紀錄表 as PDFs, read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from careloop.complaints.models import Complaint, Nature, State
from careloop.complaints.services import (
    action_item_add,
    action_item_set_done,
    communication_add,
    complaint_intake,
    complaint_public_submit,
    complaint_regrade,
    complaint_transition,
    evidence_add,
    investigation_save,
    solution_save,
)
from careloop.complaints.workflow import MoveInput
from tests.printing.conftest import pdf_text

pytestmark = pytest.mark.usefixtures("poppler")

TAIPEI = ZoneInfo("Asia/Taipei")


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _line(text: str, label: str) -> str:
    """The one line of the extracted text that holds `label`, spaces squeezed."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if label in line]
    assert len(lines) == 1, lines
    return lines[0]


def _get_pdf(client, name: str, complaint: Complaint, **params) -> bytes:
    response = client.get(reverse(f"printing:{name}", args=[complaint.number]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


@pytest.fixture
def staff_names(cs_a, pt_head_a):
    cs_a.full_name = "陳客服"
    cs_a.save(update_fields=["full_name"])
    pt_head_a.full_name = "黃主任"
    pt_head_a.save(update_fields=["full_name"])


@pytest.fixture
def intake_complaint(staff_names, cs_a, branch_a, departments):
    """A phone complaint recorded by 陳客服, graded B on two annex 2 criteria."""
    return complaint_intake(
        values={
            "branch": branch_a,
            "complainant_name": "林美玲",
            "complainant_phone": "+886912000111",
            "complainant_email": "meiling@example.test",
            "channel": "phone",
            "received_at": dt.datetime(2026, 2, 13, 16, 0, tzinfo=TAIPEI),
            "description": "治療師遲到二十分鐘，也沒有事先通知。",
            "expected_resolution": "希望補一堂課並改善準時。",
            "nature": Nature.objects.get(code="staff_attitude"),
        },
        criteria=["b_staff", "b_inconvenience", "c_no_loss"],
        departments=[departments["physiotherapy"]],
        owner=cs_a,
        by=cs_a,
    )


@pytest.fixture
def handled_complaint(intake_complaint, cs_a, pt_head_a):
    """The same case carried to archive: regraded B → C → B, investigated, approved by the
    department head, executed, communicated, closed and archived."""
    complaint = complaint_regrade(
        complaint=intake_complaint,
        criteria=["c_general"],
        grade=None,
        reason="客戶來電表示只是建議",
        by=cs_a,
    )
    complaint = complaint_regrade(
        complaint=complaint,
        criteria=["b_staff", "b_recurring"],
        grade=None,
        reason="同一治療師本月第二次遲到",
        by=cs_a,
    )
    investigation_save(
        complaint=complaint,
        values={"scope": "遲到經過與排程", "people": "物理治療部、櫃台", "timeline": "兩個工作天"},
        by=cs_a,
    )
    complaint = complaint_transition(complaint=complaint, to=State.INVESTIGATING, by=cs_a)
    evidence_add(
        complaint=complaint,
        values={"kind": "interview", "title": "訪談治療師", "notes": "前一位客人延誤"},
        file=None,
        by=cs_a,
    )
    investigation_save(
        complaint=complaint,
        values={
            "facts": "前一位客人延誤十五分鐘",
            "root_cause": "排程未留緩衝時間",
            "responsibility": "排程人員",
            "recommendation": "補課一堂並調整排程",
        },
        by=cs_a,
    )
    solution_save(
        complaint=complaint,
        values={
            "immediate_remedy": "免費補課一堂",
            "prevention": "每位客人之間保留十分鐘緩衝",
            "training_needs": "櫃台排程訓練",
            "cost": 1200,
        },
        by=cs_a,
    )
    complaint = complaint_transition(complaint=complaint, to=State.SOLUTION_REVIEW, by=cs_a)
    complaint = complaint_transition(
        complaint=complaint,
        to=State.EXECUTING,
        by=pt_head_a,
        data=MoveInput(comment="同意補課方案"),
    )
    item = action_item_add(
        complaint=complaint,
        values={"description": "安排補課時段", "owner": cs_a, "due_date": dt.date(2026, 12, 1)},
        by=cs_a,
    )
    action_item_set_done(item=item, done=True, by=cs_a)
    complaint = complaint_transition(complaint=complaint, to=State.COMMUNICATING, by=cs_a)
    communication_add(
        complaint=complaint,
        values={
            "channel": "phone",
            "content": "致電說明調查結果與補課方案",
            "is_solution": True,
            "customer_response": "accepted",
            "response_note": "客戶同意週六補課",
        },
        by=cs_a,
    )
    complaint = complaint_transition(complaint=complaint, to=State.FOLLOW_UP, by=cs_a)
    complaint = complaint_transition(
        complaint=complaint,
        to=State.CLOSED,
        by=pt_head_a,
        data=MoveInput(
            summary="治療師遲到，已補課並調整排程",
            satisfaction_score=8,
            satisfaction_note="客戶表示滿意補課安排",
        ),
    )
    return complaint_transition(complaint=complaint, to=State.ARCHIVED, by=pt_head_a)


# --- PT-F035 ----------------------------------------------------------------------------------


def test_pt_f035_carries_the_intake_record_and_the_header(client, cs_a, intake_complaint):
    # given a complaint recorded at intake
    client.force_login(cs_a)
    # when its intake record is printed
    text = pdf_text(_get_pdf(client, "complaint_pt_f035", intake_complaint))
    # then the document-control header is PT-P020's
    for field in ("文件編號", "版本", "標題", "頁碼", "PT-F035", "客戶投訴接收記錄表"):
        assert field in text
    assert "擬制部門：客戶服務部" in text
    assert "批准：總院長" in text
    assert "制定日期：2024年6月1日" in text
    assert "實施日期：2024年6月1日" in text
    assert re.search(r"PT-F035\s+A\s+客戶投訴接收記錄表\s+1/\d", text)
    # and the record as 5.1.3 requires: customer, description, expectation, receiver
    assert intake_complaint.number in text
    assert "林美玲" in _line(text, "投訴人姓名")
    assert "0912-000-111" in text and "meiling@example.test" in text
    assert "治療師遲到二十分鐘" in text
    assert "希望補一堂課並改善準時" in text
    receipt = _line(text, "接收時間")
    assert "2026/02/13 16:00" in receipt and "陳客服" in receipt
    assert "陳客服" in _line(text, "接收人員簽名")


def test_pt_f035_ticks_the_channel_criteria_grade_nature_and_department(
    client, cs_a, intake_complaint
):
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f035", intake_complaint))
    channels = _line(text, "書面信函")
    assert "■ 電話" in channels and "□ 當面" in channels and "□ 電子郵件" in channels
    assert "□ 意見箱" in channels
    assert channels.count("■") == 1
    flat = _squeezed(text)
    # every annex 2 criterion is on the form, the ticked ones filled
    assert "■涉及員工態度或專業性不足" in flat
    assert "■對客戶造成明顯不便或困擾" in flat
    assert "■不涉及財務損失" in flat
    assert "□涉及人身安全或健康風險" in flat
    assert flat.count("■涉及") == 1
    grade = _line(text, "投訴等級：")
    assert "■ B 級（中度）" in grade and "□ A 級（嚴重）" in grade and "□ C 級（輕度）" in grade
    assert "B 級（中度）" in _line(text, "建議等級")
    assert "■ 人員態度" in _line(text, "投訴性質")
    assert "□ 服務質量" in _line(text, "投訴性質")
    departments = _line(text, "涉及部門")
    assert "■ 物理治療部" in departments and "□ 客戶服務部" in departments


def test_pt_f035_shows_the_three_deadlines_and_the_late_flag(client, cs_a, intake_complaint):
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f035", intake_complaint))
    # received Fri 2026-02-13 16:00, grade B: record within 24 h, start within 48 h,
    # resolution on the 5th working day (domain.md §3.3)
    assert "2026/02/14 16:00" in _line(text, "完成接收記錄")
    assert "2026/02/15 16:00" in _line(text, "啟動處理期限")
    assert "2026/03/02 23:59" in _line(text, "解決期限")
    # recorded long after receipt (the intake above back-dates received_at): flagged late
    assert intake_complaint.is_record_late
    assert "■ 逾期記錄" in _line(text, "逾期記錄")


def test_pt_f035_of_a_public_submission_names_the_online_form(client, cs_a, branch_a):
    # given a submission from the online form, not yet completed by staff
    complaint = complaint_public_submit(
        values={
            "branch": branch_a,
            "complainant_name": "王大同",
            "complainant_phone": "+886922333444",
            "description": "候診區冷氣太冷",
        },
        attachment=None,
        fingerprint="f" * 64,
    )
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f035", complaint))
    assert "■ 意見箱" in _line(text, "書面信函")
    assert "線上意見表（待客服確認）" in _line(text, "接收人員：")
    assert "□ 逾期記錄" in _line(text, "逾期記錄")
    assert _squeezed(_line(text, "接收人員簽名")) == "接收人員簽名：日期："


def test_pt_f035_roc_dates(client, cs_a, intake_complaint):
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f035", intake_complaint, roc="1"))
    assert "制定日期：民國113年6月1日" in text
    assert "115/02/13 16:00" in _line(text, "接收時間")


# --- PT-F020 ----------------------------------------------------------------------------------


def test_pt_f020_carries_the_whole_handling(client, cs_a, handled_complaint):
    # given a case carried from intake to archive
    client.force_login(cs_a)
    # when its handling record is printed (reading order: long cells wrap)
    pdf = _get_pdf(client, "complaint_pt_f020", handled_complaint)
    text = pdf_text(pdf)
    flat = _squeezed(pdf_text(pdf, layout=False))
    # then the header is PT-P020's
    for field in ("文件編號", "版本", "標題", "頁碼", "PT-F020", "客訴處理紀錄表"):
        assert field in text
    assert "擬制部門：客戶服務部" in text and "批准：總院長" in text
    assert "制定日期：2024年6月1日" in text and "實施日期：2024年6月1日" in text
    # and 5.6.1's contents: summary, investigation, solution, execution, satisfaction
    assert handled_complaint.number in text
    for part in (
        "治療師遲到，已補課並調整排程",  # summary
        "同一治療師本月第二次遲到",  # grade history reason
        "遲到經過與排程",  # plan
        "前一位客人延誤十五分鐘",  # report: facts
        "排程未留緩衝時間",  # root cause
        "訪談治療師",  # evidence
        "免費補課一堂",  # solution
        "每位客人之間保留十分鐘緩衝",
        "NT$1,200",
        "同意補課方案",  # approval comment
        "安排補課時段",  # action item
        "致電說明調查結果與補課方案",  # communication
        "客戶同意週六補課",
        "客戶表示滿意補課安排",
    ):
        assert _squeezed(part) in flat, part
    assert "8 分（1-10分）" in _line(text, "客戶滿意度：")
    assert "■ 接受" in _line(text, "客戶對解決方案")


def test_pt_f020_approvals_actions_and_sign_off_name_who_and_when(client, cs_a, handled_complaint):
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f020", handled_complaint))
    approval = _line(text, "核准 同意補課方案")
    assert "黃主任" in approval and "B級" in _squeezed(approval)
    assert re.search(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", approval)
    # the grade history: initial B, down to C, back to B, each with its reason
    assert "（初次評級）" in _line(text, "（初次評級）")
    assert "客戶來電表示只是建議" in _line(text, "客戶來電表示只是建議")
    regrade = _line(text, "同一治療師本月第二次遲到")
    assert "C 級（輕度）" in regrade and "B 級（中度）" in regrade and "陳客服" in regrade
    action = _line(text, "安排補課時段")
    assert "陳客服" in action and "2026/12/01" in action and "■" in action
    sign_off = _line(text, "結案簽核主管")
    assert "黃主任" in sign_off
    assert re.search(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", sign_off)
    archive = _line(text, "歸檔日期")
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", archive)


def test_pt_f020_shows_deadlines_met_or_missed(client, cs_a, handled_complaint):
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f020", handled_complaint))
    # received 2026-02-13, handled long afterwards: each milestone was missed
    assert "■未達成" in _squeezed(_line(text, "完成接收記錄"))
    assert "■未達成" in _squeezed(_line(text, "啟動處理"))
    assert "■未達成" in _squeezed(_line(text, "解決方案 "))


def test_pt_f020_of_a_new_case_prints_blank_rows_to_fill_in(client, cs_a, intake_complaint):
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f020", intake_complaint))
    assert intake_complaint.number in text
    assert "□核准" in text  # an empty approval row
    assert _squeezed(_line(text, "結案簽核主管")) == "結案簽核主管：結案時間："


def test_pt_f020_roc_dates(client, cs_a, handled_complaint):
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f020", handled_complaint, roc="1"))
    assert "實施日期：民國113年6月1日" in text
    assert "115/12/01" in _line(text, "安排補課時段")


def test_evidence_uploaded_by_the_complainant_is_listed(client, cs_a, branch_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    complaint = complaint_public_submit(
        values={
            "branch": branch_a,
            "complainant_name": "王大同",
            "complainant_phone": "+886922333444",
            "description": "收費與報價不符",
        },
        attachment=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4\n%%EOF\n"),
        fingerprint="e" * 64,
    )
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, "complaint_pt_f020", complaint))
    evidence = _line(text, "投訴人上傳的附件")
    assert "客戶提供" in evidence and "投訴人" in evidence
    assert "線上意見表" in _line(text, "（初次評級）")


# --- who may print ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["complaint_pt_f035", "complaint_pt_f020"])
def test_user_of_another_branch_gets_404(client, therapist_b, intake_complaint, name):
    client.force_login(therapist_b)
    response = client.get(reverse(f"printing:{name}", args=[intake_complaint.number]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["complaint_pt_f035", "complaint_pt_f020"])
def test_an_unknown_number_is_404(client, cs_a, db, name):
    client.force_login(cs_a)
    response = client.get(reverse(f"printing:{name}", args=["20990101-001"]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["complaint_pt_f035", "complaint_pt_f020"])
def test_anonymous_user_is_sent_to_log_in(client, intake_complaint, name):
    response = client.get(reverse(f"printing:{name}", args=[intake_complaint.number]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_senior_management_prints_any_branch(client, senior, intake_complaint):
    client.force_login(senior)
    assert intake_complaint.number in pdf_text(
        _get_pdf(client, "complaint_pt_f020", intake_complaint)
    )


def test_complaint_forms_embed_their_fonts(client, cs_a, handled_complaint):
    client.force_login(cs_a)
    for name in ("complaint_pt_f035", "complaint_pt_f020"):
        pdf = _get_pdf(client, name, handled_complaint)
        fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
        rows = [line for line in fonts.stdout.decode().splitlines()[2:] if line.strip()]
        assert rows
        for row in rows:
            assert "Noto" in row and "CJK" in row
            assert re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s", row).group(1) == "yes", row
