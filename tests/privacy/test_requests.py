"""Requests, the copy, the processing stop, permissions, bad input and the retention schedule."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from careloop.customers.models import Customer
from careloop.customers.selectors import customer_marketing_allowed, customers_marketing_reachable
from careloop.privacy import services
from careloop.privacy.copying import copy_build
from careloop.privacy.models import CopyDownload, DataSubjectRequest
from careloop.privacy.retention import retention_purge
from careloop.surveys.models import Survey
from careloop.surveys.services import survey_send_for_package
from careloop.transfer.models import ImportJob
from careloop.treatments.services import session_use
from tests.factories import TreatmentPackageFactory, package_sold
from tests.privacy.conftest import API, NAME, api_client

VALUES = {"kind": "copy", "channel": "in_person", "identity_method": "id_card"}


def new_request(customer, by, **values):
    return services.request_create(customer=customer, values={**VALUES, **values}, by=by)


@pytest.mark.django_db
def test_the_copy_of_wang_holds_every_section_and_his_consent_history(story, wang, cs_a):
    data = copy_build(customer=wang, by=cs_a)
    sections = data["sections"]

    customers = sections["customers"]["data"]
    assert customers["record"]["name"] == NAME
    assert "王小明 來電詢問肩頸療程" in [i["summary"] for i in customers["interactions"]]
    history = customers["consent_history"]
    assert [(h["consent_sms"], h["consent_line"]) for h in history] == [
        (False, False),
        (True, False),
        (False, True),
    ]
    assert sections["treatments"]["data"]["purchases"][0]["amount"] == 3000
    assert {c["number"] for c in sections["complaints"]["data"]} == {
        story["held"].number,
        story["released"].number,
    }
    assert {c["value"] for c in sections["compensation"]["data"]} == {500, 300}
    assert sections["surveys"]["data"][0]["response"]["went_well"] == "王小明 說處理很快"
    assert sections["messaging"]["data"][0]["to"] == "+886912345678"
    json.dumps(data)  # machine-readable as it is


@pytest.mark.django_db
def test_downloads_are_recorded_and_the_pdf_prints(client, wang, cs_a):
    request = new_request(wang, cs_a)
    client.force_login(cs_a)
    url = reverse("privacy:copy", args=[request.pk])

    refused = client.post(url, {"format": "json", "purpose": ""})
    as_json = client.post(url, {"format": "json", "purpose": "當事人臨櫃申請複本"})
    as_pdf = client.post(url, {"format": "pdf", "purpose": "當事人臨櫃申請複本"})

    assert refused.status_code == 422 and "請說明下載目的" in refused.content.decode()
    assert json.loads(as_json.content)["sections"]["customers"]["data"]["record"]["name"] == NAME
    assert as_pdf["Content-Type"] == "application/pdf" and as_pdf.content.startswith(b"%PDF")
    assert list(CopyDownload.objects.values_list("user__username", "format", "purpose")) == [
        ("cs_a", "pdf", "當事人臨櫃申請複本"),
        ("cs_a", "json", "當事人臨櫃申請複本"),
    ]


@pytest.mark.django_db
def test_due_dates_follow_pdpa_13_and_extend_once(wang, cs_a):
    copy = new_request(wang, cs_a)
    erasure = new_request(wang, cs_a, kind="erasure")
    assert copy.due_at - copy.received_at == dt.timedelta(days=15)
    assert erasure.due_at - erasure.received_at == dt.timedelta(days=30)

    extended = services.request_extend(request=copy, reason="資料量大，需調閱紙本", by=cs_a)
    assert extended.due_at - extended.received_at == dt.timedelta(days=30)
    with pytest.raises(services.PrivacyRefused, match="只能延長一次"):
        services.request_extend(request=copy, reason="再延", by=cs_a)


@pytest.mark.django_db
def test_processing_stop_blocks_a_survey_and_marketing(wang, cs_a, front_desk):
    purchase = package_sold(
        customer=wang, by=cs_a, package=TreatmentPackageFactory(sessions=1, price=1000)
    )
    session_use(customer=wang, purchase=purchase, by=front_desk)  # the last session
    Customer.objects.filter(pk=wang.pk).update(consent_sms=True)
    wang.refresh_from_db()
    assert customer_marketing_allowed(customer=wang, channel="sms")

    request = new_request(wang, cs_a, kind="stop")
    services.processing_stop(request=request, by=cs_a)

    wang.refresh_from_db()
    assert wang.processing_stopped_at is not None and not wang.consent_sms
    assert not customer_marketing_allowed(customer=wang, channel="sms")
    assert not customers_marketing_reachable(
        customers=Customer.objects.filter(pk=wang.pk), channel="line"
    ).exists()
    with pytest.raises(ValidationError, match="停止處理"):
        survey_send_for_package(purchase=purchase, by=cs_a)
    assert not Survey.objects.filter(purchase=purchase).exists()
    assert wang.history.first().history_change_reason == "個資停止處理"


@pytest.mark.django_db
def test_pages_for_customer_service_and_the_link_from_the_customer_page(
    client, wang, cs_a, django_assert_max_num_queries
):
    client.force_login(cs_a)
    page = client.get(reverse("customers:detail", args=[wang.number]))
    assert reverse("privacy:customer", args=[wang.number]) in page.content.decode()

    created = client.post(
        reverse("privacy:customer", args=[wang.number]),
        {**VALUES, "kind": "correction", "details": "生日登記錯誤"},
    )
    request = DataSubjectRequest.objects.get()
    assert created.status_code == 302 and request.kind == "correction"
    detail = client.get(reverse("privacy:detail", args=[request.pk])).content.decode()
    assert reverse("customers:edit", args=[wang.number]) in detail
    for _ in range(5):
        new_request(wang, cs_a)
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("privacy:list"))
    assert listing.status_code == 200 and listing.content.decode().count("查閱／複製") >= 5
    assert client.get(reverse("privacy:schedule")).status_code == 200

    bad = client.post(reverse("privacy:customer", args=[wang.number]), {"kind": "nope"})
    assert bad.status_code == 422 and "請求類型不正確" in bad.content.decode()
    done = client.post(reverse("privacy:complete", args=[request.pk]), {"answer": "已更正生日"})
    again = client.post(reverse("privacy:complete", args=[request.pk]), {"answer": "再一次"})
    assert done.status_code == 302
    assert again.status_code == 409 and "已處理完成" in again.content.decode()


@pytest.mark.django_db
def test_therapist_and_other_branch_are_refused(client, wang, cs_a, cs_b, therapist_a):
    request = new_request(wang, cs_a, kind="erasure")
    client.force_login(therapist_a)
    assert client.get(reverse("privacy:list")).status_code == 403
    assert client.get(reverse("privacy:customer", args=[wang.number])).status_code == 403
    client.force_login(cs_b)
    assert client.get(reverse("privacy:detail", args=[request.pk])).status_code == 404
    assert client.get(reverse("privacy:customer", args=[wang.number])).status_code == 404
    # customer service receives an erasure; only a supervisor carries it out
    client.force_login(cs_a)
    erased = client.post(reverse("privacy:erase", args=[request.pk]), {"confirm": "on"})
    assert erased.status_code == 403
    assert Customer.objects.get(pk=wang.pk).name == wang.name


@pytest.mark.django_db
def test_api_create_list_detail_and_copy(wang, cs_a, cs_b, therapist_a):
    api = api_client(cs_a)
    created = api.post(
        f"{API}/privacy/requests",
        {"customer_number": wang.number, **VALUES},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    assert api.get(f"{API}/privacy/requests").json()["count"] == 1
    assert api.get(f"{API}/privacy/requests/{request_id}").json()["kind"] == "copy"
    copy = api.post(
        f"{API}/privacy/requests/{request_id}/copy",
        {"format": "json", "purpose": "當事人以電子郵件申請"},
        content_type="application/json",
    )
    assert copy.status_code == 200 and json.loads(copy.content)["customer_number"] == wang.number

    bad = api.post(
        f"{API}/privacy/requests",
        {"customer_number": wang.number, **VALUES, "identity_method": "other"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "identity_note" in bad.json()["errors"]
    assert api.get(f"{API}/privacy/requests/{2**70}").status_code == 422
    assert api.get(f"{API}/privacy/requests", {"offset": -1}).status_code == 422
    assert api_client(therapist_a).get(f"{API}/privacy/requests").status_code == 403
    other = api_client(cs_b)
    assert other.get(f"{API}/privacy/requests/{request_id}").status_code == 404
    assert (
        other.post(
            f"{API}/privacy/requests",
            {"customer_number": wang.number, **VALUES},
            content_type="application/json",
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_retention_purges_old_uploads_and_dead_survey_links(wang, cs_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    old, fresh = (
        ImportJob(created_by=cs_a, original_name="a.csv"),
        ImportJob(created_by=cs_a, original_name="b.csv"),
    )
    for job in (old, fresh):
        job.file.save("import.csv", ContentFile(b"name\n"), save=True)
    ImportJob.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=31))
    old_path = old.file.path
    purchase = package_sold(customer=wang, by=cs_a)
    other = package_sold(customer=wang, by=cs_a)
    base = {
        "kind": "package_completed",
        "branch": wang.branch,
        "customer": wang,
        "recipient_name": NAME,
        "channel": "sms",
        "recipient": "+886912345678",
        "sent_by": cs_a,
    }
    dead = Survey.objects.create(
        **base,
        purchase=purchase,
        nonce="a" * 16,
        sent_at=now - dt.timedelta(days=100),
        expires_at=now - dt.timedelta(days=61),
    )
    live = Survey.objects.create(
        **base,
        purchase=other,
        nonce="b" * 16,
        sent_at=now - dt.timedelta(days=40),
        expires_at=now - dt.timedelta(days=10),
    )

    assert retention_purge() == {"import_uploads": 1, "survey_tokens": 1}

    old.refresh_from_db()
    assert not old.file and not (tmp_path / "media" / old_path).exists()
    assert ImportJob.objects.get(pk=fresh.pk).file
    dead.refresh_from_db(), live.refresh_from_db()
    assert dead.nonce == "" and dead.recipient == ""
    assert live.nonce == "b" * 16
