"""Told after commit whenever a day changes between working and not working for a branch
(None: every branch), so that the apps counting working days can recount."""

from django.dispatch import Signal

# Sent with: branch_id (int | None), day (date), by (User).
working_days_changed = Signal()
