import pytest


@pytest.fixture(autouse=True)
def message_log_dir(settings, tmp_path):
    """Each test writes the file-log backend's messages to its own directory."""
    settings.MESSAGING_LOG_DIR = tmp_path / "messages"
    return settings.MESSAGING_LOG_DIR


from tests.complaints.conftest import make_complaint  # noqa: E402, F401  (shared fixture)
