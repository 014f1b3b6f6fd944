"""Background delivery of outbound messages (Huey)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from careloop.messaging.services import message_deliver


@db_task()
def message_deliver_task(message_id: int) -> None:
    """Deliver a stored message; safe to run twice (the row is claimed before sending)."""
    message_deliver(message_id=message_id)
