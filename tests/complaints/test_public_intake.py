"""The suggestion box online (/feedback/): no login, content-checked attachment, anti-spam."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from careloop.complaints.models import Channel, Complaint, Evidence
from careloop.complaints.public import SUBMIT_LIMIT
from careloop.complaints.public_forms import (
    ATTACHMENT_MAX_BYTES,
    AttachmentLimitHandler,
    form_token,
)
from tests.factories import BranchFactory
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _values(branch, **overrides) -> dict:
    """A person's answers, with a render time 10 seconds ago (past the 3-second floor)."""
    return {
        "complainant_name": "王大同",
        "complainant_phone": "0922-333-444",
        "complainant_email": "",
        "branch": branch.pk,
        "description": "候診區冷氣太冷，等了四十分鐘。",
        "expected_resolution": "希望調整冷氣溫度。",
        "website": "",
        "rendered": form_token(now=time.time() - 10),
        **overrides,
    }


def _post(client, branch, *, url=None, remote_addr="203.0.113.7", headers=None, **overrides):
    return client.post(
        url or reverse("feedback:intake_branch", args=[branch.code]),
        _values(branch, **overrides),
        REMOTE_ADDR=remote_addr,
        headers=headers,
    )


def _field_errors(html: str, field: str) -> list[str]:
    """The error paragraphs rendered beside one field (partials/field.html)."""
    return re.findall(rf'id="id_{field}_error"[^>]*>([^<]+)<', html)


# --- the page ---------------------------------------------------------------------------------


