"""The treatments API: catalogue, purchases, reversals, packages and session use."""

import datetime as dt

import pytest
from django.utils import timezone

from careloop.treatments.models import Purchase, SessionUse, TreatmentPackage
from careloop.treatments.services import session_use
from tests.factories import ProductFactory, package_sold

pytestmark = pytest.mark.django_db


# --- catalogue ---------------------------------------------------------------------------


def test_staff_read_the_catalogue_but_only_administrators_write_it(
    api_desk, api_admin, ten_sessions
):
    # given staff and an administrator
    listed = api_desk.get("/catalogue/packages").json()
    assert [p["name"] for p in listed] == [ten_sessions.name]
    assert listed[0]["category_label"] == "物理治療"
    new = {
        "name": "震波治療 5 堂",
        "category": "pain_management",
        "sessions": 5,
        "price": 15000,
        "validity_months": 4,
    }
    # when front desk tries to add a package, then 403
    response = api_desk.post("/catalogue/packages", new)
    assert response.status_code == 403
    assert "系統管理員" in response.json()["detail"]
    # when the administrator adds it, then 201 and it is on sale
    response = api_admin.post("/catalogue/packages", new)
    assert response.status_code == 201, response.json()
    assert response.json()["is_active"] is True
    # when the administrator changes only the price, then the rest stays
    package_id = response.json()["id"]
    response = api_admin.patch(f"/catalogue/packages/{package_id}", {"price": 14000})
    assert response.status_code == 200
    assert (response.json()["price"], response.json()["sessions"]) == (14000, 5)
    assert api_desk.patch(f"/catalogue/packages/{package_id}", {"price": 1}).status_code == 403


def test_bad_catalogue_input_is_422_with_field_names(api_admin, ten_sessions):
    response = api_admin.post(
        "/catalogue/packages",
        {"name": ten_sessions.name, "category": "massage", "sessions": 0, "price": "abc"},
    )
    assert response.status_code == 422
    assert {"name", "category", "sessions", "price", "validity_months"} <= set(
        response.json()["errors"]
    )
    assert TreatmentPackage.objects.count() == 1


def test_products_are_listed_added_and_retired(api_desk, api_admin):
    response = api_admin.post("/catalogue/products", {"name": "護腰支撐帶", "price": 1280})
    assert response.status_code == 201
    product_id = response.json()["id"]
    assert response.json()["category"] == "health_products"
    retired = api_admin.patch(f"/catalogue/products/{product_id}", {"is_active": False})
    assert retired.json()["is_active"] is False
    assert api_desk.get("/catalogue/products").json() == []
    everything = api_desk.get("/catalogue/products", {"include_inactive": True}).json()
    assert [p["name"] for p in everything] == ["護腰支撐帶"]
    assert api_admin.patch("/catalogue/products/999", {"price": 1}).status_code == 404


# --- purchases and sessions --------------------------------------------------------------


def test_purchase_then_session_then_packages(api_desk, customer_a, ten_sessions, front_desk):
    number = customer_a.number
    # when a package is bought through the API with no amount
    response = api_desk.post(
        f"/customers/{number}/purchases",
        {"package": ten_sessions.pk, "promotion": "新客體驗價"},
    )
    assert response.status_code == 201, response.json()
    sale = response.json()
    assert (sale["amount"], sale["sessions"], sale["sessions_remaining"]) == (12000, 10, 10)
    assert sale["salesperson"]["id"] == front_desk.pk
    # and a session is used without naming the package
    response = api_desk.post(f"/customers/{number}/session-uses", {"note": "肩頸放鬆"})
    assert response.status_code == 201, response.json()
    assert response.json()["sessions_remaining"] == 9
    # then the packages list shows what is left, when it expires, and its status
    [line] = api_desk.get(f"/customers/{number}/packages").json()
    assert line["purchase_id"] == sale["id"]
    assert (line["sessions_remaining"], line["status"], line["status_label"]) == (
        9,
        "active",
        "有效",
    )
    assert line["expires_on"] == sale["expires_on"]
    assert line["last_used_on"] == timezone.localdate().isoformat()
    # and the history lists the sale
    assert [p["kind"] for p in api_desk.get(f"/customers/{number}/purchases").json()] == ["sale"]


def test_session_of_an_expired_package_is_409_and_changes_nothing(
    api_desk, customer_a, ten_sessions, front_desk
):
    long_ago = timezone.localdate() - dt.timedelta(days=200)
    sale = package_sold(
        customer=customer_a, by=front_desk, package=ten_sessions, purchased_on=long_ago
    )
    response = api_desk.post(
        f"/customers/{customer_a.number}/session-uses", {"purchase_id": sale.pk}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"療程「{ten_sessions.name}」已於 {sale.expires_on.isoformat()} 到期，無法使用。"
    )
    sale.refresh_from_db()
    assert sale.sessions_remaining == 10 and not SessionUse.objects.exists()
    # and without naming it there is nothing usable either
    response = api_desk.post(f"/customers/{customer_a.number}/session-uses", {})
    assert response.status_code == 409
    assert response.json()["detail"] == "此客戶沒有可使用的有效療程。"
    [line] = api_desk.get(f"/customers/{customer_a.number}/packages").json()
    assert line["status"] == "expired" and line["usable"] is False


