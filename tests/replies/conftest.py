import pytest

from careloop.replies.defaults import replies_defaults_ensure
from tests.complaints.conftest import make_complaint  # noqa: F401  (shared fixture)
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def message_log_dir(settings, tmp_path):
    """SMS and LINE replies are written to this test's own log directory."""
    settings.MESSAGING_LOG_DIR = tmp_path / "messages"
    return settings.MESSAGING_LOG_DIR


@pytest.fixture(autouse=True)
def reply_defaults(db):
    """The seeded templates and avoid-list (restored where a transactional test flushed them)."""
    replies_defaults_ensure()


@pytest.fixture
def administrator(branch_a):
    return UserFactory(username="admin_a", home_branch=branch_a, roles=["administrator"])


@pytest.fixture
def cs_b(branch_b, departments):
    return UserFactory(
        username="cs_b",
        home_branch=branch_b,
        department=departments["customer_service"],
        roles=["customer_service"],
    )


CLEAN_REPLY = """林美玲小姐您好：

感謝您於2月13日撥冗告訴我們這次的經驗。關於您反映治療師遲到二十分鐘、也沒有事先通知的情況，我們深感抱歉，讓您久候確實不是我們應有的服務。

我們已為您安排下週二上午十點補做一堂完整療程，並由原治療師親自向您致歉。

為避免再次發生，我們已調整排程：治療師若可能延誤，櫃台會在預約前三十分鐘以電話通知您。

再次感謝您給我們改進的機會。若有任何問題，歡迎直接與我聯絡：(02)2345-6789 分機 21。

台北總院 客服專員 張美惠 敬上"""

DRAFT = (
    "{客戶姓名}您好，感謝您的來信。這是公司規定，療程一經開始就無法退費；"
    "您可能誤會了我們的說明。若有問題請來電 (02)2345-6789。客服專員 張美惠"
)


@pytest.fixture
def late_case(make_complaint, cs_a):  # noqa: F811  (the fixture, not the import)
    """A B case by e-mail about a therapist arriving late, owned by cs_a."""
    return make_complaint(
        channel="email",
        complainant_email="mei@example.test",
        complainant_line_id="",
        criteria=["b_staff"],
        owner=cs_a,
    )
