import pytest

from tests.factories import UserFactory


@pytest.fixture
def alice(branch_a):
    return UserFactory(
        username="alice", full_name="陳雅婷", email="alice@clinic.test", home_branch=branch_a
    )


@pytest.fixture
def bob(branch_a):
    return UserFactory(
        username="bob", full_name="林志明", email="bob@clinic.test", home_branch=branch_a
    )


@pytest.fixture
def make_notifications():
    """Adds n notifications for a user, keys note-0 … note-(n-1), the last one newest."""
    from careloop.notifications.services import notification_send

    def make(user, n: int, *, prefix: str = "note") -> list:
        made = []
        for i in range(n):
            made += notification_send(
                recipients=[user],
                key=f"{prefix}-{i}",
                title=f"客訴 C{i:04d} 即將逾期",
                body="請於今日內回覆客戶。",
                url=f"/complaints/{i}/",
                email=False,
            )
        return made

    return make