def test_refund_and_cancel_are_new_rows_and_a_cancelled_package_refuses(
    api_desk, customer_a, ten_sessions, front_desk
):
    number = customer_a.number
    sale = package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    url = f"/customers/{number}/purchases/{sale.pk}/reverse"
    # a reason is required
    response = api_desk.post(url, {"kind": "refund", "amount": 1000})
    assert response.status_code == 422 and "reason" in response.json()["errors"]
    # a partial refund, then a cancellation of the rest
    refund = api_desk.post(
        url, {"kind": "refund", "amount": 2400, "sessions": 2, "reason": "療程調整"}
    )
    assert refund.status_code == 201
    assert (refund.json()["amount"], refund.json()["sessions"]) == (-2400, -2)
    cancel = api_desk.post(url, {"kind": "cancellation", "reason": "客戶搬家"})
    assert cancel.status_code == 201
    assert (cancel.json()["amount"], cancel.json()["sessions"]) == (-9600, -8)
    assert cancel.json()["reverses_id"] == sale.pk
    # then three rows exist, the sale untouched but for what it has left
    rows = api_desk.get(f"/customers/{number}/purchases").json()
    assert sorted(r["kind"] for r in rows) == ["cancellation", "refund", "sale"]
    sale.refresh_from_db()
    assert (sale.amount, sale.sessions_remaining) == (12000, 0)
    # and the cancelled package refuses a session
    response = api_desk.post(f"/customers/{number}/session-uses", {"purchase_id": sale.pk})
    assert response.status_code == 409
    assert response.json()["detail"] == f"療程「{ten_sessions.name}」已取消，無法使用。"
    [line] = api_desk.get(f"/customers/{number}/packages").json()
    assert line["status_label"] == "已取消"


def test_refund_beyond_what_is_left_is_422(api_desk, customer_a, ten_sessions, front_desk):
    sale = package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    response = api_desk.post(
        f"/customers/{customer_a.number}/purchases/{sale.pk}/reverse",
        {"kind": "refund", "amount": 20000, "sessions": 11, "reason": "x"},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) & {"amount", "sessions"}
    assert Purchase.objects.count() == 1


def test_bad_purchase_input_is_422_with_field_names(api_desk, customer_a):
    response = api_desk.post(
        f"/customers/{customer_a.number}/purchases",
        {"quantity": 0, "amount": -5, "purchased_on": "2026-13-01", "salesperson": 99999},
    )
    assert response.status_code == 422
    assert {"package", "quantity", "amount", "purchased_on", "salesperson"} <= set(
        response.json()["errors"]
    )
    response = api_desk.post(f"/customers/{customer_a.number}/purchases", {"colour": "red"})
    assert response.status_code == 422 and "colour" in response.json()["errors"]
    assert not Purchase.objects.exists()


def test_other_branch_gets_404_everywhere(api_therapist_b, customer_a, front_desk, ten_sessions):
    sale = package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    number = customer_a.number
    assert api_therapist_b.get(f"/customers/{number}/purchases").status_code == 404
    assert api_therapist_b.get(f"/customers/{number}/packages").status_code == 404
    assert api_therapist_b.get(f"/customers/{number}/suggestions").status_code == 404
    assert (
        api_therapist_b.post(
            f"/customers/{number}/purchases", {"package": ten_sessions.pk}
        ).status_code
        == 404
    )
    assert api_therapist_b.post(f"/customers/{number}/session-uses", {}).status_code == 404
    assert (
        api_therapist_b.post(
            f"/customers/{number}/purchases/{sale.pk}/reverse",
            {"kind": "cancellation", "reason": "x"},
        ).status_code
        == 404
    )
    sale.refresh_from_db()
    assert sale.sessions_remaining == 10 and Purchase.objects.count() == 1


def test_administrator_may_read_but_not_record_purchases(api_admin, customer_a, ten_sessions):
    assert api_admin.get(f"/customers/{customer_a.number}/purchases").status_code == 200
    response = api_admin.post(
        f"/customers/{customer_a.number}/purchases", {"package": ten_sessions.pk}
    )
    assert response.status_code == 403


def test_suggestions_over_the_api(api_desk, customer_a, ten_sessions, front_desk):
    ProductFactory(name="彈力帶（中阻力）", category="physiotherapy", price=450)
    package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    for _ in range(9):
        session_use(customer=customer_a, by=front_desk)
    found = api_desk.get(f"/customers/{customer_a.number}/suggestions").json()
    assert [(s["kind"], s["name"]) for s in found] == [
        ("package", ten_sessions.name),
        ("product", "彈力帶（中阻力）"),
    ]
    assert "剩 1 堂" in found[0]["reason"]