def test_form_opens_without_login_with_the_branch_chosen(client, branch_a):
    # given a branch's QR code address, and nobody logged in
    url = reverse("feedback:intake_branch", args=[branch_a.code])
    # when it is opened
    response = client.get(url)
    # then the mobile form is there, the branch chosen, and no staff chrome
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport"' in html
    assert "台北總院" in html
    assert f'<option value="{branch_a.pk}" selected>' in html
    assert 'enctype="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html
    for staff_only in ("登出", "今日待辦", "管理後台", "/static/css/careloop.css"):
        assert staff_only not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_plain_address_offers_every_operating_branch(client, branch_a, branch_b):
    BranchFactory(code="closed", name="已停業分院", is_active=False)
    response = client.get(reverse("feedback:intake"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "台北總院" in html and "桃園分院" in html
    assert "已停業分院" not in html
    assert "請選擇院所" in html


def test_unknown_or_closed_branch_is_404(client, db):
    BranchFactory(code="closed", name="已停業分院", is_active=False)
    assert client.get(reverse("feedback:intake_branch", args=["nowhere"])).status_code == 404
    assert client.get(reverse("feedback:intake_branch", args=["closed"])).status_code == 404


# --- sending ----------------------------------------------------------------------------------


def test_a_submission_becomes_a_public_case_and_shows_its_number(client, branch_a):
    # given a filled-in form with a photo
    photo = SimpleUploadedFile("IMG_0001.JPG", _jpeg(), content_type="image/jpeg")
    # when it is sent
    response = _post(client, branch_a, attachment=photo)
    # then a case is recorded as a public submission of the suggestion box
    complaint = Complaint.objects.get()
    assert complaint.is_public_submission
    assert complaint.channel == Channel.SUGGESTION_BOX
    assert complaint.branch == branch_a
    assert complaint.complainant_name == "王大同"
    assert complaint.complainant_phone == "+886922333444"
    assert complaint.description == "候診區冷氣太冷，等了四十分鐘。"
    assert complaint.expected_resolution == "希望調整冷氣溫度。"
    assert complaint.grade == "C" and complaint.received_by is None
    assert re.fullmatch(r"[0-9a-f]{64}", complaint.submitter_fingerprint)
    # and the photo is kept as the complainant's evidence, named by what it is
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.kind == "customer_upload"
    assert evidence.file.name.endswith("feedback-upload.jpg")
    assert evidence.file.read() == _jpeg()
    # and the thank-you page (after a redirect, so a reload sends nothing twice) shows the number
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert complaint.number in html
    assert f"{reverse('feedback:status')}?number={complaint.number}" in html


def test_a_submission_shows_on_the_branchs_board_with_its_number(client, branch_a, cs_a):
    # given a person's submission from the suggestion box of branch A
    _post(client, branch_a)
    complaint = Complaint.objects.get()
    # when customer service of branch A opens the complaint board
    staff = Client()
    staff.force_login(cs_a)
    html = staff.get(reverse("complaints:board")).content.decode()
    # then the case is there with its number, marked as coming from the online form
    row = html[html.index(complaint.number) :]
    assert "線上意見表" in row[: row.index("</tr>")]
    assert reverse("complaints:detail", args=[complaint.number]) in html


def test_png_and_pdf_attachments_are_accepted(client, branch_a):
    png = SimpleUploadedFile("a.png", _png(), content_type="image/png")
    pdf = SimpleUploadedFile("b.pdf", pdf_bytes())
    assert _post(client, branch_a, attachment=png).status_code == 302
    assert _post(client, branch_a, attachment=pdf, remote_addr="203.0.113.8").status_code == 302
    names = Evidence.objects.values_list("file", flat=True)
    assert sorted(name.rsplit(".", 1)[1] for name in names) == ["pdf", "png"]


def test_e_mail_alone_is_enough(client, branch_a):
    response = _post(client, branch_a, complainant_phone="", complainant_email="da@example.test")
    assert response.status_code == 302
    assert Complaint.objects.get().complainant_email == "da@example.test"
    # the thank-you page does not offer a phone lookup this person cannot use
    html = client.get(response["Location"]).content.decode()
    assert "電子郵件通知" in html


def test_thanks_page_refuses_a_forged_token(client, db):
    response = client.get(reverse("feedback:thanks"), {"c": "20260213-001"})
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:intake")


# --- refused input: errors beside the field, nothing saved -------------------------------------


def test_a_program_behind_a_pdf_signature_is_refused_beside_the_field(client, branch_a):
    # given the five bytes that start every PDF, then a Windows program
    fake = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4\nMZ\x90\x00" + b"\x00" * 200)
    response = _post(client, branch_a, attachment=fake)
    assert response.status_code == 422
    assert Complaint.objects.count() == 0
    assert _field_errors(response.content.decode(), "attachment") == [
        "只接受 JPEG、PNG 圖片或 PDF 檔；這個檔案的內容不是這些格式。"
    ]


def test_an_owner_password_pdf_is_taken(client, branch_a):
    # a bank's or a clinic's receipt often comes encrypted against editing
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="", owner_password="bank-owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    receipt = SimpleUploadedFile("receipt.pdf", buffer.getvalue())
    assert _post(client, branch_a, attachment=receipt).status_code == 302


def test_an_exe_renamed_jpg_is_refused_beside_the_field(client, branch_a):
    # given a Windows program renamed to look like a photo, sent as image/jpeg
    fake = SimpleUploadedFile(
        "photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, content_type="image/jpeg"
    )
    # when sent
    response = _post(client, branch_a, attachment=fake)
    # then nothing is saved, and the error stands beside the attachment
    assert response.status_code == 422
    assert Complaint.objects.count() == 0
    html = response.content.decode()
    assert _field_errors(html, "attachment") == [
        "只接受 JPEG、PNG 圖片或 PDF 檔；這個檔案的內容不是這些格式。"
    ]
    # and everything typed is still there; the file must be chosen again, and the page says so
    assert 'value="王大同"' in html
    assert "候診區冷氣太冷，等了四十分鐘。" in html
    assert "附件無法保留，請重新選擇附件檔案" in html


def test_a_broken_image_with_a_jpeg_header_is_refused(client, branch_a):
    fake = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10)
    response = _post(client, branch_a, attachment=fake)
    assert response.status_code == 422
    assert _field_errors(response.content.decode(), "attachment")
    assert Complaint.objects.count() == 0


def test_an_oversize_file_is_refused_without_being_stored(client, branch_a):
    # given a photo just over 5 MB
    big = SimpleUploadedFile("big.jpg", _jpeg() + b"\x00" * ATTACHMENT_MAX_BYTES)
    # when sent
    response = _post(client, branch_a, attachment=big)
    # then the upload was dropped while it arrived, and the form says why beside the field
    assert response.status_code == 422
    form = response.context["form"]
    assert form.attachment_too_large
    html = response.content.decode()
    assert _field_errors(html, "attachment") == ["檔案超過 5 MB，請選擇 5 MB 以內的檔案。"]
    assert "附件無法保留，請重新選擇附件檔案" in html
    assert Complaint.objects.count() == 0


def test_a_file_of_exactly_5_mb_is_accepted(client, branch_a):
    jpeg = _jpeg()
    exact = SimpleUploadedFile("exact.jpg", jpeg + b"\x00" * (ATTACHMENT_MAX_BYTES - len(jpeg)))
    assert _post(client, branch_a, attachment=exact).status_code == 302
    assert Evidence.objects.get().file.size == ATTACHMENT_MAX_BYTES


def test_the_upload_limit_stops_storing_past_5_mb():
    handler = AttachmentLimitHandler()
    chunk = b"\x00" * (1024 * 1024)
    for n in range(5):
        assert handler.receive_data_chunk(chunk, n * len(chunk)) == chunk
    assert not handler.too_large
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"\x00", 5 * len(chunk))
    assert handler.too_large


