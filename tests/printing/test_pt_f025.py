"""PT-F025 客戶互動追蹤記錄表 as a PDF: what the paper form says, read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from careloop.core.demo import FIXED_CUSTOMER_NAME, demo_load
from careloop.customers.models import Customer, Interaction
from careloop.printing.rendering import html_to_pdf, pdf_render
from careloop.printing.selectors import PAPER_INTERACTION_ROWS, pt_f025_document
from tests.factories import CustomerFactory
from tests.printing.conftest import INTERACTION_COUNT, pdf_text

pytestmark = pytest.mark.usefixtures("poppler")


def _get_pdf(client, customer, **params) -> bytes:
    response = client.get(reverse("printing:pt_f025", args=[customer.number]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def _line(text: str, label: str) -> str:
    """The one line of the extracted text that holds `label`, spaces squeezed."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if label in line]
    assert len(lines) == 1, lines
    return lines[0]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_carries_the_customer_its_interactions_and_the_header(
    client, front_desk, full_customer
):
    # given a customer with seven interactions (more than the paper's five rows)
    client.force_login(front_desk)
    # when the form is printed
    text = pdf_text(_get_pdf(client, full_customer))
    # then the record is there as text
    assert "王小明" in text
    assert full_customer.number in text
    assert "0912-345-678" in text
    summaries = list(full_customer.interactions.values_list("summary", flat=True))
    assert len(summaries) == INTERACTION_COUNT
    for summary in summaries:
        assert summary in text
    # and the document-control header of the seed
    for field in ("文件編號", "版本", "標題", "頁碼", "PT-F025", "客戶互動追蹤記錄表"):
        assert field in text
    assert "擬制部門：營運管理部" in text
    assert "批准：執行長" in text
    assert "制定日期：2024年3月1日" in text
    assert "實施日期：2024年3月15日" in text


def test_page_numbers_count_the_pages(client, front_desk, full_customer):
    client.force_login(front_desk)
    pdf = _get_pdf(client, full_customer)
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout.decode()).group(1))
    text = pdf_text(pdf)
    assert pages >= 2  # seven interactions do not fit on one A4 page
    # the header row of every page: PT-F025 | A | 客戶互動追蹤記錄表 | n/N
    numbers = re.findall(r"PT-F025\s+A\s+客戶互動追蹤記錄表\s+(\d+)/(\d+)", text)
    assert numbers == [(str(page), str(pages)) for page in range(1, pages + 1)]


def test_boxes_are_ticked_as_recorded(client, front_desk, full_customer):
    client.force_login(front_desk)
    text = pdf_text(_get_pdf(client, full_customer))
    assert _line(text, "客戶類型") == "客戶類型：□ 潛在客戶 ■ 現有客戶 □ 流失客戶 □ VIP客戶"
    source = _line(text, "客戶來源")
    assert "■ 其他： 診所招牌" in source
    assert source.count("■") == 1
    interests = _line(text, "物理治療")
    assert "■ 物理治療" in interests and "■ 疼痛管理" in interests
    assert "□ 運動恢復" in interests and "■ 其他： 姿勢矯正" in interests
    assert _line(text, "經濟型") == "□ 經濟型 ■ 標準型 □ 高階型 □ 未表明"
    factors = _line(text, "便利性")
    assert "■ 效果" in factors and "■ 便利性" in factors and "□ 價格" in factors
    assert "■ 服務延誤" in _line(text, "服務延誤")
    assert "□ 客戶投訴" in _line(text, "服務延誤")
    purposes = _line(text, "常規關懷")
    assert "■ 療效追蹤" in purposes and purposes.count("■") == 1


def test_each_interaction_row_ticks_its_channel_reaction_and_status(
    client, front_desk, full_customer
):
    client.force_login(front_desk)
    text = pdf_text(_get_pdf(client, full_customer))
    # the first interaction (oldest first, as on paper): 電話, 正面, 已完成
    first = _line(text, "第1次聯繫")
    assert "■電話" in first and "■正面" in first and "■已完成" in first
    # the second: 訊息, 中性, 進行中 — their boxes stand on the row's second line
    assert "■訊息" in text and "■中性" in text and "■進行中" in text
    ticked = sum(text.count(f"■{c}") for c in ("電話", "訊息", "面談", "其他"))
    assert ticked == INTERACTION_COUNT


