"""The 療程/服務購買記錄 panel of the customer page and the catalogue page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careloop.treatments.models import Purchase, SessionUse
from careloop.treatments.services import purchase_record, purchase_reverse, session_use
from tests.factories import (
    ContactPlanFactory,
    CustomerFactory,
    InteractionFactory,
    ProductFactory,
    SatisfactionRecordFactory,
    TreatmentPackageFactory,
    package_sold,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _page(client, customer):
    return client.get(reverse("customers:detail", args=[customer.number]))


def test_ten_session_package_with_eight_used_shows_two_left(
    client, front_desk, customer_a, ten_sessions
):
    # given a 10-session package bought and 8 sessions used
    package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    for _ in range(8):
        session_use(customer=customer_a, by=front_desk)
    client.force_login(front_desk)
    # when the customer page is opened
    html = _page(client, customer_a).content.decode()
    # then the panel shows what is left, the expiry and the status
    assert 'id="packages-panel"' in html
    assert "剩 2 堂" in html
    assert Purchase.objects.get().expires_on.isoformat() in html
    assert "有效" in html and "使用一堂" in html


def test_using_a_session_of_an_expired_package_is_refused_and_changes_nothing(
    client, front_desk, customer_a, ten_sessions
):
    # given a package bought 7 months ago (valid 6 months), 3 sessions used back then
    long_ago = timezone.localdate() - dt.timedelta(days=213)
    sale = package_sold(
        customer=customer_a, by=front_desk, package=ten_sessions, purchased_on=long_ago
    )
    for _ in range(3):
        session_use(customer=customer_a, by=front_desk, used_on=long_ago)
    client.force_login(front_desk)
    # when staff press 使用一堂 on it
    response = client.post(
        reverse("treatments:session_use", args=[customer_a.number]),
        {"purchase_id": sale.pk},
        **HTMX,
    )
    # then the panel answers 422 with the reason in zh-Hant, and nothing changed
    assert response.status_code == 422
    html = response.content.decode()
    assert f"療程「{ten_sessions.name}」已於 {sale.expires_on.isoformat()} 到期，無法使用。" in html
    assert 'id="packages-panel"' in html and 'hx-swap-oob="true"' in html
    assert "已到期" in html
    sale.refresh_from_db()
    assert sale.sessions_remaining == 7
    assert SessionUse.objects.count() == 3


def test_general_button_uses_the_package_expiring_first(client, front_desk, customer_a):
    # given two packages, the older one expiring first
    older = package_sold(
        customer=customer_a,
        by=front_desk,
        package=TreatmentPackageFactory(validity_months=3),
        purchased_on=timezone.localdate() - dt.timedelta(days=30),
    )
    newer = package_sold(customer=customer_a, by=front_desk)
    client.force_login(front_desk)
    # when the general 使用一堂 is pressed
    response = client.post(reverse("treatments:session_use", args=[customer_a.number]), {}, **HTMX)
    # then the older package gave the session and the panel shows it
    assert response.status_code == 200
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.sessions_remaining, newer.sessions_remaining) == (9, 10)
    assert "剩 9 堂" in response.content.decode()


def test_no_usable_package_is_refused_with_a_message(client, front_desk, customer_a):
    client.force_login(front_desk)
    response = client.post(reverse("treatments:session_use", args=[customer_a.number]), {}, **HTMX)
    assert response.status_code == 422
    assert "此客戶沒有可使用的有效療程。" in response.content.decode()


def test_recording_a_purchase_defaults_the_amount_to_the_list_price(
    client, front_desk, customer_a, ten_sessions
):
    client.force_login(front_desk)
    # when a package is recorded with no amount, with a promotion
    response = client.post(
        reverse("treatments:purchase_add", args=[customer_a.number]),
        {
            "purchase-package": ten_sessions.pk,
            "purchase-quantity": 1,
            "purchase-promotion": "週年慶 9 折",
            "purchase-purchased_on": timezone.localdate().isoformat(),
        },
        **HTMX,
    )
    # then the sale carries the list price, the sessions and the recording user as salesperson
    assert response.status_code == 200
    sale = Purchase.objects.get()
    assert (sale.amount, sale.sessions_remaining, sale.salesperson) == (12000, 10, front_desk)
    html = response.content.decode()
    assert "NT$12,000" in html and "週年慶 9 折" in html and "剩 10 堂" in html


def test_purchase_form_errors_come_back_in_the_panel(client, front_desk, customer_a):
    client.force_login(front_desk)
    # when neither a package nor a product is chosen, and the date is in the future
    response = client.post(
        reverse("treatments:purchase_add", args=[customer_a.number]),
        {
            "purchase-quantity": 1,
            "purchase-purchased_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
        },
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "請選擇一個療程或一項產品" in html and "購買日期不可晚於今天。" in html
    assert not Purchase.objects.exists()


def test_refund_is_a_new_negative_row_and_needs_a_reason(
    client, front_desk, customer_a, ten_sessions
):
    sale = package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    client.force_login(front_desk)
    url = reverse("treatments:purchase_reverse", args=[customer_a.number, sale.pk])
    # when a refund is sent without a reason, then it is refused beside the field
    response = client.post(
        url, {"reverse-kind": "refund", "reverse-amount": 3000, "reverse-sessions": 3}, **HTMX
    )
    assert response.status_code == 422
    assert "請說明退費或取消的原因。" in response.content.decode()
    # when sent with a reason, then a new negative row is shown and the sale stays
    response = client.post(
        url,
        {
            "reverse-kind": "refund",
            "reverse-amount": 3000,
            "reverse-sessions": 3,
            "reverse-reason": "搬家，無法續來",
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "-NT$3,000" in html and "退費" in html and "剩 7 堂" in html
    assert Purchase.objects.count() == 2
    sale.refresh_from_db()
    assert sale.amount == 12000


def test_cancelled_package_shows_cancelled_and_offers_no_session(
    client, front_desk, customer_a, ten_sessions
):
    sale = package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    client.force_login(front_desk)
    client.post(
        reverse("treatments:purchase_reverse", args=[customer_a.number, sale.pk]),
        {"reverse-kind": "cancellation", "reverse-reason": "客戶改變心意"},
        **HTMX,
    )
    html = _page(client, customer_a).content.decode()
    assert "已取消" in html and "-NT$12,000" in html
    assert f'name="purchase_id" value="{sale.pk}"' not in html


def test_other_branch_gets_404_on_every_panel_url(
    client, therapist_b, front_desk, customer_a, ten_sessions
):
    sale = package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    client.force_login(therapist_b)
    number = customer_a.number
    for url, data in (
        (reverse("treatments:session_use", args=[number]), {}),
        (reverse("treatments:purchase_add", args=[number]), {"purchase-package": 1}),
        (
            reverse("treatments:purchase_reverse", args=[number, sale.pk]),
            {"reverse-kind": "cancellation", "reverse-reason": "x"},
        ),
    ):
        assert client.post(url, data).status_code == 404
    sale.refresh_from_db()
    assert sale.sessions_remaining == 10 and Purchase.objects.count() == 1


def test_another_customers_package_is_404(client, front_desk, customer_a, branch_a):
    other = CustomerFactory(branch=branch_a, created_by=front_desk)
    sale = package_sold(customer=other, by=front_desk)
    client.force_login(front_desk)
    response = client.post(
        reverse("treatments:session_use", args=[customer_a.number]), {"purchase_id": sale.pk}
    )
    assert response.status_code == 404


def test_suggestions_with_reasons_are_on_the_customer_page(
    client, front_desk, customer_a, ten_sessions
):
    ProductFactory(name="護腰支撐帶", category="physiotherapy", price=1280)
    package_sold(customer=customer_a, by=front_desk, package=ten_sessions)
    for _ in range(8):
        session_use(customer=customer_a, by=front_desk)
    client.force_login(front_desk)
    html = _page(client, customer_a).content.decode()
    assert "建議療程/產品" in html
    assert "剩 2 堂，建議續購同一療程。" in html
    assert "護腰支撐帶" in html and "曾購買物理治療療程" in html


def _page_queries(client, customer) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = _page(client, customer)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_customer_page_query_count_does_not_grow_with_purchases_or_interactions(
    client, front_desk, branch_a
):
    # given customers with 5 and 200 interactions, and with 1 and 20 purchases (with uses
    # and reversals)
    small = CustomerFactory(branch=branch_a, created_by=front_desk)
    large = CustomerFactory(branch=branch_a, created_by=front_desk)
    InteractionFactory.create_batch(5, customer=small, staff=front_desk)
    InteractionFactory.create_batch(200, customer=large, staff=front_desk)
    for customer in (small, large):
        ContactPlanFactory.create_batch(3, customer=customer, assignee=front_desk)
        SatisfactionRecordFactory.create_batch(2, customer=customer, recorded_by=front_desk)
    package_sold(customer=small, by=front_desk)
    session_use(customer=small, by=front_desk)
    product = ProductFactory()
    for n in range(20):
        if n % 2:
            sale = package_sold(customer=large, by=front_desk, package=TreatmentPackageFactory())
            session_use(customer=large, by=front_desk, purchase=sale)
        else:
            sale = purchase_record(customer=large, values={"product": product}, by=front_desk)
        if n % 5 == 0:
            purchase_reverse(sale=sale, kind="cancellation", by=front_desk, reason="測試")
    client.force_login(front_desk)
    _page_queries(client, small)  # warm the per-process caches (content types, roles)

    # when each page is rendered, then both run the same number of queries
    assert _page_queries(client, small) == _page_queries(client, large)


def test_catalogue_page_is_read_only_for_staff(client, front_desk, ten_sessions):
    ProductFactory(name="遠紅外線熱敷墊", price=1980)
    client.force_login(front_desk)
    response = client.get(reverse("treatments:catalogue"))
    html = response.content.decode()
    assert response.status_code == 200
    assert ten_sessions.name in html and "NT$12,000" in html and "6 個月" in html
    assert "遠紅外線熱敷墊" in html and "NT$1,980" in html
    assert "在管理後台維護目錄" not in html


def test_catalogue_page_links_administrators_to_the_admin(client, administrator):
    client.force_login(administrator)
    html = client.get(reverse("treatments:catalogue")).content.decode()
    assert "在管理後台維護目錄" in html and "目錄中尚無療程。" in html


def test_help_page_explains_treatments(client, front_desk):
    client.force_login(front_desk)
    html = client.get(reverse("help")).content.decode()
    assert "療程與購買" in html and "使用一堂（最先到期的療程）" in html


def test_help_page_has_no_template_syntax_left_in_its_text(client, front_desk):
    # A help item broken while being edited shows its tag's remains as text.
    client.force_login(front_desk)
    html = client.get(reverse("help")).content.decode()
    assert "%}" not in html and "{%" not in html and "{{" not in html
    assert "收合的表單" in html and "已結案與已歸檔的案件為唯讀" in html
