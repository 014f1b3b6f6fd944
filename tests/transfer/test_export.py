"""Exporting the filtered customer list (issue 3 item 6)."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from careloop.transfer.exporting import cell_neutralise
from careloop.transfer.models import ExportLog
from tests.factories import CustomerFactory, UserFactory

FORMULA = '=HYPERLINK("http://x","y")'


PURPOSE = "寄送年度回診通知"


def download(client, user, fmt: str, *, purpose: str = PURPOSE, **params: str):
    """Export as the page does: the list's filters in the query string, the purpose posted."""
    client.force_login(user)
    url = reverse("transfer:export_download")
    if params:
        url += "?" + urlencode(params)
    response = client.post(url, {"format": fmt, "purpose": purpose})
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def xlsx_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content))["客戶"]
    return list(sheet.iter_rows())


def csv_rows(content: bytes) -> list[list[str]]:
    """The customer rows with their header, after the `# …` provenance lines and a blank."""
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    provenance = [r for r in rows if r and r[0].startswith("# ")]
    assert rows[len(provenance)] == []
    return rows[len(provenance) + 1 :]


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+886912",
        "-2",
        "@SUM(A1)",
        "\tx",
        "\rx",
        FORMULA,
        "＝1+1",
        "＋886",
        "－2",
        "＠SUM(A1)",
    ],
)
def test_formula_starts_are_neutralised(value):
    assert cell_neutralise(value) == "'" + value


def test_ordinary_text_is_left_alone():
    assert cell_neutralise("王小明") == "王小明"
    assert cell_neutralise("0912-345-678") == "0912-345-678"
    assert cell_neutralise(None) == ""


@pytest.mark.django_db
def test_xlsx_export_holds_a_formula_name_as_text(client, cs_a):
    # Given a customer whose name is a spreadsheet formula
    CustomerFactory(name=FORMULA, branch=cs_a.home_branch)

    # When the list is exported to .xlsx
    rows = xlsx_rows(download(client, cs_a, "xlsx"))

    # Then the cell is a string that no spreadsheet will evaluate
    header, (row,) = [c.value for c in rows[0]], rows[1:]
    cell = row[header.index("客戶姓名")]
    assert cell.data_type == "s"
    assert not cell.value.startswith("=")
    assert cell.value == "'" + FORMULA


@pytest.mark.django_db
def test_csv_export_is_utf8_with_bom_and_neutralised(client, cs_a):
    CustomerFactory(name=FORMULA, branch=cs_a.home_branch, phone="+886912345678")
    CustomerFactory(name="陳美玲", branch=cs_a.home_branch, notes="@ 聯絡請找媽媽")

    rows = csv_rows(download(client, cs_a, "csv"))

    header = rows[0]
    by_name = {r[header.index("客戶姓名")]: r for r in rows[1:]}
    assert set(by_name) == {"'" + FORMULA, "陳美玲"}
    assert by_name["'" + FORMULA][header.index("聯絡電話")] == "0912-345-678"
    assert by_name["陳美玲"][header.index("備註")] == "'@ 聯絡請找媽媽"


@pytest.mark.django_db
def test_every_export_is_logged_with_its_filters_and_rows(client, cs_a):
    # Given three customers, two of them VIP
    for customer_type in ("vip", "vip", "prospect"):
        CustomerFactory(branch=cs_a.home_branch, customer_type=customer_type)

    # When the VIPs are exported
    rows = csv_rows(download(client, cs_a, "csv", customer_type="vip"))

    # Then the file holds them and the log says who, which filter, which format, how many
    assert len(rows) == 3
    log = ExportLog.objects.get()
    assert (log.user, log.format, log.rows, log.purpose) == (cs_a, "csv", 2, PURPOSE)
    assert log.filters == {"customer_type": "vip"}


@pytest.fixture
def cs_b(branch_b):
    return UserFactory(username="cs_b", home_branch=branch_b, roles=["customer_service"])


@pytest.mark.django_db
def test_export_is_scoped_to_the_users_branches(client, cs_b, branch_a, branch_b):
    # Given customers in branch A and branch B
    CustomerFactory(name="台北客戶", branch=branch_a)
    CustomerFactory(name="桃園客戶", branch=branch_b)

    # When a branch-B user exports, even asking for branch A
    names = {r[1] for r in csv_rows(download(client, cs_b, "csv"))[1:]}
    asked_for_a = csv_rows(download(client, cs_b, "csv", branch=str(branch_a.pk)))

    # Then no branch-A customer is in either file
    assert names == {"桃園客戶"}
    assert "台北客戶" not in {r[1] for r in asked_for_a[1:]}


