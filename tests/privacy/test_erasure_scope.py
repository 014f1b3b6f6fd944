"""Review findings 1, 2, 6, 7, 8 and 9: an erasure changes only what is about the erased
person (never another customer's rows, never a held complaint's, never another's files), keeps
nothing of the request's own words, deletes files only once it has committed, and a request
follows its customer's current branch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from careloop.access.models import PersonalDataRead
from careloop.compensation.models import Compensation, Settlement
from careloop.complaints.models import Complaint, Evidence
from careloop.customers.models import Customer, Interaction
from careloop.privacy import services
from careloop.privacy.erasure import customer_erase, holds_release, sweep_models
from careloop.privacy.models import DataSubjectRequest, ErasureLog
from careloop.privacy.registry import _REGISTRY as REGISTRY
from careloop.privacy.registry import Contributor, register, text_fields
from careloop.surveys.models import Survey, SurveyKind, SurveyResponse
from tests.factories import CustomerFactory, InteractionFactory
from tests.privacy.conftest import API, NAME, PHONE, PHONE_FORMS, api_client, close
from tests.privacy.scan import row_complaint, table_hits

NEEDLES = (NAME, *PHONE_FORMS)


def erasure_request(customer, by, **values):
    return services.request_create(
        customer=customer,
        values={"kind": "erasure", "channel": "letter", "identity_method": "document", **values},
        by=by,
    )


def erase(customer, cs_a, head, capture, **values):
    request = erasure_request(customer, cs_a, **values)
    with capture(execute=True):
        return services.request_erase(request=request, by=head)


@pytest.fixture
def others(branch_a, cs_a, make_complaint):
    """A second 王小明 (another phone), his mother sharing 王小明's phone, and 王小明美; each
    with a complaint of their own under the 5.6.3 hold."""
    now = timezone.now()
    twin = CustomerFactory(
        name=NAME, phone="+886922000111", branch=branch_a, created_by=cs_a, notes="王小明 二號"
    )
    mother = CustomerFactory(
        name="王太太", phone=PHONE, branch=branch_a, created_by=cs_a, notes="王小明 的母親"
    )
    meimei = CustomerFactory(name="王小明美", branch=branch_a, created_by=cs_a)
    InteractionFactory(customer=twin, staff=cs_a, created_by=cs_a, summary="王小明 詢問課程")
    twin_case = close(
        make_complaint(
            customer=twin,
            complainant_name=NAME,
            complainant_phone="+886922000111",
            description="王小明 反映停車不便。",
        ),
        at=now - dt.timedelta(days=10),
    )
    mother_case = close(
        make_complaint(
            customer=mother,
            complainant_name="王太太",
            complainant_phone=PHONE,
            description="王太太（0912-345-678）反映冷氣太冷。",
        ),
        at=now - dt.timedelta(days=10),
    )
    evidence = Evidence(complaint=twin_case, kind="record", title="錄音", added_by=cs_a)
    evidence.file.save("twin.txt", ContentFile(f"{NAME} 的陳述".encode()), save=True)
    return {
        "twin": twin,
        "mother": mother,
        "meimei": meimei,
        "twin_case": twin_case,
        "mother_case": mother_case,
        "twin_evidence": evidence.file.name,
    }


def snapshot(customer: Customer) -> tuple:
    customer.refresh_from_db()
    return (customer.name, customer.phone, customer.notes)


# --- finding 1 ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasure_leaves_another_customers_rows_and_held_complaints_alone(
    story, wang, others, cs_a, dept_head_a, django_capture_on_commit_callbacks
):
    twin, mother, meimei = others["twin"], others["mother"], others["meimei"]
    before = {c.pk: snapshot(c) for c in (twin, mother, meimei)}
    cases_before = {
        c.pk: (c.complainant_name, c.complainant_phone, c.description)
        for c in Complaint.objects.filter(pk__in=[others["twin_case"].pk, others["mother_case"].pk])
    }
    other_history = {
        c.pk: list(Customer.history.filter(id=c.pk).values_list("name", "phone", "notes"))
        for c in (twin, mother)
    }
    orphan = default_storage.save("stray/list.txt", ContentFile(f"{NAME} 0912345678".encode()))

    erase(wang, cs_a, dept_head_a, django_capture_on_commit_callbacks)

    # the other customers, their history and their own held complaints are as they were
    assert {c.pk: snapshot(c) for c in (twin, mother, meimei)} == before
    assert {
        c.pk: (c.complainant_name, c.complainant_phone, c.description)
        for c in Complaint.objects.filter(pk__in=cases_before)
    } == cases_before
    for c in (twin, mother):
        assert (
            list(Customer.history.filter(id=c.pk).values_list("name", "phone", "notes"))
            == (other_history[c.pk])
        )
    assert Interaction.objects.get(customer=twin).summary == "王小明 詢問課程"
    # another person's evidence stays; a file nobody's row refers to goes
    assert default_storage.exists(others["twin_evidence"])
    assert not default_storage.exists(orphan)
    # the Done-when: every hit left is the held complaint's, or a row of another person
    wang.refresh_from_db()
    mine = {story["held"].pk}
    for label, row_id, _column in table_hits(NEEDLES):
        if row_complaint(label, row_id) in mine:
            continue
        assert label not in ("customers.Customer", "customers.HistoricalCustomer") or (
            row_id != wang.pk
        ), (label, row_id)
        assert _belongs_to_another(label, row_id, wang.pk, others), (label, row_id)
    # what was left alone is listed, per table
    counts = ErasureLog.objects.get(customer_id_erased=wang.pk).counts
    assert counts["not_changed:customers.Customer"] == 3  # the twin, the mother, 王小明美
    assert counts["not_changed:complaints.Complaint"] == 2
    assert counts["not_changed:files"] == 1


@pytest.mark.django_db
def test_the_request_page_lists_what_was_left_for_another_record(
    client, wang, others, cs_a, dept_head_a, django_capture_on_commit_callbacks
):
    request = erase(wang, cs_a, dept_head_a, django_capture_on_commit_callbacks)
    client.force_login(dept_head_a)

    page = client.get(reverse("privacy:detail", args=[request.pk])).content.decode()

    assert "未變更：屬於其他記錄" in page and "上傳檔案：1 筆" in page


def _belongs_to_another(label: str, row_id: int, erased_id: int, others: dict) -> bool:
    from django.apps import apps

    model = apps.get_model(label)
    other_customers = {others["twin"].pk, others["mother"].pk, others["meimei"].pk}
    other_cases = {others["twin_case"].pk, others["mother_case"].pk}
    if label in ("customers.Customer", "customers.HistoricalCustomer"):
        return row_id in other_customers
    if label in ("complaints.Complaint", "complaints.HistoricalComplaint"):
        return row_id in other_cases
    id_name = "id" if hasattr(model, "history_id") else model._meta.pk.attname
    row = model._base_manager.filter(**{id_name: row_id})
    names = {f.name for f in model._meta.concrete_fields}
    if "customer" in names and row.filter(customer_id__in=other_customers).exists():
        return True
    return "complaint" in names and row.filter(complaint_id__in=other_cases).exists()


# --- finding 6 ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_settlement_of_an_old_anonymous_complaint_under_his_phone_is_deleted(
    wang, cs_a, dept_head_a, make_complaint, django_capture_on_commit_callbacks
):
    case = close(
        make_complaint(complainant_name="匿名", complainant_phone=PHONE),
        at=timezone.now() - dt.timedelta(days=4 * 365),
    )
    assert case.customer_id is None
    compensation = Compensation.objects.create(
        complaint=case, branch=case.branch, kind="gift", description="禮券", value=500,
        requested_by=cs_a,
    )  # fmt: skip
    settlement = Settlement(
        compensation=compensation, signed_on=timezone.localdate(), signed_by="匿名",
        recorded_by=cs_a,
    )  # fmt: skip
    settlement.file.save("signed.pdf", ContentFile(b"%PDF-1.4 signed"), save=True)
    name = settlement.file.name

    erase(wang, cs_a, dept_head_a, django_capture_on_commit_callbacks)

    assert not default_storage.exists(name)
    assert Settlement.objects.get(pk=settlement.pk).file.name == ""


# --- finding 7 ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_survey_of_a_held_complaint_is_kept_whole_until_the_hold_ends(
    story, wang, cs_a, dept_head_a, clock, django_capture_on_commit_callbacks
):
    held = story["held"]
    now = timezone.now()
    survey = Survey.objects.create(
        kind=SurveyKind.COMPLAINT_RESOLVED, branch=held.branch, complaint=held, customer=wang,
        recipient_name=NAME, channel="sms", recipient=PHONE, nonce="h" * 16, sent_at=now,
        expires_at=now + dt.timedelta(days=30), sent_by=cs_a,
    )  # fmt: skip
    SurveyResponse.objects.create(
        survey=survey, satisfaction=3, recommend=2, went_well="", to_improve="王小明 希望更快回覆",
        answered_at=now,
    )  # fmt: skip

    erase(wang, cs_a, dept_head_a, django_capture_on_commit_callbacks)

    survey.refresh_from_db()
    assert (survey.recipient_name, survey.recipient, survey.nonce) == (NAME, PHONE, "h" * 16)
    assert SurveyResponse.objects.get(survey=survey).to_improve == "王小明 希望更快回覆"
    assert Survey.history.filter(id=survey.pk).values_list("recipient_name", flat=True)[0] == NAME

    # when the hold ends, the evaluation's free text and contact go too (the scores stay)
    clock.move_to(held.retention_until + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        holds_release()
    survey.refresh_from_db()
    response = SurveyResponse.objects.get(survey=survey)
    assert (survey.recipient, survey.nonce, response.to_improve) == ("", "", "")
    assert response.satisfaction == 3
    assert set(
        SurveyResponse.history.filter(survey_id=survey.pk).values_list("to_improve", flat=True)
    ) == {""}


# --- finding 8 ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_requests_own_words_leave_the_table_and_its_history(
    wang, cs_a, dept_head_a, django_capture_on_commit_callbacks
):
    id_card = "A123456789"
    earlier = services.request_create(
        customer=wang,
        values={
            "kind": "copy", "channel": "in_person", "identity_method": "id_card",
            "identity_note": f"身分證 {id_card}", "details": "想看自己的資料",
        },
        by=cs_a,
    )  # fmt: skip
    services.request_complete(request=earlier, answer="已交付複本", by=cs_a)

    erase(
        wang, cs_a, dept_head_a, django_capture_on_commit_callbacks,
        identity_note=f"身分證 {id_card}", details="請刪除我全部資料，我住在中山路 1 號",
    )  # fmt: skip

    rows = list(DataSubjectRequest.objects.values_list("details", "identity_note")) + list(
        DataSubjectRequest.history.values_list("details", "identity_note")
    )
    assert len(rows) >= 5
    assert all(details == "" and note == "" for details, note in rows), rows


# --- finding 9 ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_skips_choices_and_the_read_log():
    assert not [m for m in sweep_models() if m._meta.app_label == "access"]
    assert "state" not in text_fields(Complaint) and "channel" not in text_fields(Complaint)
    assert "description" in text_fields(Complaint)


@pytest.mark.django_db
def test_a_rolled_back_erasure_deletes_no_file(story, wang, cs_a, settings):
    released = story["released"]
    evidence = Evidence.objects.get(complaint=released).file.name
    files_before = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())

    def fail(ctx):
        raise RuntimeError("the disk is full")

    register(Contributor(key="zz_fails", label="失敗", order=99, erase=fail))
    try:
        with pytest.raises(RuntimeError):
            customer_erase(customer=wang, by=None)
    finally:
        REGISTRY.pop("zz_fails")

    assert default_storage.exists(evidence)
    files_after = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert files_after == files_before


# --- finding 2 and the read log ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_follows_its_customer_to_another_branch(
    client, wang, cs_a, cs_b, dept_head_a, branch_b
):
    copy = services.request_create(
        customer=wang,
        values={"kind": "copy", "channel": "in_person", "identity_method": "id_card"},
        by=cs_a,
    )
    erasure = erasure_request(wang, cs_a)
    Customer.objects.filter(pk=wang.pk).update(branch=branch_b)
    client.force_login(cs_a)

    assert client.get(reverse("privacy:detail", args=[copy.pk])).status_code == 404
    posted = client.post(
        reverse("privacy:copy", args=[copy.pk]), {"format": "json", "purpose": "x"}
    )
    assert posted.status_code == 404
    assert copy.pk not in [r.pk for r in client.get(reverse("privacy:list")).context["page"]]
    assert api_client(cs_a).get(f"{API}/privacy/requests/{copy.pk}").status_code == 404
    with pytest.raises(PermissionDenied):
        services.copy_download_record(request=copy, fmt="json", purpose="x", by=cs_a)
    with pytest.raises(PermissionDenied):
        services.request_erase(request=erasure, by=dept_head_a)
    with pytest.raises(PermissionDenied):
        services.request_extend(request=copy, reason="資料量大", by=cs_a)
    # the new branch's staff now handle it
    assert api_client(cs_b).get(f"{API}/privacy/requests/{copy.pk}").status_code == 200


@pytest.mark.django_db
def test_the_copy_download_is_in_the_read_log(client, wang, cs_a):
    request = services.request_create(
        customer=wang,
        values={"kind": "copy", "channel": "in_person", "identity_method": "id_card"},
        by=cs_a,
    )
    client.force_login(cs_a)
    client.post(reverse("privacy:copy", args=[request.pk]), {"format": "pdf", "purpose": "臨櫃"})
    api_client(cs_a).post(
        f"{API}/privacy/requests/{request.pk}/copy",
        {"format": "json", "purpose": "臨櫃"},
        content_type="application/json",
    )

    reads = PersonalDataRead.objects.filter(customer=wang).values_list("kind", flat=True)
    assert sorted(reads) == ["export", "print"]