def test_a_name_written_backwards_by_a_control_character_is_stored_plainly(client, branch_a):
    assert _post(client, branch_a, complainant_name="\u202e王大同\u200d").status_code == 302
    assert Complaint.objects.get().complainant_name == "王大同"


def test_a_contact_is_required_and_a_bad_phone_is_named(client, branch_a):
    response = _post(client, branch_a, complainant_phone="", complainant_email="")
    assert response.status_code == 422
    assert _field_errors(response.content.decode(), "complainant_phone") == [
        "請至少留下電話或電子郵件其中一種聯絡方式。"
    ]
    response = _post(client, branch_a, complainant_phone="12345")
    assert "電話號碼格式不正確" in _field_errors(response.content.decode(), "complainant_phone")[0]
    response = _post(client, branch_a, description="", complainant_name="")
    html = response.content.decode()
    assert _field_errors(html, "description") == ["請描述您要反映的內容。"]
    assert _field_errors(html, "complainant_name") == ["請填寫您的姓名。"]
    assert Complaint.objects.count() == 0


# --- anti-spam ----------------------------------------------------------------------------------


def test_the_hidden_field_filled_in_is_refused(client, branch_a):
    # given a script that fills in every field, the hidden one too
    response = _post(client, branch_a, website="http://spam.example")
    # then nothing is saved
    assert response.status_code == 400
    assert Complaint.objects.count() == 0


def test_a_form_sent_within_3_seconds_is_refused_and_can_be_sent_again(client, branch_a):
    # given a form rendered just now
    response = _post(client, branch_a, rendered=form_token())
    # then it is refused with a message, nothing saved, and the typed text kept
    assert response.status_code == 422
    html = response.content.decode()
    assert "送出速度過快" in html
    assert 'value="王大同"' in html
    assert Complaint.objects.count() == 0
    # and the re-shown form carries its own render time, so a person can send it again
    token = re.search(r'name="rendered" value="([^"]+)"', html).group(1)
    assert token


@pytest.mark.parametrize(
    "token",
    [form_token(now=time.time() - 3 * 60 * 60), "", "forged:token"],
    ids=["older-than-2-hours", "missing", "forged"],
)
def test_an_old_missing_or_forged_render_time_is_refused(client, branch_a, token):
    response = _post(client, branch_a, rendered=token)
    assert response.status_code == 422
    assert "表單已逾時" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_rate_limit_after_three_an_hour_from_one_address(client, branch_a):
    # given three submissions from one address within the hour
    for _ in range(SUBMIT_LIMIT):
        assert _post(client, branch_a).status_code == 302
    # when a fourth is sent
    response = _post(client, branch_a, description="第四則意見")
    # then it is refused, kindly, in zh-Hant, with the text to copy and when to retry
    assert response.status_code == 429
    html = response.content.decode()
    assert "請稍後再試" in html and "60 分鐘" in html
    assert "第四則意見" in html
    assert response["Retry-After"] == "3600"
    assert Complaint.objects.count() == SUBMIT_LIMIT
    # and another address is not held back
    assert _post(client, branch_a, remote_addr="198.51.100.20").status_code == 302


def test_behind_a_proxy_each_client_has_its_own_limit(client, branch_a, settings):
    # given the app behind one reverse proxy (10.0.0.1), which names the client it saw
    settings.CARELOOP_PROXY_HOPS = 1

    def through_proxy(client_ip, **values):
        headers = {"x-forwarded-for": client_ip}
        return _post(client, branch_a, remote_addr="10.0.0.1", headers=headers, **values)

    for _ in range(SUBMIT_LIMIT):
        assert through_proxy("198.51.100.7").status_code == 302
    # when another member of the public writes through the same proxy
    # then they are not held back by the first one's limit
    assert through_proxy("203.0.113.99").status_code == 302
    # and the first one's fourth is refused
    assert through_proxy("198.51.100.7", description="第四則意見").status_code == 429


def test_submissions_older_than_an_hour_do_not_count(client, branch_a):
    for _ in range(SUBMIT_LIMIT):
        _post(client, branch_a)
    Complaint.objects.update(created_at=timezone.now() - dt.timedelta(hours=1, minutes=1))
    assert _post(client, branch_a).status_code == 302


def test_csrf_is_checked(branch_a):
    client = Client(enforce_csrf_checks=True)
    response = _post(client, branch_a)
    assert response.status_code == 403
    assert Complaint.objects.count() == 0
