"""factory_boy factories for the whole suite. Names are zh-TW as the clinics' data is."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from faker import Faker

from careloop.accounts.models import Branch, Department, Role, User
from careloop.accounts.services import roles_ensure_defaults
from careloop.customers.models import (
    Channel,
    ContactPlan,
    ContactPurpose,
    Customer,
    ImportantEvent,
    Interaction,
    NeedsProfile,
    Reaction,
    SatisfactionRecord,
)

fake = Faker("zh_TW")


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"b{n}")
    name = factory.Sequence(lambda n: f"第{n}分院")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = "customer_service"
    name = "客戶服務部"


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member. `roles=["therapist"]` gives roles by code."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    full_name = factory.LazyFunction(fake.name)
    home_branch = factory.SubFactory(BranchFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw-test-1234")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            # Transactional (browser) tests flush the rows the migration created; restore them.
            roles_ensure_defaults()
            self.roles.set(Role.objects.filter(code__in=extracted))
        self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"C{9000000 + n:07d}")
    name = factory.LazyFunction(fake.name)
    phone = factory.Sequence(lambda n: f"+8869{10000000 + n:08d}")
    branch = factory.SubFactory(BranchFactory)
    created_by = factory.SubFactory(UserFactory, home_branch=factory.SelfAttribute("..branch"))
    needs = factory.RelatedFactory(
        "tests.factories.NeedsProfileFactory", factory_related_name="customer"
    )


class NeedsProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NeedsProfile

    customer = factory.SubFactory(CustomerFactory, needs=None)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    channel = Channel.PHONE
    staff = factory.SelfAttribute("customer.created_by")
    created_by = factory.SelfAttribute("staff")
    summary = "電話關懷，詢問肩頸疼痛改善情形"
    reaction = Reaction.NEUTRAL


class ContactPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPlan

    customer = factory.SubFactory(CustomerFactory)
    due_date = factory.LazyFunction(timezone.localdate)
    purpose = ContactPurpose.ROUTINE_CARE
    assignee = factory.SelfAttribute("customer.created_by")
    created_by = factory.SelfAttribute("assignee")


class SatisfactionRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SatisfactionRecord

    customer = factory.SubFactory(CustomerFactory)
    score = 8
    recorded_by = factory.SelfAttribute("customer.created_by")


class ImportantEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportantEvent

    customer = factory.SubFactory(CustomerFactory)
    kind = "service_delay"
    description = "預約時間延誤 20 分鐘"
    recorded_by = factory.SelfAttribute("customer.created_by")


class TreatmentPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "treatments.TreatmentPackage"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"肩頸放鬆療程 {n} 堂組")
    category = "physiotherapy"
    sessions = 10
    price = 12000
    validity_months = 6


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "treatments.Product"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"彈力帶 {n} 號")
    category = "health_products"
    price = 450


def package_sold(*, customer, by, package=None, purchased_on=None, **values):
    """A package sale through the service, as the clinic records it."""
    from careloop.treatments.services import purchase_record

    return purchase_record(
        customer=customer,
        values={
            "package": package or TreatmentPackageFactory(),
            "purchased_on": purchased_on or timezone.localdate(),
            **values,
        },
        by=by,
    )
