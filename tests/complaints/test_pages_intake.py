"""新增客訴 (PT-F035) through the page: the live preview, the picker, and refusals of bad input."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from careloop.complaints.models import Complaint, Nature
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def intake_data(branch_a, departments):
    """A B case by phone, received an hour ago, from a new complainant."""
    received = timezone.localtime() - dt.timedelta(hours=1)
    return {
        "branch": branch_a.pk,
        "channel": "phone",
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "complainant_name": "林美玲",
        "complainant_phone": "0912-000-111",
        "description": "治療師遲到二十分鐘，也沒有事先通知。",
        "expected_resolution": "希望補一堂課",
        "criteria": ["b_staff"],
        "grade": "",
        "grade_reason": "",
        "nature": Nature.objects.get(code="staff_attitude").pk,
        "departments": [departments["physiotherapy"].pk],
    }


def test_intake_saves_the_case_and_opens_its_page_with_the_number(client, cs_a, intake_data):
    # Given customer service at branch A
    client.force_login(cs_a)

    # When the intake form is sent with a B criterion ticked
    response = client.post(reverse("complaints:intake"), intake_data, follow=True)

    # Then the case is recorded as B, by cs_a, and its page opens announcing its number
    complaint = Complaint.objects.get()
    assert response.redirect_chain[-1][0] == reverse("complaints:detail", args=[complaint.number])
    assert complaint.grade == "B" and complaint.suggested_grade == "B"
    assert complaint.received_by == cs_a and complaint.recorded_at is not None
    assert complaint.complainant_phone == "+886912000111"
    assert complaint.nature.code == "staff_attitude"
    assert [d.code for d in complaint.departments.all()] == ["physiotherapy"]
    html = response.content.decode()
    assert f"已記錄客訴 {complaint.number}" in html
    assert 'id="case-stage">已接收' in html


def test_intake_takes_invisible_characters_out_of_the_name(client, cs_a, intake_data):
    client.force_login(cs_a)
    data = {**intake_data, "complainant_name": "林\u200b美玲\u202e"}
    assert client.post(reverse("complaints:intake"), data).status_code == 302
    assert Complaint.objects.get().complainant_name == "林美玲"


def test_intake_of_an_existing_customer_takes_their_details(client, cs_a, branch_a, intake_data):
    customer = CustomerFactory(branch=branch_a, name="陳淑芬", phone="+886922333444")
    client.force_login(cs_a)
    data = {**intake_data, "complainant_name": "", "complainant_phone": ""}

    response = client.post(
        reverse("complaints:intake"), {**data, "customer_number": customer.number}
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.customer == customer
    assert complaint.complainant_name == "陳淑芬"
    assert complaint.complainant_phone == "+886922333444"


def _assert_refused_beside(response, field: str, message: str) -> None:
    assert response.status_code == 422
    assert field in response.context["form"].errors
    html = response.content.decode()
    # The message sits in the field's own error line, right under the input.
    assert f'<p class="field-error" id="id_{field}_error" role="alert">{message}' in html
    assert "資料有誤，請修正標示的欄位，尚未儲存。" in html
    assert Complaint.objects.count() == 0


def test_missing_description_is_refused_beside_the_field(client, cs_a, intake_data):
    client.force_login(cs_a)
    response = client.post(reverse("complaints:intake"), {**intake_data, "description": ""})
    _assert_refused_beside(response, "description", "請填寫投訴內容詳細描述。")


def test_another_grade_without_a_reason_is_refused_beside_the_reason(client, cs_a, intake_data):
    # Given a B criterion ticked, When grade A is chosen without a reason
    client.force_login(cs_a)
    response = client.post(reverse("complaints:intake"), {**intake_data, "grade": "A"})
    # Then nothing is saved and the reason field says why
    _assert_refused_beside(response, "grade_reason", "選擇與建議等級不同的等級時，請說明理由。")


def test_another_grade_with_a_reason_is_kept(client, cs_a, intake_data):
    client.force_login(cs_a)
    data = {**intake_data, "grade": "A", "grade_reason": "客戶表示將投訴至衛生局"}
    assert client.post(reverse("complaints:intake"), data).status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.grade, complaint.suggested_grade) == ("A", "B")
    assert complaint.grade_reason == "客戶表示將投訴至衛生局"


def test_third_party_channel_without_its_name_is_refused(client, cs_a, intake_data):
    client.force_login(cs_a)
    response = client.post(reverse("complaints:intake"), {**intake_data, "channel": "government"})
    _assert_refused_beside(response, "third_party", "經由第三方轉來的投訴，請填寫第三方單位名稱。")


def test_neither_customer_nor_name_is_refused(client, cs_a, intake_data):
    client.force_login(cs_a)
    response = client.post(reverse("complaints:intake"), {**intake_data, "complainant_name": ""})
    _assert_refused_beside(response, "complainant_name", "請填寫投訴人姓名，或選擇既有客戶。")


def test_a_customer_of_another_branch_cannot_be_picked(client, cs_a, branch_b, intake_data):
    elsewhere = CustomerFactory(branch=branch_b)
    client.force_login(cs_a)
    response = client.post(
        reverse("complaints:intake"), {**intake_data, "customer_number": elsewhere.number}
    )
    _assert_refused_beside(response, "customer_number", f"找不到客戶編號 {elsewhere.number}。")


def test_preview_shows_the_sop_example_deadlines(client, cs_a, branch_a):
    # Given a B case received Fri 2026-02-13 16:00 (Lunar New Year and 2026-02-27 are holidays)
    client.force_login(cs_a)

    # When the form asks for its preview
    response = client.get(
        reverse("complaints:intake_preview"),
        {
            "branch": branch_a.pk,
            "channel": "phone",
            "received_at": "2026-02-13T16:00",
            "criteria": ["b_staff", "c_general"],
        },
        **HTMX,
    )

    # Then it suggests B, starts by Sun 02-15 16:00 and resolves by Mon 03-02 23:59:59
    preview = response.context["preview"]
    assert preview.suggested_grade == "B" and preview.grade == "B"
    assert preview.deadlines.start_due == dt.datetime(2026, 2, 15, 16, 0, tzinfo=TAIPEI)
    assert preview.deadlines.resolution_due == dt.datetime(2026, 3, 2, 23, 59, 59, tzinfo=TAIPEI)
    assert preview.deadlines.first_response_due is None  # not an online channel
    html = response.content.decode()
    assert "B 級（中度）" in html and "2026-02-15 16:00" in html and "2026-03-02 23:59" in html
    assert "<html" not in html
    # and the record, received long ago, would be late
    assert "接收已超過 24 小時" in html


def test_preview_on_an_online_channel_shows_the_first_response_due(client, cs_a, branch_a):
    client.force_login(cs_a)
    response = client.get(
        reverse("complaints:intake_preview"),
        {"branch": branch_a.pk, "channel": "email", "received_at": "2026-02-13T16:00"},
    )
    preview = response.context["preview"]
    assert preview.suggested_grade == "C"
    assert preview.deadlines.first_response_due == dt.datetime(2026, 2, 14, 16, 0, tzinfo=TAIPEI)
    assert "首次回覆" in response.content.decode()


def test_preview_with_a_recent_receipt_is_not_late_and_a_chosen_grade_counts(client, cs_a):
    client.force_login(cs_a)
    received = timezone.localtime() - dt.timedelta(hours=2)
    response = client.get(
        reverse("complaints:intake_preview"),
        {"received_at": received.strftime("%Y-%m-%dT%H:%M"), "grade": "A"},
    )
    preview = response.context["preview"]
    assert not preview.late
    assert (preview.suggested_grade, preview.grade) == ("C", "A")
    assert "請說明理由" in response.content.decode()


def test_preview_ignores_garbage(client, cs_a):
    client.force_login(cs_a)
    response = client.get(
        reverse("complaints:intake_preview"),
        {"received_at": "yesterday", "criteria": ["nope"], "grade": "Z", "branch": "x"},
    )
    assert response.status_code == 200
    assert response.context["preview"].deadlines is None


def test_intake_page_shows_the_checklist_grouped_and_a_default_preview(client, cs_a):
    client.force_login(cs_a)
    html = client.get(reverse("complaints:intake")).content.decode()
    for text in ("A 級（嚴重）", "B 級（中度）", "C 級（輕度）", "涉及人身安全或健康風險"):
        assert text in html
    assert "建議等級：" in html and "啟動處理" in html
    for channel in ("當面", "評價平台", "意見箱", "政府部門", "消費者保護組織"):
        assert channel in html


def test_customer_picker_finds_only_customers_of_the_users_branches(
    client, cs_a, branch_a, branch_b
):
    mine = CustomerFactory(branch=branch_a, name="王小明", phone="+886912345678")
    CustomerFactory(branch=branch_b, name="王小華", phone="+886912345679")
    client.force_login(cs_a)

    found = client.get(
        reverse("complaints:customer_picker"), {"customer_q": "王小", "field": "customer_number"}
    ).content.decode()
    assert "王小明" in found and "王小華" not in found

    picked = client.get(
        reverse("complaints:customer_picker"),
        {"pick": mine.number, "field": "customer_number"},
    ).content.decode()
    assert f'value="{mine.number}"' in picked and "已選擇：王小明" in picked


def test_intake_needs_the_intake_capability(client, db, branch_a):
    from tests.factories import UserFactory

    administrator = UserFactory(
        username="admin_only", home_branch=branch_a, roles=["administrator"]
    )
    client.force_login(administrator)
    assert client.get(reverse("complaints:intake")).status_code == 403
