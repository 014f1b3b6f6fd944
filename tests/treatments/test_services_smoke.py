import datetime as dt

import pytest

from careloop.treatments.services import SessionRefused, add_months, session_use
from tests.factories import CustomerFactory, TreatmentPackageFactory, package_sold


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_ten_session_package_counts_down_and_refuses_when_expired(db, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    sale = package_sold(
        customer=customer,
        by=front_desk,
        package=TreatmentPackageFactory(sessions=10, validity_months=3),
    )
    for _ in range(8):
        session_use(customer=customer, by=front_desk)
    sale.refresh_from_db()
    assert sale.sessions_remaining == 2 and sale.first_session_on is not None

    later = sale.expires_on + dt.timedelta(days=1)
    with pytest.raises(SessionRefused, match="到期"):
        session_use(customer=customer, by=front_desk, purchase=sale, used_on=later)
    sale.refresh_from_db()
    assert sale.sessions_remaining == 2 and sale.uses.count() == 8
