"""Reads of personal data are recorded (issue 19, finding 4): who read which customer, when,
through which page or endpoint; one INSERT per request."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careloop.access import recorder
from careloop.access.middleware import ReadLogMiddleware
from careloop.access.models import PersonalDataRead, ReadChannel, ReadKind
from careloop.access.recorder import reads_record
from careloop.customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

READS_TABLE = PersonalDataRead._meta.db_table


def read_inserts(ctx: CaptureQueriesContext) -> int:
    return sum(
        1
        for q in ctx.captured_queries
        if q["sql"].startswith("INSERT") and f'"{READS_TABLE}"' in q["sql"]
    )


def test_a_token_paging_through_the_customer_list_leaves_a_read_of_every_customer_served(
    branch_a, therapist_a, token_of
):
    # Given 30 customers and a therapist's integration token
    customers = CustomerFactory.create_batch(30, branch=branch_a, created_by=therapist_a)
    api, token = token_of(therapist_a)
    served = set()
    # When the token pages through the list, 12 at a time
    for offset in (0, 12, 24):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/v1/customers", {"limit": 12, "offset": offset})
        assert response.status_code == 200
        served |= {item["number"] for item in response.json()["items"]}
        # each page writes its reads with one INSERT, however many customers it holds
        assert read_inserts(ctx) == 1
    # Then every customer served has a read by that token, through the list endpoint
    assert served == {c.number for c in customers}
    reads = PersonalDataRead.objects.filter(api_token_id=token.pk)
    assert {r.customer_id for r in reads} == {c.pk for c in customers}
    assert reads.count() == 30
    read = reads.first()
    assert read.user_id == therapist_a.pk
    assert read.api_token_label == f"排程整合 ({token.prefix}…)"
    assert (read.channel, read.kind) == (ReadChannel.API, ReadKind.LIST)
    assert (read.route, read.path) == ("api:customer_list", "/api/v1/customers")


def test_the_api_record_and_its_parts_record_a_view(customer_a, therapist_a, token_of):
    api, token = token_of(therapist_a)
    for suffix in ("", "/interactions", "/needs", "/events", "/satisfaction"):
        assert api.get(f"/api/v1/customers/{customer_a.number}{suffix}").status_code == 200
    reads = PersonalDataRead.objects.filter(customer_id=customer_a.pk, api_token_id=token.pk)
    assert reads.count() == 5
    assert {r.kind for r in reads} == {ReadKind.VIEW}
    assert "api:customer_detail" in {r.route for r in reads}


def test_the_customer_page_records_a_view_by_the_signed_in_user(client, front_desk, customer_a):
    client.force_login(front_desk)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("customers:detail", args=[customer_a.number]))
    assert response.status_code == 200
    assert read_inserts(ctx) == 1
    read = PersonalDataRead.objects.get()
    assert (read.user_id, read.customer_id) == (front_desk.pk, customer_a.pk)
    assert read.api_token_id is None and read.api_token_label == ""
    assert (read.channel, read.kind, read.route) == (
        ReadChannel.PAGE,
        ReadKind.VIEW,
        "customers:detail",
    )
    assert read.path == f"/customers/{customer_a.number}/"


def test_the_list_page_records_each_customer_on_the_page_and_not_the_search(
    client, front_desk, branch_a
):
    CustomerFactory.create_batch(30, branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("customers:list"), {"q": "", "page": 2})
    assert response.status_code == 200
    shown = {c.pk for c in response.context["page"]}
    assert len(shown) == 5
    assert {r.customer_id for r in PersonalDataRead.objects.all()} == shown
    assert read_inserts(ctx) == 1
    # the query string (a typed name or phone is personal data) is not kept
    assert {r.path for r in PersonalDataRead.objects.all()} == {"/customers/"}


def test_the_pt_f025_print_records_a_print(client, front_desk, customer_a, monkeypatch):
    # WeasyPrint's rendering is tested in tests/printing; here only what the view records
    monkeypatch.setattr("careloop.printing.views.pdf_render", lambda **kwargs: b"%PDF-1.7")
    client.force_login(front_desk)
    response = client.get(reverse("printing:pt_f025", args=[customer_a.number]))
    assert response.status_code == 200
    read = PersonalDataRead.objects.get()
    assert (read.customer_id, read.channel, read.kind) == (
        customer_a.pk,
        ReadChannel.PDF,
        ReadKind.PRINT,
    )
    assert read.route == "printing:pt_f025"


def test_an_export_records_a_read_of_every_customer_in_the_file(
    client, dept_head_a, branch_a, branch_b, front_desk
):
    # Given 7 customers of the head's branch and 2 of another
    mine = CustomerFactory.create_batch(7, branch=branch_a, created_by=front_desk)
    CustomerFactory.create_batch(2, branch=branch_b)
    client.force_login(dept_head_a)
    # When the head exports the list
    response = client.post(
        reverse("transfer:export_download"), {"format": "csv", "purpose": "寄送年度回診通知"}
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    # Then each of the 7 in the file has one read of kind export, and nobody else
    reads = PersonalDataRead.objects.all()
    assert sorted(r.customer_id for r in reads) == sorted(c.pk for c in mine)
    assert {(r.channel, r.kind, r.user_id) for r in reads} == {
        (ReadChannel.EXPORT, ReadKind.EXPORT, dept_head_a.pk)
    }


def test_an_export_larger_than_a_batch_is_written_in_batches(
    rf, dept_head_a, branch_a, monkeypatch
):
    monkeypatch.setattr(recorder, "EXPORT_BATCH", 4)
    CustomerFactory.create_batch(10, branch=branch_a)
    request = rf.post("/transfer/export/download/")
    request.user = dept_head_a
    with CaptureQueriesContext(connection) as ctx:
        written = recorder.reads_record_all(request, Customer.objects.all())
    assert written == 10 == PersonalDataRead.objects.count()
    assert read_inserts(ctx) == 3  # 4 + 4 + 2


def test_the_complaint_page_api_and_prints_record_the_complaints_customer(
    client, cs_a, customer_a, make_complaint, token_of, monkeypatch
):
    monkeypatch.setattr("careloop.printing.views.pdf_render", lambda **kwargs: b"%PDF-1.7")
    complaint = make_complaint(customer=customer_a)
    client.force_login(cs_a)
    assert client.get(reverse("complaints:detail", args=[complaint.number])).status_code == 200
    for name in ("printing:complaint_pt_f035", "printing:complaint_pt_f020"):
        assert client.get(reverse(name, args=[complaint.number])).status_code == 200
    api, _token = token_of(cs_a)
    assert api.get(f"/api/v1/complaints/{complaint.number}").status_code == 200
    reads = PersonalDataRead.objects.order_by("pk")
    assert [(r.customer_id, r.kind, r.channel) for r in reads] == [
        (customer_a.pk, ReadKind.VIEW, ReadChannel.PAGE),
        (customer_a.pk, ReadKind.PRINT, ReadChannel.PDF),
        (customer_a.pk, ReadKind.PRINT, ReadChannel.PDF),
        (customer_a.pk, ReadKind.VIEW, ReadChannel.API),
    ]


def test_a_complaint_without_a_customer_records_nothing(client, cs_a, make_complaint):
    complaint = make_complaint()
    client.force_login(cs_a)
    assert client.get(reverse("complaints:detail", args=[complaint.number])).status_code == 200
    assert not PersonalDataRead.objects.exists()


def _through_middleware(user, customers, status):
    def view(request):
        reads_record(request, customers, kind=ReadKind.VIEW)
        return HttpResponse(status=status)

    request = RequestFactory().get("/somewhere/")
    request.user = user
    return ReadLogMiddleware(view)(request)


def test_a_server_error_writes_no_reads_and_a_client_error_does(front_desk, branch_a):
    # A 5xx page carries none of the record; a 4xx (a form sent back with errors) may show it
    customer = CustomerFactory(branch=branch_a)
    _through_middleware(front_desk, [customer], 500)
    assert not PersonalDataRead.objects.exists()
    _through_middleware(front_desk, [customer], 422)
    assert PersonalDataRead.objects.count() == 1


def test_a_customer_read_twice_in_one_request_is_one_read(front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a)
    _through_middleware(front_desk, [customer, customer.pk, None], 200)
    assert PersonalDataRead.objects.count() == 1


def test_without_the_middleware_a_read_is_written_at_once(rf, front_desk, branch_a):
    # a caller outside a request that went through the middleware (ninja's test client, a
    # command) loses nothing
    customer = CustomerFactory(branch=branch_a)
    request = rf.get("/x/")
    request.user = front_desk
    assert reads_record(request, [customer], kind=ReadKind.VIEW) == [customer]
    assert PersonalDataRead.objects.get().customer_id == customer.pk


def test_reads_survive_the_customers_deletion(front_desk, branch_a, rf):
    # the log names the customer by id only; erasing the customer keeps who saw the record
    customer = CustomerFactory(branch=branch_a)
    request = rf.get("/x/")
    request.user = front_desk
    reads_record(request, [customer], kind=ReadKind.VIEW)
    customer_id = customer.pk
    customer.needs.delete()
    customer.delete()
    assert PersonalDataRead.objects.get().customer_id == customer_id
