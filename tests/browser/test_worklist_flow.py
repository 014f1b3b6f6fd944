"""A sales consultant works through today's list in a real browser."""

import pytest

from careloop.customers.models import ContactPlan, Interaction
from careloop.treatments.services import session_use
from tests.factories import CustomerFactory, TreatmentPackageFactory, UserFactory, package_sold

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_consultant_logs_a_renewal_call_from_the_worklist(page, login, live_server, branch_a):
    # Given a consultant whose customer has used 8 of 10 sessions
    consultant = UserFactory(
        username="consultant", full_name="王俊宏", home_branch=branch_a, roles=["sales_consultant"]
    )
    customer = CustomerFactory(
        name="陳淑芬", branch=branch_a, created_by=consultant, sales_consultant=consultant
    )
    package_sold(
        customer=customer,
        by=consultant,
        package=TreatmentPackageFactory(name="肩頸舒緩物理治療 10 堂", sessions=10),
    )
    for _ in range(8):
        session_use(customer=customer, by=consultant)

    # When the consultant opens today's list
    login("consultant")
    page.goto(f"{live_server.url}/worklist/")
    line = page.locator("li.worklist-line", has_text="陳淑芬")
    assert "續約提醒" in line.inner_text() and "剩 2 堂" in line.inner_text()

    # and logs the call right there, first forgetting the summary
    line.get_by_label("客戶反應").select_option(label="正面")
    line.get_by_role("button", name="記錄聯繫").click()
    # (the browser itself holds the form back and marks the empty summary)
    assert line.get_by_label("互動摘要").evaluate("e => !e.checkValidity()")
    assert not Interaction.objects.filter(customer=customer).exists()

    line.get_by_label("互動摘要").fill("已說明續約方案，客戶考慮中")
    line.get_by_role("button", name="記錄聯繫").click()

    # Then the line disappears without leaving the page, and the call is on the record
    page.locator("li.worklist-line", has_text="陳淑芬").wait_for(state="detached")
    assert page.url.endswith("/worklist/")
    interaction = Interaction.objects.get(customer=customer)
    assert interaction.staff == consultant and interaction.reaction == "positive"
    assert ContactPlan.objects.filter(
        customer=customer, purpose="renewal_reminder", done=True, fulfilled_by=interaction
    ).exists()
