"""Exporting the filtered customer list (issue 3 item 6)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from careloop.transfer.exporting import cell_neutralise
from careloop.transfer.models import ExportLog
from tests.factories import CustomerFactory

FORMULA = '=HYPERLINK("http://x","y")'


def download(client, user, fmt: str, **params: str):
    client.force_login(user)
    response = client.get(reverse("transfer:export_download"), {"format": fmt, **params})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def xlsx_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows())


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


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
def test_xlsx_export_holds_a_formula_name_as_text(client, front_desk):
    # Given a customer whose name is a spreadsheet formula
    CustomerFactory(name=FORMULA, branch=front_desk.home_branch)

    # When the list is exported to .xlsx
    rows = xlsx_rows(download(client, front_desk, "xlsx"))

    # Then the cell is a string that no spreadsheet will evaluate
    header, (row,) = [c.value for c in rows[0]], rows[1:]
    cell = row[header.index("客戶姓名")]
    assert cell.data_type == "s"
    assert not cell.value.startswith("=")
    assert cell.value == "'" + FORMULA


@pytest.mark.django_db
def test_csv_export_is_utf8_with_bom_and_neutralised(client, front_desk):
    CustomerFactory(name=FORMULA, branch=front_desk.home_branch, phone="+886912345678")
    CustomerFactory(name="陳美玲", branch=front_desk.home_branch, notes="@ 聯絡請找媽媽")

    rows = csv_rows(download(client, front_desk, "csv"))

    header = rows[0]
    by_name = {r[header.index("客戶姓名")]: r for r in rows[1:]}
    assert set(by_name) == {"'" + FORMULA, "陳美玲"}
    assert by_name["'" + FORMULA][header.index("聯絡電話")] == "0912-345-678"
    assert by_name["陳美玲"][header.index("備註")] == "'@ 聯絡請找媽媽"


@pytest.mark.django_db
def test_every_export_is_logged_with_its_filters_and_rows(client, front_desk):
    # Given three customers, two of them VIP
    for customer_type in ("vip", "vip", "prospect"):
        CustomerFactory(branch=front_desk.home_branch, customer_type=customer_type)

    # When the VIPs are exported
    rows = csv_rows(download(client, front_desk, "csv", customer_type="vip"))

    # Then the file holds them and the log says who, which filter, which format, how many
    assert len(rows) == 3
    log = ExportLog.objects.get()
    assert (log.user, log.format, log.rows) == (front_desk, "csv", 2)
    assert log.filters == {"customer_type": "vip"}


@pytest.mark.django_db
def test_export_is_scoped_to_the_users_branches(client, therapist_b, branch_a, branch_b):
    # Given customers in branch A and branch B
    CustomerFactory(name="台北客戶", branch=branch_a)
    CustomerFactory(name="桃園客戶", branch=branch_b)

    # When a branch-B user exports, even asking for branch A
    names = {r[1] for r in csv_rows(download(client, therapist_b, "csv"))[1:]}
    asked_for_a = csv_rows(download(client, therapist_b, "csv", branch=str(branch_a.pk)))

    # Then no branch-A customer is in either file
    assert names == {"桃園客戶"}
    assert "台北客戶" not in {r[1] for r in asked_for_a[1:]}


@pytest.mark.django_db
def test_export_uses_the_customer_list_search(client, front_desk):
    CustomerFactory(name="王小明", phone="+886912345678", branch=front_desk.home_branch)
    CustomerFactory(name="林志強", phone="+886933000111", branch=front_desk.home_branch)

    rows = xlsx_rows(download(client, front_desk, "xlsx", q="0912-345-678"))

    assert [r[1].value for r in rows[1:]] == ["王小明"]


@pytest.mark.django_db
def test_export_page_counts_and_links_the_filtered_files(client, front_desk):
    CustomerFactory(branch=front_desk.home_branch, customer_type="vip")
    client.force_login(front_desk)

    response = client.get(reverse("transfer:export"), {"customer_type": "vip"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "符合條件的客戶共 1 位" in body
    assert "customer_type=vip&amp;format=xlsx" in body
    assert ExportLog.objects.count() == 0  # looking is not exporting


@pytest.mark.django_db
def test_only_people_who_see_customers_may_export(client, branch_a):
    from tests.factories import UserFactory

    nobody = UserFactory(home_branch=branch_a, roles=[])
    client.force_login(nobody)
    assert client.get(reverse("transfer:export_download"), {"format": "csv"}).status_code == 403
    assert ExportLog.objects.count() == 0


@pytest.mark.django_db
def test_export_log_page_is_for_supervisors_and_scoped(
    client, front_desk, dept_head_a, therapist_b, senior
):
    # Given an export by a branch-A user and one by a branch-B user
    download(client, front_desk, "csv")
    download(client, therapist_b, "xlsx")
    url = reverse("transfer:export_log")

    # Then front desk may not read the log, branch A's head sees A's, senior management all
    client.force_login(front_desk)
    assert client.get(url).status_code == 403
    client.force_login(dept_head_a)
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["page"]) == [ExportLog.objects.get(user=front_desk)]
    client.force_login(senior)
    assert len(client.get(url).context["page"]) == 2
