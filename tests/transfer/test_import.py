"""Importing customers, interactions and purchases (issue 3 item 6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.customers.models import Customer, Interaction
from careloop.transfer.importing import import_job_process
from careloop.transfer.models import ImportStatus
from careloop.treatments.models import Purchase
from tests.factories import CustomerFactory, ProductFactory, TreatmentPackageFactory, UserFactory
from tests.transfer.conftest import csv_bytes, xlsx_bytes

HEADER = ["客戶姓名", "聯絡電話", "生日", "客戶類型", "客戶來源", "備註"]


def thousand_rows(bad: dict[int, tuple[int, str]]) -> list[list[object]]:
    """1,000 customers; `bad` maps a spreadsheet row number to (column, bad value)."""
    rows: list[list[object]] = [HEADER]
    for i in range(1000):
        rows.append(
            [
                f"客戶{i:04d}",
                f"0912{i:06d}",
                dt.date(1980, 1, 1) + dt.timedelta(days=i),
                "現有",
                "網路搜尋",
                "舊系統匯入",
            ]
        )
    for row_number, (column, value) in bad.items():
        rows[row_number - 1][column] = value
    return rows


def errors_by_row(job) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for e in job.errors:
        found.setdefault(e["row"], []).append((e["field"], e["message"]))
    return found


@pytest.mark.django_db
def test_thousand_rows_with_three_bad_then_fixed_then_again(front_desk, dry_run, run_import):
    # Given a 1,000-row workbook with a bad phone, a future birthday and an unknown type
    future = timezone.localdate() + dt.timedelta(days=30)
    bad = {102: (1, "0912-34"), 503: (2, future), 1001: (3, "金卡")}

    # When it is checked
    job = dry_run(xlsx_bytes(thousand_rows(bad)), by=front_desk)

    # Then exactly those three rows are listed, each with its field and reason, and nothing changed
    assert job.status == ImportStatus.CHECKED
    assert job.total_rows == 1000
    found = errors_by_row(job)
    assert sorted(found) == [102, 503, 1001]
    assert found[102][0][0] == "聯絡電話" and "電話號碼格式不正確" in found[102][0][1]
    assert found[503] == [("生日", "生日不可晚於今天。")]
    assert found[1001][0][0] == "客戶類型" and "金卡" in found[1001][0][1]
    assert Customer.objects.count() == 0

    # When the rows are fixed and the file imported
    job = run_import(xlsx_bytes(thousand_rows({})), by=front_desk)

    # Then 1,000 customers exist, numbered, with history and needs profiles
    assert job.status == ImportStatus.DONE
    assert job.result["customers_created"] == 1000
    assert Customer.objects.count() == 1000
    assert Customer.history.filter(history_type="+").count() == 1000
    assert Customer.objects.filter(needs__isnull=True).count() == 0
    assert Customer.objects.values("number").distinct().count() == 1000
    assert Customer.objects.get(name="客戶0000").birthday_md == 101
    first = Customer.objects.get(name="客戶0000")
    assert first.phone == "+886912000000"
    assert first.customer_type == "current" and first.source == "web_search"
    assert first.branch == front_desk.home_branch and first.created_by == front_desk

    # When the same file is imported again
    job = run_import(xlsx_bytes(thousand_rows({})), by=front_desk)

    # Then no customer is created; all 1,000 are recognised
    assert job.result.get("customers_created", 0) == 0
    assert job.result["customers_matched"] == 1000
    assert Customer.objects.count() == 1000


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp950"])
def test_csv_in_utf8_with_and_without_bom_and_big5(front_desk, run_import, encoding):
    # Given a CSV as Taiwanese Excel saves it (Big5) or as other tools do (UTF-8, BOM or not)
    rows = [
        ["姓名", "手機", "電子郵件", "LINE ID", "生日", "客戶類型"],
        ["陳美玲", "0933-123-456", "mei@example.com", "meiling", "民國75年3月12日", "VIP"],
        ["林志強", "(02)2345-6789", "", "", "1990/7/1", "潛在客戶"],
    ]

    # When it is imported
    job = run_import(csv_bytes(rows, encoding), by=front_desk, name="客戶.csv")

    # Then the Chinese text and every format arrive intact
    assert job.result["customers_created"] == 2
    mei = Customer.objects.get(phone="+886933123456")
    assert mei.name == "陳美玲" and mei.customer_type == "vip"
    assert mei.birthday == dt.date(1986, 3, 12) and mei.line_id == "meiling"
    lin = Customer.objects.get(name="林志強")
    assert lin.phone == "+886223456789" and lin.birthday == dt.date(1990, 7, 1)


@pytest.mark.django_db
def test_unreadable_file_is_refused_with_a_reason(front_desk, upload):
    with pytest.raises(ValidationError, match="xlsx"):
        upload(b"hello", by=front_desk, name="customers.pdf")
    with pytest.raises(ValidationError, match="Excel"):
        upload(b"not a zip", by=front_desk, name="customers.xlsx")


@pytest.mark.django_db
def test_a_header_that_cannot_be_column_names_is_refused(front_desk, upload):
    # thousands of columns, or one cell holding a document, once made a 32 MB mapping page
    wide = csv_bytes([[f"欄{n}" for n in range(101)], ["x"] * 101])
    with pytest.raises(ValidationError, match="標題列最多 100 欄，此檔有 101 欄"):
        upload(wide, by=front_desk, name="customers.csv")
    long_cell = csv_bytes([["客戶姓名", "長" * 101], ["王小明", "x"]])
    with pytest.raises(ValidationError, match="標題列第 2 欄超過 100 字"):
        upload(long_cell, by=front_desk, name="customers.csv")
    # empty cells after the last name do not count
    padded = csv_bytes([["客戶姓名", "聯絡電話", *[""] * 500], ["王小明", "0912345678"]])
    assert upload(padded, by=front_desk, name="customers.csv").headers == ["客戶姓名", "聯絡電話"]


INTERACTION_HEADER = [
    "客戶姓名",
    "聯絡電話",
    "互動日期",
    "互動方式",
    "互動人員",
    "互動摘要",
    "客戶反應",
    "後續行動",
    "完成狀態",
    "購買日期",
    "療程/產品名稱",
    "數量/次數",
    "金額",
    "促銷方案",
    "銷售人員",
]


@pytest.mark.django_db
def test_interactions_and_purchases_imported_and_deduplicated(front_desk, therapist_a, run_import):
    # Given a customer on two rows (two contacts, a package and a product) and one already on file
    package = TreatmentPackageFactory(name="肩頸放鬆 10 堂", sessions=10, price=12000)
    ProductFactory(name="彈力帶", price=450)
    known = CustomerFactory(name="張大同", phone="+886955111222", branch=front_desk.home_branch)
    rows = [
        INTERACTION_HEADER,
        [
            "王小明",
            "0912-345-678",
            "2025-05-02 14:30",
            "電話",
            therapist_a.full_name,
            "詢問療效",
            "正面",
            "一週後回訪",
            "已完成",
            "2025-05-02",
            "肩頸放鬆 10 堂",
            "1",
            "NT$10,800",
            "母親節 9 折",
            therapist_a.username,
        ],
        [
            "王小明",
            "0912345678",
            "2025/5/9",
            "面談",
            "",
            "回診評估",
            "中性",
            "",
            "",
            "2025-05-09",
            "彈力帶",
            "2",
            "",
            "",
            "",
        ],
        [
            "張大同",
            "0955-111-222",
            "2025-04-01",
            "訊息",
            "",
            "LINE 關懷",
            "負面",
            "",
            "進行中",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]

    # When the file is imported
    job = run_import(xlsx_bytes(rows), by=front_desk)

    # Then one new customer, the known one matched, three interactions and two purchases
    assert job.result["customers_created"] == 1
    assert job.result["customers_matched"] == 1
    assert job.result["interactions_created"] == 3
    assert job.result["purchases_created"] == 2
    ming = Customer.objects.get(name="王小明")
    first, second = ming.interactions.order_by("occurred_at")
    assert first.staff == therapist_a and first.reaction == "positive" and first.channel == "phone"
    assert timezone.localtime(first.occurred_at).strftime("%Y-%m-%d %H:%M") == "2025-05-02 14:30"
    assert second.staff == front_desk and second.status == "done"
    assert known.interactions.get().status == "in_progress"
    sale = ming.purchases.get(package=package)
    assert sale.amount == 10800 and sale.sessions == 10 and sale.sessions_remaining == 10
    assert sale.expires_on == dt.date(2025, 11, 2) and sale.salesperson == therapist_a
    assert sale.promotion == "母親節 9 折"
    product_sale = ming.purchases.get(product__name="彈力帶")
    assert product_sale.quantity == 2 and product_sale.amount == 900
    assert Interaction.history.filter(history_user=front_desk).count() == 3

    # When the same file is imported again
    job = run_import(xlsx_bytes(rows), by=front_desk)

    # Then nothing new is created
    assert job.result.get("interactions_created", 0) == 0
    assert job.result["interactions_skipped"] == 3
    assert job.result.get("purchases_created", 0) == 0
    assert job.result["purchases_skipped"] == 2
    assert Interaction.objects.count() == 3 and Purchase.objects.count() == 2


@pytest.mark.django_db
def test_bad_references_are_each_reported(front_desk, branch_b, dry_run):
    # Given rows naming an unknown package, an unknown staff member, a branch the user may not
    # use, an unknown reaction and a purchase without a date
    TreatmentPackageFactory(name="肩頸放鬆 10 堂")
    rows = [
        [
            "客戶姓名",
            "聯絡電話",
            "院所",
            "主治療師",
            "互動日期",
            "互動方式",
            "互動摘要",
            "客戶反應",
            "購買日期",
            "療程/產品名稱",
        ],
        ["甲", "0912-000-001", "", "", "", "", "", "", "2025-01-01", "不存在的療程"],
        ["乙", "0912-000-002", "", "查無此人", "", "", "", "", "", ""],
        ["丙", "0912-000-003", branch_b.name, "", "", "", "", "", "", ""],
        ["丁", "0912-000-004", "", "", "2025-01-01", "電話", "關懷", "很開心", "", ""],
        ["戊", "0912-000-005", "", "", "", "", "", "", "", "肩頸放鬆 10 堂"],
        ["", "0912-000-006", "", "", "", "", "", "", "", ""],
        ["己", "", "", "", "", "", "", "", "", ""],
    ]

    # When it is checked
    job = dry_run(xlsx_bytes(rows), by=front_desk)

    # Then every bad row is listed with its field and a zh-Hant reason, and nothing is written
    found = errors_by_row(job)
    assert found[2] == [("療程/產品名稱", "找不到療程或產品「不存在的療程」，請先在目錄中建立。")]
    assert found[3][0][0] == "主治療師" and "查無此人" in found[3][0][1]
    assert found[4] == [("院所", f"您沒有院所「{branch_b.name}」的權限。")]
    assert found[5][0][0] == "客戶反應" and "很開心" in found[5][0][1]
    assert found[6] == [("購買日期", "請填寫購買日期。")]
    assert found[7] == [("客戶姓名", "請填寫客戶姓名。")]
    assert found[8][0][0] == "聯絡電話" and "電話或生日" in found[8][0][1]
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_matches_that_would_merge_two_people_are_refused(front_desk, branch_b, dry_run):
    # Given a phone already used by a customer of another branch, and one used twice in the file
    # for two different names
    CustomerFactory(name="外院客戶", phone="+886977000111", branch=branch_b)
    rows = [
        ["客戶姓名", "聯絡電話"],
        ["外院客戶", "0977-000-111"],
        ["王媽媽", "0912-999-888"],
        ["王小弟", "0912-999-888"],
    ]

    # When it is checked
    job = dry_run(xlsx_bytes(rows), by=front_desk)

    # Then both are listed and nothing is created
    found = errors_by_row(job)
    assert "其他院所" in found[2][0][1]
    assert "第 3 列" in found[4][0][1]
    assert Customer.objects.filter(branch=front_desk.home_branch).count() == 0


@pytest.mark.django_db
def test_update_existing_changes_only_the_columns_given(front_desk, run_import):
    # Given a customer on file with an email
    known = CustomerFactory(
        name="張大同", phone="+886955111222", email="old@example.com", branch=front_desk.home_branch
    )
    rows = [
        ["客戶姓名", "聯絡電話", "電子郵件", "備註"],
        ["張大同", "0955111222", "", "改為 VIP 追蹤"],
    ]

    # When the file is imported with "update existing"
    job = run_import(xlsx_bytes(rows), by=front_desk, update_existing=True)

    # Then the filled column changes, the blank one keeps its value, and history names the user
    known.refresh_from_db()
    assert job.result["customers_updated"] == 1
    assert known.notes == "改為 VIP 追蹤" and known.email == "old@example.com"
    assert known.history.first().history_user == front_desk


@pytest.mark.django_db
def test_import_is_all_or_nothing(front_desk, dry_run, monkeypatch):
    # Given a clean file of three customers with purchases, checked without errors
    ProductFactory(name="彈力帶", price=450)
    rows = [
        [
            "客戶姓名",
            "聯絡電話",
            "互動日期",
            "互動方式",
            "互動摘要",
            "客戶反應",
            "購買日期",
            "療程/產品名稱",
        ]
    ]
    rows += [
        [
            f"客戶{i}",
            f"0912-000-00{i}",
            "2025-01-01",
            "電話",
            "關懷",
            "正面",
            "2025-01-02",
            "彈力帶",
        ]
        for i in range(3)
    ]
    job = dry_run(xlsx_bytes(rows), by=front_desk)
    assert job.errors == [] and job.result["customers_created"] == 3
    # ... and a purchase that fails when the second one is recorded (as if the catalogue changed)
    from careloop.treatments import services as treatment_services

    real = treatment_services.purchase_record
    calls = {"n": 0}

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValidationError({"amount": "金額不正確。"})
        return real(**kwargs)

    monkeypatch.setattr(treatment_services, "purchase_record", failing)

    # When the import runs
    job = import_job_process(job_id=job.pk, commit=True)

    # Then it fails naming the row, and nothing of the file is left behind
    assert job.status == ImportStatus.FAILED
    assert job.errors == [{"row": 3, "field": "金額", "message": "金額不正確。"}]
    assert Customer.objects.count() == 0
    assert Interaction.objects.count() == 0 and Purchase.objects.count() == 0


@pytest.mark.django_db
def test_a_file_with_errors_cannot_be_confirmed(front_desk, dry_run):
    from careloop.transfer import services

    job = dry_run(xlsx_bytes([["客戶姓名", "聯絡電話"], ["甲", "123"]]), by=front_desk)
    assert job.errors
    with pytest.raises(ValidationError):
        services.import_job_confirm(job=job, by=front_desk)
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_user_without_edit_rights_cannot_import(branch_a, upload):
    from django.core.exceptions import PermissionDenied

    admin_only = UserFactory(home_branch=branch_a, roles=["administrator"])
    with pytest.raises(PermissionDenied):
        upload(xlsx_bytes([["客戶姓名"], ["甲"]]), by=admin_only)


@pytest.mark.django_db
def test_imported_customers_take_consecutive_numbers_from_the_shared_counter(
    front_desk, run_import
):
    # Given a customer created on the page before the import
    from careloop.customers.services import customer_create

    before = customer_create(
        values={"name": "先來", "branch": front_desk.home_branch}, by=front_desk
    )
    rows = [["客戶姓名", "聯絡電話"]] + [[f"客戶{i}", f"0912-000-10{i}"] for i in range(3)]

    # When three customers are imported and one more is created on the page
    run_import(xlsx_bytes(rows), by=front_desk)
    after = customer_create(
        values={"name": "後到", "branch": front_desk.home_branch}, by=front_desk
    )

    # Then the numbers run on without gaps or repeats
    start = int(before.number[1:])
    numbers = sorted(Customer.objects.values_list("number", flat=True))
    assert numbers == [f"C{n:07d}" for n in range(start, start + 5)]
    assert after.number == f"C{start + 4:07d}"


@pytest.mark.django_db
def test_a_dry_run_reserves_no_customer_numbers(front_desk, dry_run):
    from careloop.customers.services import customer_create

    dry_run(xlsx_bytes([["客戶姓名", "聯絡電話"], ["甲", "0912-000-201"]]), by=front_desk)
    first = customer_create(values={"name": "乙", "branch": front_desk.home_branch}, by=front_desk)
    assert first.number == "C0000001"


@pytest.mark.django_db
def test_excel_typed_cells_are_read_as_staff_meant_them(front_desk, run_import):
    # Given Excel cells typed as numbers and dates: a phone that lost its leading 0, a real
    # date, a 民國 date written as text
    rows = [
        ["客戶姓名", "聯絡電話", "生日", "同意簡訊行銷"],
        ["王小明", 912345678, dt.datetime(1986, 3, 12), "是"],
        ["林志強", "02-2345-6789", "075/07/01", "否"],
    ]

    run_import(xlsx_bytes(rows), by=front_desk)

    ming = Customer.objects.get(name="王小明")
    assert ming.phone == "+886912345678" and ming.birthday == dt.date(1986, 3, 12)
    assert ming.consent_sms is True
    lin = Customer.objects.get(name="林志強")
    assert lin.birthday == dt.date(1986, 7, 1) and lin.consent_sms is False


def _customers_with_staff(count: int, therapist) -> list[list[object]]:
    rows: list[list[object]] = [["客戶姓名", "聯絡電話", "院所", "主治療師", "客戶來源"]]
    for i in range(count):
        rows.append([f"客戶{i:03d}", f"0913{i:06d}", "", therapist.full_name, "網路搜尋"])
    return rows


@pytest.mark.django_db
def test_checking_a_file_reads_the_pickers_once_not_once_per_row(
    front_desk, therapist_a, dry_run, django_assert_max_num_queries
):
    # Given a file of 5 rows checked once, to learn what a check costs
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        job = dry_run(xlsx_bytes(_customers_with_staff(5, therapist_a)), by=front_desk)
    assert job.status == ImportStatus.CHECKED and job.errors == []

    # When a file of 60 rows naming the same branch and therapist is checked
    # Then it costs the same queries but for the dry run's insert batches (SQLite takes a few
    # dozen customers per INSERT), where reading the pickers per row would add 3 a row
    with django_assert_max_num_queries(len(small) + 4):
        job = dry_run(xlsx_bytes(_customers_with_staff(60, therapist_a)), by=front_desk)
    assert job.status == ImportStatus.CHECKED and job.errors == []
    assert job.total_rows == 60


def _customers_and_contacts(therapist) -> list[list[object]]:
    header = ["客戶姓名", "聯絡電話", "主治療師", "互動日期", "互動方式", "互動摘要", "客戶反應"]
    rows: list[list[object]] = [header]
    for i in range(3):
        phone = f"0914-000-00{i}"
        rows.append(
            [f"客戶{i}", phone, therapist.full_name, "2025-05-02 14:30", "電話", "關懷", "正面"]
        )
    return rows


@pytest.mark.django_db
def test_the_import_reuses_a_clean_dry_runs_check(front_desk, therapist_a, dry_run, monkeypatch):
    from careloop.transfer import checked, importing, services

    # Given a file checked without errors
    job = dry_run(xlsx_bytes(_customers_and_contacts(therapist_a)), by=front_desk)
    assert job.errors == [] and checked.checked_path(job).exists()

    # When it is imported, with checking the rows made impossible
    def no_second_check(*args, **kwargs):
        raise AssertionError("the rows were checked again")

    monkeypatch.setattr(importing, "rows_check", no_second_check)
    job = services.import_job_confirm(job=job, by=front_desk)

    # Then the dry run's verdict is what was written, and the kept copy is gone
    assert job.status == ImportStatus.DONE, job.errors
    assert job.result["customers_created"] == 3 and job.result["interactions_created"] == 3
    customer = Customer.objects.get(name="客戶1")
    assert customer.phone == "+886914000001" and customer.primary_therapist == therapist_a
    contact = customer.interactions.get()
    assert contact.staff == front_desk and contact.summary == "關懷"
    assert timezone.localtime(contact.occurred_at).strftime("%Y-%m-%d %H:%M") == "2025-05-02 14:30"
    assert not checked.checked_path(job).exists()


@pytest.mark.django_db
def test_the_import_checks_again_when_the_staff_changed_since_the_dry_run(
    front_desk, therapist_a, dry_run
):
    from careloop.transfer import services

    # Given a file naming a therapist, checked without errors
    job = dry_run(xlsx_bytes(_customers_and_contacts(therapist_a)), by=front_desk)
    assert job.errors == []

    # When the therapist leaves before the import is confirmed
    therapist_a.is_active = False
    therapist_a.save()
    job = services.import_job_confirm(job=job, by=front_desk)

    # Then the rows are checked again, each naming the therapist is refused, nothing is written
    assert job.status == ImportStatus.FAILED
    assert sorted(errors_by_row(job)) == [2, 3, 4]
    assert errors_by_row(job)[2][0][0] == "主治療師"
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_an_unreadable_kept_check_is_done_again(front_desk, therapist_a, dry_run):
    from careloop.transfer import checked, importing, services

    job = dry_run(xlsx_bytes(_customers_and_contacts(therapist_a)), by=front_desk)
    checked.checked_path(job).write_text('{"settings": ', encoding="utf-8")
    assert checked.checked_load(job, importing.Lookups(front_desk)) is None
    checked.checked_path(job).write_text("[1, 2]", encoding="utf-8")
    assert checked.checked_load(job, importing.Lookups(front_desk)) is None

    job = services.import_job_confirm(job=job, by=front_desk)

    assert job.status == ImportStatus.DONE and job.result["customers_created"] == 3


@pytest.mark.django_db
def test_a_dry_run_with_errors_keeps_nothing_and_a_new_mapping_replaces_it(front_desk, dry_run):
    from careloop.transfer import checked, services

    rows = [["客戶姓名", "聯絡電話", "生日"], ["甲", "123", "1980-01-01"]]
    job = dry_run(xlsx_bytes(rows), by=front_desk)
    assert job.errors and not checked.checked_path(job).exists()

    # Mapped again without the bad phone column, it checks clean and is kept for the import
    mapping = {"name": 0, "birthday": 2}
    job = services.import_job_map(job=job, mapping=mapping, update_existing=False, by=front_desk)
    assert job.errors == [] and checked.checked_path(job).exists()

    # ... and mapped once more with the bad column, the kept verdict is dropped again
    mapping = {"name": 0, "phone": 1, "birthday": 2}
    job = services.import_job_map(job=job, mapping=mapping, update_existing=False, by=front_desk)
    assert job.errors and not checked.checked_path(job).exists()


@pytest.mark.django_db
def test_a_dry_run_of_customers_and_contacts_inserts_nothing(front_desk, therapist_a, dry_run):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        job = dry_run(xlsx_bytes(_customers_and_contacts(therapist_a)), by=front_desk)

    assert job.result == {"customers_created": 3, "interactions_created": 3}
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert inserts and all("transfer_importjob" in sql for sql in inserts), inserts


@pytest.mark.django_db
def test_a_verdict_that_cannot_be_kept_leaves_the_dry_run_clean(
    front_desk, therapist_a, dry_run, monkeypatch
):
    from careloop.transfer import checked, services

    def unkeepable(value):
        raise TypeError("cannot keep this value")

    # Given a dry run whose verdict cannot be written down
    monkeypatch.setattr(checked, "_encode", unkeepable)
    job = dry_run(xlsx_bytes(_customers_and_contacts(therapist_a)), by=front_desk)

    # Then the dry run still answers, and the import checks the rows itself
    assert job.status == ImportStatus.CHECKED and job.errors == []
    assert not checked.checked_path(job).exists()
    job = services.import_job_confirm(job=job, by=front_desk)
    assert job.status == ImportStatus.DONE and job.result["customers_created"] == 3