@pytest.mark.django_db
def test_export_uses_the_customer_list_search(client, cs_a):
    CustomerFactory(name="王小明", phone="+886912345678", branch=cs_a.home_branch)
    CustomerFactory(name="林志強", phone="+886933000111", branch=cs_a.home_branch)

    rows = xlsx_rows(download(client, cs_a, "xlsx", q="0912-345-678"))

    assert [r[1].value for r in rows[1:]] == ["王小明"]


@pytest.mark.django_db
def test_export_page_counts_and_links_the_filtered_files(client, cs_a):
    CustomerFactory(branch=cs_a.home_branch, customer_type="vip")
    client.force_login(cs_a)

    response = client.get(reverse("transfer:export"), {"customer_type": "vip"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "符合條件的客戶共 1 位" in body
    assert 'action="/transfer/export/download/?customer_type=vip"' in body
    assert 'name="purpose"' in body
    assert ExportLog.objects.count() == 0  # looking is not exporting


@pytest.mark.django_db
def test_only_people_who_see_customers_may_export(client, branch_a):
    nobody = UserFactory(home_branch=branch_a, roles=[])
    client.force_login(nobody)
    response = client.post(reverse("transfer:export_download"), {"format": "csv", "purpose": "x"})
    assert response.status_code == 403
    assert ExportLog.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["therapist", "front_desk", "sales_consultant"])
def test_a_therapist_front_desk_or_consultant_may_not_export(client, branch_a, role):
    # Given a branch's customers, which these roles see and care for every day
    CustomerFactory(branch=branch_a)
    user = UserFactory(home_branch=branch_a, roles=[role])
    client.force_login(user)

    # Then the export page and the download are refused, saying why, in zh-Hant
    page = client.get(reverse("transfer:export"))
    assert page.status_code == 403
    assert "匯出客戶資料限主管與客服部人員" in page.content.decode()
    response = client.post(reverse("transfer:export_download"), {"format": "csv", "purpose": "x"})
    assert response.status_code == 403
    assert ExportLog.objects.count() == 0
    # and the customer list offers no export button
    assert "匯出目前清單" not in client.get(reverse("customers:list")).content.decode()


@pytest.mark.django_db
def test_a_heads_export_asks_for_its_purpose_beside_the_field(client, dept_head_a):
    client.force_login(dept_head_a)
    response = client.post(reverse("transfer:export_download"), {"format": "xlsx", "purpose": " "})
    assert response.status_code == 422
    assert 'id="id_purpose_error"' in response.content.decode()
    assert "請說明匯出目的。" in response.content.decode()
    assert ExportLog.objects.count() == 0


@pytest.mark.django_db
def test_each_file_says_who_when_and_why(client, cs_a):
    CustomerFactory(branch=cs_a.home_branch, customer_type="vip")
    content = download(client, cs_a, "csv", customer_type="vip", purpose="=寄送 VIP 活動邀請")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == f"# 匯出者：{cs_a}"
    assert lines[1].startswith("# 匯出時間：")
    assert lines[2] == "# 匯出目的：'=寄送 VIP 活動邀請"  # a formula stays text
    assert "customer_type=vip" in lines[3] and lines[4] == "# 筆數：1"

    workbook = load_workbook(io.BytesIO(download(client, cs_a, "xlsx", purpose="查核")))
    info = {row[0].value: row[1].value for row in workbook["匯出資訊"].iter_rows()}
    assert (info["匯出者"], info["匯出目的"], info["筆數"]) == (str(cs_a), "查核", "1")
    assert workbook.properties.creator == str(cs_a)


@pytest.mark.django_db
def test_export_log_page_is_for_supervisors_and_scoped(client, cs_a, dept_head_a, cs_b, senior):
    # Given an export by a branch-A user and one by a branch-B user
    download(client, cs_a, "csv")
    download(client, cs_b, "xlsx")
    url = reverse("transfer:export_log")

    # Then customer service may not read the log, A's head sees A's, senior management all
    client.force_login(cs_a)
    assert client.get(url).status_code == 403
    client.force_login(dept_head_a)
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["page"]) == [ExportLog.objects.get(user=cs_a)]
    assert PURPOSE in page.content.decode()
    client.force_login(senior)
    assert len(client.get(url).context["page"]) == 2
