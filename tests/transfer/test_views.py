"""The import pages: upload → mapping → dry run → confirm → progress → result."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from careloop.customers.models import Customer
from careloop.transfer.columns import TEMPLATE_HEADERS
from careloop.transfer.models import ImportJob, ImportStatus
from tests.factories import UserFactory
from tests.transfer.conftest import csv_bytes, xlsx_bytes


@pytest.mark.django_db
def test_the_whole_import_flow_through_the_pages(client, front_desk):
    client.force_login(front_desk)
    # Given the upload page
    page = client.get(reverse("transfer:import"))
    assert page.status_code == 200
    assert "下載範本（.xlsx）" in page.content.decode()

    # When a file is uploaded
    content = xlsx_bytes([["電話", "姓名", "不相關"], ["0912-345-678", "王小明", "x"]])
    response = client.post(
        reverse("transfer:import"), {"file": SimpleUploadedFile("客戶.xlsx", content)}
    )

    # Then the mapping page proposes columns from the zh-Hant headers
    job = ImportJob.objects.get()
    assert response.url == reverse("transfer:import_mapping", args=[job.pk])
    assert job.file.name.startswith("imports/")
    mapping = client.get(response.url)
    assert mapping.context["form"].initial["col_name"] == "1"
    assert mapping.context["form"].initial["col_phone"] == "0"

    # When the mapping is confirmed, the dry run runs and its page offers the import
    data = {"col_name": "1", "col_phone": "0"}
    response = client.post(reverse("transfer:import_mapping", args=[job.pk]), data)
    assert response.url == reverse("transfer:import_job", args=[job.pk])
    result = client.get(response.url).content.decode()
    assert "確認匯入" in result and "新建客戶：1" in result
    assert Customer.objects.count() == 0

    # When the import is confirmed
    response = client.post(reverse("transfer:import_confirm", args=[job.pk]))

    # Then the customer is created and the page says so
    assert Customer.objects.get().name == "王小明"
    done = client.get(response.url).content.decode()
    assert "匯入完成" in done and "hx-trigger" not in done


@pytest.mark.django_db
def test_dry_run_errors_are_listed_on_the_page(client, front_desk):
    client.force_login(front_desk)
    content = csv_bytes([["客戶姓名", "聯絡電話"], ["王小明", "123"]], "cp950")
    client.post(reverse("transfer:import"), {"file": SimpleUploadedFile("a.csv", content)})
    job = ImportJob.objects.get()

    client.post(
        reverse("transfer:import_mapping", args=[job.pk]), {"col_name": "0", "col_phone": "1"}
    )
    body = client.get(reverse("transfer:import_job", args=[job.pk])).content.decode()

    assert "電話號碼格式不正確" in body and "<td>2</td>" in body
    assert "確認匯入" not in body
    client.post(reverse("transfer:import_confirm", args=[job.pk]))
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_progress_view_returns_counts_and_polls_while_running(client, front_desk):
    job = ImportJob.objects.create(
        created_by=front_desk,
        original_name="big.xlsx",
        file="imports/big.xlsx",
        status=ImportStatus.CHECKING,
        total_rows=5000,
        processed_rows=1200,
    )
    client.force_login(front_desk)

    body = client.get(reverse("transfer:import_progress", args=[job.pk])).content.decode()

    assert "1200 / 5000" in body
    assert 'hx-trigger="every 1s"' in body
    assert 'value="24"' in body


@pytest.mark.django_db
def test_someone_elses_job_is_not_found(client, front_desk, branch_a):
    job = ImportJob.objects.create(created_by=front_desk, original_name="a.xlsx", file="x.xlsx")
    other = UserFactory(home_branch=branch_a, roles=["front_desk"])
    client.force_login(other)
    assert client.get(reverse("transfer:import_progress", args=[job.pk])).status_code == 404
    assert client.post(reverse("transfer:import_confirm", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_a_wrong_file_is_refused_on_the_page(client, front_desk):
    client.force_login(front_desk)
    response = client.post(
        reverse("transfer:import"), {"file": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    assert response.status_code == 422
    assert "只接受 .xlsx 或 .csv 檔案" in response.content.decode()
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_templates_download_with_every_field(client, front_desk):
    client.force_login(front_desk)
    xlsx = client.get(reverse("transfer:import_template", args=["xlsx"]))
    header = [
        c.value
        for c in next(
            load_workbook(
                __import__("io").BytesIO(b"".join(xlsx.streaming_content))
            ).active.iter_rows()
        )
    ]
    assert header == TEMPLATE_HEADERS
    csv_response = client.get(reverse("transfer:import_template", args=["csv"]))
    assert csv_response.content.decode("utf-8-sig").splitlines()[0].split(",")[:2] == [
        "客戶姓名",
        "聯絡電話",
    ]
    assert client.get(reverse("transfer:import_template", args=["pdf"])).status_code == 404


@pytest.mark.django_db
def test_the_template_itself_imports(front_desk, run_import):
    # The example row of the template must pass its own check.
    from careloop.transfer.columns import TEMPLATE_EXAMPLE

    job = run_import(xlsx_bytes([TEMPLATE_HEADERS, TEMPLATE_EXAMPLE]), by=front_desk)
    assert job.result["customers_created"] == 1 and job.result["interactions_created"] == 1
