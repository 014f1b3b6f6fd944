"""A customer with every section of PT-F025 filled in, and a helper to read a PDF's text."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.utils import timezone

from careloop.customers.models import (
    Channel,
    ContactPurpose,
    CustomerType,
    EventKind,
    InteractionStatus,
    NeedsProfile,
    Reaction,
    SignOff,
    SignOffKind,
    Source,
)
from careloop.treatments.services import purchase_record
from tests.factories import (
    ContactPlanFactory,
    CustomerFactory,
    ImportantEventFactory,
    InteractionFactory,
    ProductFactory,
    SatisfactionRecordFactory,
    TreatmentPackageFactory,
    UserFactory,
    package_sold,
)

INTERACTION_COUNT = 7  # more than the paper's five rows


def pdf_text(pdf: bytes, *, layout: bool = True) -> str:
    """The text of a PDF as poppler's pdftotext reads it."""
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def poppler():
    if not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdffonts")):
        pytest.skip("poppler-utils (pdftotext, pdfinfo, pdffonts) is not installed")


@pytest.fixture
def consultant_a(branch_a):
    return UserFactory(
        username="consultant_a",
        full_name="陳美玲",
        home_branch=branch_a,
        roles=["sales_consultant"],
    )


@pytest.fixture
def full_customer(branch_a, front_desk, therapist_a, consultant_a, dept_head_a):
    """王小明 with interactions, needs, purchases, satisfaction, events, a plan, sign-offs."""
    front_desk.full_name = "林雅婷"
    front_desk.save(update_fields=["full_name"])
    therapist_a.full_name = "張志豪"
    therapist_a.save(update_fields=["full_name"])
    dept_head_a.full_name = "黃主任"
    dept_head_a.save(update_fields=["full_name"])
    customer = CustomerFactory(
        name="王小明",
        branch=branch_a,
        created_by=front_desk,
        phone="+886912345678",
        email="xiaoming.wang@example.com",
        customer_type=CustomerType.CURRENT,
        source=Source.OTHER,
        source_other="診所招牌",
        primary_therapist=therapist_a,
        sales_consultant=consultant_a,
        notes="軟體工程師，每天使用電腦超過 10 小時",
        needs=None,
    )
    NeedsProfile.objects.create(
        customer=customer,
        main_concerns="長期肩頸僵硬，久坐後下背痠痛",
        service_interests=["physiotherapy", "pain_management", "other"],
        service_interest_other="姿勢矯正",
        budget="standard",
        decision_factors=["efficacy", "convenience"],
    )
    start = timezone.now() - dt.timedelta(days=60)
    channels = [Channel.PHONE, Channel.MESSAGE, Channel.IN_PERSON, Channel.OTHER]
    reactions = [Reaction.POSITIVE, Reaction.NEUTRAL, Reaction.NEGATIVE]
    statuses = [InteractionStatus.DONE, InteractionStatus.IN_PROGRESS, InteractionStatus.PENDING]
    for n in range(INTERACTION_COUNT):
        InteractionFactory(
            customer=customer,
            occurred_at=start + dt.timedelta(days=7 * n),
            channel=channels[n % 4],
            reaction=reactions[n % 3],
            status=statuses[n % 3],
            staff=front_desk,
            summary=f"第{n + 1}次聯繫：詢問肩頸改善情形",
            follow_up_action=f"安排第{n + 2}次回診",
        )
    package = TreatmentPackageFactory(name="肩頸放鬆療程 10 堂組", price=12000)
    package_sold(
        customer=customer,
        by=front_desk,
        package=package,
        purchased_on=timezone.localdate() - dt.timedelta(days=30),
        promotion="新客首購九折",
        amount=10800,
        salesperson=consultant_a,
    )
    purchase_record(
        customer=customer,
        values={
            "product": ProductFactory(name="彈力帶組", price=600),
            "quantity": 2,
            "salesperson": consultant_a,
        },
        by=front_desk,
    )
    SatisfactionRecordFactory(
        customer=customer,
        score=9,
        recorded_on=timezone.localdate() - dt.timedelta(days=3),
        positive_feedback="治療師很專業，說明清楚",
        improvement_suggestions="希望增加週末時段",
        recorded_by=front_desk,
    )
    ImportantEventFactory(
        customer=customer,
        kind=EventKind.SERVICE_DELAY,
        description="預約時間延誤 20 分鐘",
        outcome="致歉並贈送熱敷一次",
        recorded_by=front_desk,
    )
    ContactPlanFactory(
        customer=customer,
        due_date=timezone.localdate() + dt.timedelta(days=5),
        purpose=ContactPurpose.EFFICACY_FOLLOW_UP,
        assignee=consultant_a,
    )
    SignOff.objects.create(customer=customer, kind=SignOffKind.RECORDER, signed_by=front_desk)
    SignOff.objects.create(customer=customer, kind=SignOffKind.SUPERVISOR, signed_by=dept_head_a)
    return customer