def test_purchases_needs_satisfaction_plan_and_sign_offs(client, front_desk, full_customer):
    client.force_login(front_desk)
    text = pdf_text(_get_pdf(client, full_customer))
    purchase = _line(text, "肩頸放鬆療程 10 堂組")
    assert "10 堂" in purchase and "NT$10,800" in purchase and "新客首購九折" in purchase
    assert "陳美玲" in purchase
    assert "NT$1,200" in _line(text, "彈力帶組")
    assert "長期肩頸僵硬" in text
    assert "9 分（1-10分）" in _line(text, "最近一次滿意度評價")
    assert "治療師很專業" in text and "希望增加週末時段" in text
    assert "致歉並贈送熱敷一次" in text
    assert "陳美玲" in _line(text, "負責人員")
    assert "軟體工程師" in text
    # sign-offs name the signer and the time, never a blank line
    recorder = _line(text, "記錄人員簽名")
    supervisor = _line(text, "主管審核簽名")
    assert "林雅婷" in recorder and re.search(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", recorder)
    assert "黃主任" in supervisor and re.search(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", supervisor)


def test_roc_dates_on_request(client, front_desk, full_customer):
    client.force_login(front_desk)
    text = pdf_text(_get_pdf(client, full_customer, roc="1"))
    assert "制定日期：民國113年3月1日" in text
    first = full_customer.interactions.order_by("occurred_at").first()
    local = timezone.localtime(first.occurred_at)
    assert f"{local.year - 1911}/{local:%m/%d}" in _line(text, "第1次聯繫")


def test_a_bare_customer_prints_the_paper_rows_blank(client, front_desk, branch_a):
    # given a customer with nothing but a name
    customer = CustomerFactory(name="李小華", branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    # when printed
    text = pdf_text(_get_pdf(client, customer))
    # then the form is whole, with empty boxes to fill in by hand
    assert "李小華" in text
    assert _line(text, "客戶類型").startswith("客戶類型：■ 潛在客戶 □ 現有客戶")
    assert text.count("□電話") == PAPER_INTERACTION_ROWS
    assert "■" not in _line(text, "常規關懷")
    assert _squeezed(_line(text, "記錄人員簽名")) == "記錄人員簽名：日期："


def test_user_of_another_branch_gets_404(client, therapist_b, full_customer):
    client.force_login(therapist_b)
    response = client.get(reverse("printing:pt_f025", args=[full_customer.number]))
    assert response.status_code == 404


def test_anonymous_user_is_sent_to_log_in(client, full_customer):
    response = client.get(reverse("printing:pt_f025", args=[full_customer.number]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_senior_management_prints_any_branch(client, senior, branch_b):
    customer = CustomerFactory(name="周杰", branch=branch_b)
    client.force_login(senior)
    assert "周杰" in pdf_text(_get_pdf(client, customer))


def test_fonts_are_embedded(client, front_desk, full_customer):
    client.force_login(front_desk)
    pdf = _get_pdf(client, full_customer)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
    rows = [line for line in fonts.stdout.decode().splitlines()[2:] if line.strip()]
    assert rows
    for row in rows:
        # name type encoding emb sub uni …: every font is Noto CJK and embedded
        assert "Noto" in row and "CJK" in row
        assert re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s", row).group(1) == "yes", row


def test_the_demo_customer_prints(db, client):
    # given the demo data (王小明 of the README walkthrough)
    demo_load(customers=3)
    customer = Customer.objects.get(name=FIXED_CUSTOMER_NAME)
    client.force_login(customer.created_by)
    # when printed
    # (reading order, not layout: a long summary wraps inside its table cell)
    text = pdf_text(_get_pdf(client, customer), layout=False)
    # then name, number and every interaction summary are there as text
    assert FIXED_CUSTOMER_NAME in text and customer.number in text
    flat = _squeezed(text)
    interactions = Interaction.objects.filter(customer=customer)
    assert interactions.exists()
    for summary in interactions.values_list("summary", flat=True):
        assert _squeezed(summary) in flat


def test_pdf_render_works_without_a_request(db, full_customer, front_desk):
    document = pt_f025_document(customer=full_customer, user=front_desk)
    pdf = pdf_render(template="printing/pt_f025.html", context={"doc": document})
    assert "王小明" in pdf_text(pdf)


def test_renderer_fetches_nothing_over_the_network(caplog):
    # given HTML pointing at a remote image (as escaped user text never could, but a
    # careless template might)
    html = '<p>表</p><img src="http://example.invalid/pixel.png">'
    # when rendered
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_to_pdf(html)
    # then the PDF is made and the image was refused, not fetched
    assert pdf.startswith(b"%PDF")
    assert "disallowed protocol" in caplog.text


def test_dates_helper():
    from careloop.printing.dates import date_long, date_short, roc_year

    day = dt.date(2024, 3, 1)
    assert roc_year(day) == 113
    assert date_long(day) == "2024年3月1日"
    assert date_long(day, roc=True) == "民國113年3月1日"
    assert date_short(day, roc=True) == "113/03/01"
    assert date_long(None) == ""
    with pytest.raises(ValueError):
        roc_year(dt.date(1911, 12, 31))


def test_amounts_print_as_new_taiwan_dollars():
    from careloop.printing.templatetags.print_forms import box, ntd

    assert ntd(1200) == "NT$1,200"
    assert ntd(-1200) == "-NT$1,200"
    assert ntd(None) == ""
    assert (box(True), box(False)) == ("■", "□")
