"""What every app's admin stands on.

Business records (customers, purchases, complaints, compensation, surveys, messages…) are
written only through their services, where the rules live, so their admins are read-only.
And no admin posts an earlier version back: django-simple-history's history form saves a
posted version (a "revert") without asking `has_change_permission`, which let an
administrator undo an anonymisation or turn an approved compensation back into a proposal.
History is for reading; a change is made where its rule is.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """An admin with its change history, shown and never reverted."""

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Administrators look records up here; nothing is added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyHistoryAdmin(HistoryAdmin, ReadOnlyAdmin):
    """A read-only record with its history."""
