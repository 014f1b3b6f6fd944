"""王小明 with a whole story: interactions, a purchase, complaints (one inside PT-P020 5.6.3's
three years, one past them), a compensation, a survey answer, consent changes, messages in
the file logs and the mail folder, uploads in the media folder, a staff notice naming him."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail as django_mail
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from careloop.accounts.services import api_token_create
from careloop.compensation.models import Compensation
from careloop.complaints.models import Complaint, Evidence, State
from careloop.customers.services import customer_update
from careloop.messaging.services import message_send
from careloop.notifications.models import Notification
from careloop.surveys.models import Survey, SurveyKind, SurveyResponse
from careloop.transfer.models import ImportJob
from tests.complaints.conftest import make_complaint  # noqa: F401  (shared fixture)
from tests.factories import (
    CustomerFactory,
    InteractionFactory,
    TreatmentPackageFactory,
    UserFactory,
    package_sold,
)

NAME = "王小明"
PHONE = "+886912345678"
PHONE_FORMS = ("+886912345678", "0912345678", "0912-345-678")
API = "/api/v1"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    """Every file the erasure reaches lives in this test's own folders."""
    settings.MESSAGING_LOG_DIR = tmp_path / "messages"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CARELOOP_ERASURE_LOG_FILE = tmp_path / "privacy" / "erasures.jsonl"
    return tmp_path


@pytest.fixture
def cs_b(branch_b, departments):
    return UserFactory(
        username="cs_b",
        home_branch=branch_b,
        department=departments["customer_service"],
        roles=["customer_service"],
    )


@pytest.fixture
def wang(branch_a, cs_a):
    customer = CustomerFactory(
        name=NAME,
        phone=PHONE,
        email="wang@example.test",
        branch=branch_a,
        created_by=cs_a,
        notes="王小明 喜歡早上來。",
    )
    customer_update(customer=customer, values={"consent_sms": True}, by=cs_a)
    customer_update(customer=customer, values={"consent_line": True, "consent_sms": False}, by=cs_a)
    return customer


def close(complaint: Complaint, *, at: dt.datetime) -> Complaint:
    Complaint.objects.filter(pk=complaint.pk).update(state=State.CLOSED, closed_at=at)
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def story(wang, cs_a, make_complaint, django_capture_on_commit_callbacks, settings):  # noqa: F811
    """Everything about 王小明; answers the held and the released complaint."""
    now = timezone.now()
    InteractionFactory(
        customer=wang, staff=cs_a, created_by=cs_a, summary="王小明 來電詢問肩頸療程"
    )
    purchase = package_sold(
        customer=wang,
        by=cs_a,
        package=TreatmentPackageFactory(name="肩頸舒緩 10 堂", sessions=10, price=3000),
    )
    held = close(
        make_complaint(
            customer=wang,
            complainant_name=NAME,
            complainant_phone=PHONE,
            description="王小明 反映治療師遲到。",
        ),
        at=now - dt.timedelta(days=30),
    )
    released = close(
        make_complaint(
            customer=wang,
            complainant_name=NAME,
            complainant_phone=PHONE,
            description="王小明（0912-345-678）反映櫃台態度。",
        ),
        at=now - dt.timedelta(days=4 * 365),
    )
    Compensation.objects.create(
        complaint=released,
        branch=released.branch,
        customer=wang,
        kind="gift",
        description="致贈 王小明 保健品一份",
        value=500,
        requested_by=cs_a,
    )
    Compensation.objects.create(
        complaint=held,
        branch=held.branch,
        customer=wang,
        kind="discount",
        description="王小明 下次療程九折",
        value=300,
        requested_by=cs_a,
    )
    survey = Survey.objects.create(
        kind=SurveyKind.COMPLAINT_RESOLVED,
        branch=released.branch,
        complaint=released,
        customer=wang,
        recipient_name=NAME,
        channel="sms",
        recipient=PHONE,
        nonce="n" * 16,
        sent_at=now,
        expires_at=now + dt.timedelta(days=30),
        sent_by=cs_a,
    )
    SurveyResponse.objects.create(
        survey=survey,
        satisfaction=8,
        recommend=9,
        went_well="王小明 說處理很快",
        to_improve="",
        answered_at=now,
    )
    with django_capture_on_commit_callbacks(execute=True):
        message_send(
            channel="sms",
            to=PHONE,
            subject="",
            body=f"{NAME} 您好，提醒您明天的療程。",
            customer=wang,
            by=cs_a,
            key="test:sms:1",
        )
        message_send(
            channel="sms",
            to="+886900000001",
            subject="",
            body="陳大文 您好，提醒您明天的療程。",
            by=cs_a,
            key="test:sms:2",
        )
    connection = django_mail.get_connection(
        "django.core.mail.backends.filebased.EmailBackend", file_path=str(settings.EMAIL_FILE_PATH)
    )
    django_mail.EmailMessage(
        f"{NAME} 您好",
        "您的療程將於明天開始，電話 0912-345-678。",
        to=["wang@example.test"],
        connection=connection,
    ).send()
    django_mail.EmailMessage(
        "陳大文 您好", "明天見。", to=["chen@example.test"], connection=connection
    ).send()
    for complaint, title in ((held, "held"), (released, "released")):
        evidence = Evidence(
            complaint=complaint, kind="record", title=f"{title} 錄音", added_by=cs_a
        )
        evidence.file.save(
            f"{title}.txt", ContentFile(f"{NAME} 的陳述 {title}".encode()), save=True
        )
    job = ImportJob(created_by=cs_a, original_name="名單.csv")
    job.file.save("import.csv", ContentFile(f"姓名,電話\n{NAME},0912345678\n".encode()), save=True)
    Notification.objects.create(recipient=cs_a, key="k1", title=f"{NAME} 的客訴已結案", body="")
    return {"held": held, "released": released, "purchase": purchase}


def api_client(user) -> Client:
    _token, key = api_token_create(user=user, name="pytest")
    return Client(headers={"authorization": f"Bearer {key}"})


def media_path(settings, name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name
