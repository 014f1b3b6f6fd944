"""Reads: package status, last activity and the customer-type suggestion from purchases."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from careloop.customers.selectors import customer_last_activity, customer_type_suggestion
from careloop.treatments.demo import DEMO_PACKAGES, DEMO_PRODUCTS, catalogue_ensure_demo
from careloop.treatments.models import Product, Purchase, TreatmentPackage
from careloop.treatments.selectors import customer_packages, customer_purchases
from careloop.treatments.services import (
    catalogue_item_save,
    purchase_record,
    purchase_reverse,
    session_use,
)
from tests.factories import CustomerFactory, ProductFactory, TreatmentPackageFactory, package_sold

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _days_ago(n):
    return TODAY() - dt.timedelta(days=n)


def test_a_customer_without_purchases_is_suggested_prospect(customer_a):
    suggestion = customer_type_suggestion(customer=customer_a)
    assert suggestion.customer_type == "prospect"
    assert customer_last_activity(customer=customer_a) is None


def test_a_recent_purchase_makes_a_current_customer(customer_a, front_desk):
    purchase_record(
        customer=customer_a,
        values={"product": ProductFactory(), "purchased_on": _days_ago(30)},
        by=front_desk,
    )
    suggestion = customer_type_suggestion(customer=customer_a)
    assert suggestion.customer_type == "current"
    assert "30 天前" in suggestion.reason


def test_an_old_purchase_makes_a_lost_customer(customer_a, front_desk):
    package_sold(customer=customer_a, by=front_desk, purchased_on=_days_ago(400))
    suggestion = customer_type_suggestion(customer=customer_a)
    assert suggestion.customer_type == "lost"
    assert "已 400 天沒有購買或到診" in suggestion.reason


def test_a_recent_visit_on_an_old_package_keeps_the_customer_current(customer_a, front_desk):
    # given a 12-month package bought 300 days ago, used 10 days ago
    package_sold(
        customer=customer_a,
        by=front_desk,
        package=TreatmentPackageFactory(validity_months=12),
        purchased_on=_days_ago(300),
    )
    session_use(customer=customer_a, by=front_desk, used_on=_days_ago(10))
    assert customer_last_activity(customer=customer_a) == _days_ago(10)
    assert customer_type_suggestion(customer=customer_a).customer_type == "current"


def test_vip_stays_vip_whatever_the_purchases(front_desk, branch_a):
    vip = CustomerFactory(branch=branch_a, created_by=front_desk, customer_type="vip")
    package_sold(customer=vip, by=front_desk, purchased_on=_days_ago(400))
    assert customer_type_suggestion(customer=vip).customer_type == "vip"


def test_package_statuses(customer_a, front_desk):
    active = package_sold(customer=customer_a, by=front_desk)
    expired = package_sold(customer=customer_a, by=front_desk, purchased_on=_days_ago(400))
    used_up = package_sold(
        customer=customer_a, by=front_desk, package=TreatmentPackageFactory(sessions=1)
    )
    session_use(customer=customer_a, by=front_desk, purchase=used_up)
    cancelled = package_sold(customer=customer_a, by=front_desk)
    purchase_reverse(sale=cancelled, kind="cancellation", by=front_desk, reason="改變心意")
    refunded = package_sold(customer=customer_a, by=front_desk)
    purchase_reverse(
        sale=refunded, kind="refund", by=front_desk, reason="退費", amount=12000, sessions=10
    )

    lines = customer_packages(purchases=customer_purchases(customer=customer_a), today=TODAY())

    status = {line.id: line.status_label for line in lines}
    assert status == {
        active.pk: "有效",
        expired.pk: "已到期",
        used_up.pk: "已用完",
        cancelled.pk: "已取消",
        refunded.pk: "已退費",
    }
    assert lines[0].id == active.pk  # usable first


def test_demo_catalogue_is_created_once(db):
    assert catalogue_ensure_demo() == (len(DEMO_PACKAGES), len(DEMO_PRODUCTS))
    assert catalogue_ensure_demo() == (0, 0)
    neck = TreatmentPackage.objects.get(name="肩頸舒緩物理治療 10 堂")
    assert (neck.sessions, neck.price, neck.validity_months) == (10, 12000, 6)
    assert TreatmentPackage.objects.count() >= 8 and Product.objects.count() >= 6


def test_only_administrators_keep_the_catalogue(front_desk, administrator):
    with pytest.raises(PermissionDenied):
        catalogue_item_save(item=Product(), values={"name": "x", "price": 1}, by=front_desk)
    product = catalogue_item_save(
        item=Product(), values={"name": "護腰支撐帶", "price": 1280}, by=administrator
    )
    assert product.history.get().history_user == administrator


def test_renaming_a_package_keeps_what_was_sold(customer_a, front_desk, administrator):
    sale = package_sold(customer=customer_a, by=front_desk)
    catalogue_item_save(item=sale.package, values={"name": "新名稱", "price": 1}, by=administrator)
    sale = Purchase.objects.get(pk=sale.pk)
    assert sale.item_name != "新名稱" and sale.amount == 12000


def test_a_cancelled_sale_cannot_be_reversed_again_and_an_empty_refund_is_refused(
    customer_a, front_desk
):
    sale = package_sold(customer=customer_a, by=front_desk)
    with pytest.raises(ValidationError, match="請填寫退費金額或退回堂數"):
        purchase_reverse(sale=sale, kind="refund", by=front_desk, reason="x")
    purchase_reverse(sale=sale, kind="cancellation", by=front_desk, reason="改變心意")
    with pytest.raises(ValidationError, match="已取消"):
        purchase_reverse(sale=sale, kind="refund", by=front_desk, reason="x", amount=1)
    assert Purchase.objects.filter(customer=customer_a).count() == 2
