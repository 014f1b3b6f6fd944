"""The LINE Messaging API backend, against a stub of the API on this machine."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from careloop.messaging.backends import message_log_read
from careloop.messaging.models import MessageStatus
from careloop.messaging.services import message_send

pytestmark = pytest.mark.django_db

LINE_USER = "U4af4980629aabbccddeeff0011223344"


class StubLineApi(BaseHTTPRequestHandler):
    """Records each request and answers as LINE does (or with the status it is told)."""

    requests: list[dict]
    status = 200

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.server.requests.append(
            {
                "path": self.path,
                "headers": dict(self.headers),
                "body": json.loads(self.rfile.read(length) or b"null"),
            }
        )
        if self.server.status == 200:
            payload = {"sentMessages": [{"id": "481156", "quoteToken": "q"}]}
        else:
            payload = {"message": "The request body has 1 error(s)"}
        data = json.dumps(payload).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def line_api(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubLineApi)
    server.requests = []
    server.status = 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MESSAGING_BACKENDS = {"line": "careloop.messaging.backends.LineMessagingBackend"}
    settings.LINE_CHANNEL_ACCESS_TOKEN = "test-channel-token"
    settings.LINE_API_HOST = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_given_line_backend_when_sent_then_the_sdk_pushes_the_text(
    line_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            channel="line", to=LINE_USER, subject="不會送出", body="林小姐您好，已為您安排補課。"
        )

    assert len(line_api.requests) == 1
    request = line_api.requests[0]
    assert request["path"] == "/v2/bot/message/push"
    assert request["headers"]["Authorization"] == "Bearer test-channel-token"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["headers"]["X-Line-Retry-Key"]
    assert request["body"] == {
        "to": LINE_USER,
        "messages": [{"type": "text", "text": "林小姐您好，已為您安排補課。"}],
        "notificationDisabled": False,
    }
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.backend == "careloop.messaging.backends.LineMessagingBackend"
    assert message_log_read(channel="line") == []


def test_given_line_rejects_the_push_then_marked_failed_with_the_status(
    line_api, django_capture_on_commit_callbacks
):
    line_api.status = 400
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(channel="line", to=LINE_USER, subject="", body="您好")

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "400" in message.error
    assert len(line_api.requests) == 1


def test_given_no_token_when_sent_then_marked_failed_without_a_request(
    line_api, settings, django_capture_on_commit_callbacks
):
    settings.LINE_CHANNEL_ACCESS_TOKEN = ""
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(channel="line", to=LINE_USER, subject="", body="您好")

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "LINE_CHANNEL_ACCESS_TOKEN" in message.error
    assert line_api.requests == []


def test_given_two_messages_then_their_retry_keys_differ(
    line_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message_send(channel="line", to=LINE_USER, subject="", body="一")
        message_send(channel="line", to=LINE_USER, subject="", body="二")

    keys = {r["headers"]["X-Line-Retry-Key"] for r in line_api.requests}
    assert len(keys) == 2
