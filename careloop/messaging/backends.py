"""How a message leaves: one small interface, one backend per channel, chosen by settings.

    MESSAGING_BACKENDS = {"line": "careloop.messaging.backends.LineMessagingBackend"}

names the backend of each channel (dotted paths; channels not named keep the default below).
By default e-mail goes through Django's EMAIL_BACKEND, and SMS and LINE are written to a
JSON-lines log (``<MESSAGING_LOG_DIR>/<channel>.jsonl``, default ``VAR_DIR/messages``) that
`message_log_read` reads back, so a clinic without an SMS gateway or a LINE Official Account
still has a faithful record of what would have been sent.
"""

from __future__ import annotations

import fcntl
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from careloop.messaging.models import OutboundMessage

DEFAULT_BACKENDS = {
    "email": "careloop.messaging.backends.EmailBackend",
    "sms": "careloop.messaging.backends.FileLogBackend",
    "line": "careloop.messaging.backends.FileLogBackend",
}
DEFAULT_LINE_API_HOST = "https://api.line.me"
# LINE deduplicates pushes by retry key for 24 hours; ours derive from the message row.
_LINE_RETRY_NAMESPACE = uuid.UUID("0b6f6c1e-7a34-4c55-9a0e-5d0c8f1a2b3c")


class MessageBackend:
    """Deliver one stored message. Return when it has left; raise any exception when not."""

    def send(self, message: OutboundMessage) -> None:
        raise NotImplementedError

    @classmethod
    def path(cls) -> str:
        return f"{cls.__module__}.{cls.__qualname__}"


class EmailBackend(MessageBackend):
    """E-mail through Django's configured EMAIL_BACKEND (SMTP in production)."""

    def send(self, message: OutboundMessage) -> None:
        send_mail(
            subject=message.subject,
            message=message.body,
            from_email=None,
            recipient_list=[message.to],
            fail_silently=False,
        )


def message_log_dir() -> Path:
    default = Path(settings.VAR_DIR) / "messages"
    return Path(getattr(settings, "MESSAGING_LOG_DIR", default))


def _log_path(channel: str) -> Path:
    if channel not in DEFAULT_BACKENDS:  # never a path built from arbitrary text
        raise ValueError(f"unknown channel {channel!r}")
    return message_log_dir() / f"{channel}.jsonl"


class FileLogBackend(MessageBackend):
    """Append one JSON line per message to ``<log dir>/<channel>.jsonl``.

    The file is locked while the line is written, so two workers never interleave lines.
    """

    def send(self, message: OutboundMessage) -> None:
        path = _log_path(message.channel)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "id": message.pk,
                "channel": message.channel,
                "to": message.to,
                "subject": message.subject,
                "body": message.body,
                "customer_id": message.customer_id,
                "complaint_id": message.complaint_id,
                "key": message.key,
                "logged_at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(line + "\n")
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def message_log_read(*, channel: str) -> list[dict[str, Any]]:
    """Every message the file-log backend wrote for the channel, oldest first."""
    path = _log_path(channel)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class LineMessagingBackend(MessageBackend):
    """A text push through the LINE Messaging API (line-bot-sdk v3).

    ``to`` is the customer's LINE user ID (U + 32 hex digits, from the Official Account's
    webhook), not the LINE ID they type in their profile. Settings: LINE_CHANNEL_ACCESS_TOKEN
    (required) and LINE_API_HOST (default https://api.line.me). The subject is not sent: a
    LINE message is its text.
    """

    def send(self, message: OutboundMessage) -> None:
        # Imported here so that the SDK is loaded only where LINE is switched on.
        from linebot.v3.messaging import (
            ApiClient,
            Configuration,
            MessagingApi,
            PushMessageRequest,
            TextMessage,
        )

        token = getattr(settings, "LINE_CHANNEL_ACCESS_TOKEN", "")
        if not token:
            raise ImproperlyConfigured("LINE_CHANNEL_ACCESS_TOKEN is not set")
        host = getattr(settings, "LINE_API_HOST", DEFAULT_LINE_API_HOST).rstrip("/")
        configuration = Configuration(access_token=token, host=host)
        request = PushMessageRequest(to=message.to, messages=[TextMessage(text=message.body)])
        retry_key = str(uuid.uuid5(_LINE_RETRY_NAMESPACE, f"outbound-message:{message.pk}"))
        with ApiClient(configuration) as client:
            MessagingApi(client).push_message(request, x_line_retry_key=retry_key)


def backend_path_for(channel: str) -> str:
    configured = getattr(settings, "MESSAGING_BACKENDS", {}) or {}
    return {**DEFAULT_BACKENDS, **configured}[channel]


def backend_for(channel: str) -> MessageBackend:
    """The backend instance that delivers this channel's messages, as settings name it."""
    backend_class = import_string(backend_path_for(channel))
    if not (isinstance(backend_class, type) and issubclass(backend_class, MessageBackend)):
        raise ImproperlyConfigured(f"{backend_path_for(channel)} is not a MessageBackend")
    return backend_class()
