"""Grants in the admin: read-only. They are made and decided through the services, where the
authority limits live."""

from django.contrib import admin

from careloop.core.admin import ReadOnlyHistoryAdmin
from careloop.grants.models import Grant


@admin.register(Grant)
class GrantAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "kind", "branch", "value", "scope_total", "state", "requested_by"]
    list_filter = ["state", "kind", "scope", "branch"]
    list_select_related = ["branch", "requested_by"]
    search_fields = ["title", "case_key"]
    date_hierarchy = "requested_at"
