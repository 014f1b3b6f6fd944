"""Customers in the admin are read-only: the record is kept through the app's pages and API,
where the rules (phone normalisation, duplicates, branch scope) live in the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.core.admin import ReadOnlyAdmin, ReadOnlyHistoryAdmin
from careloop.customers.models import (
    ContactPlan,
    Customer,
    ImportantEvent,
    Interaction,
    SatisfactionRecord,
    SignOff,
)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyHistoryAdmin):
    list_display = ["number", "name", "phone", "customer_type", "branch", "created_at"]
    list_filter = ["branch", "customer_type", "source"]
    search_fields = ["number", "name", "phone"]
    list_select_related = ["branch"]
    show_full_result_count = False

    # The admin shows the record like any page, so its reads are logged like any page's
    # (careloop/access): the list page's customers, and one record's change or history page.

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) or {}
        if response.status_code == 200 and "cl" in changelist:
            # The page's rows, read once here and again (from the cache) by the template.
            reads_record(request, changelist["cl"].result_list, kind=ReadKind.LIST)
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        return _viewed(request, object_id, response)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        return _viewed(request, object_id, response)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().history_form_view(request, object_id, version_id, extra_context)
        return _viewed(request, object_id, response)


def _viewed(request: HttpRequest, object_id: str, response: HttpResponse) -> HttpResponse:
    # By id: a removed customer's history still shows who they were (the log keeps ids only).
    if response.status_code == 200 and str(object_id).isdigit():
        reads_record(request, [int(object_id)], kind=ReadKind.VIEW)
    return response


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["customer", "occurred_at", "channel", "staff", "reaction", "status"]
    list_select_related = ["customer", "staff"]
    raw_id_fields = ["customer"]
    show_full_result_count = False


@admin.register(ContactPlan)
class ContactPlanAdmin(ReadOnlyHistoryAdmin):
    list_display = ["customer", "due_date", "purpose", "assignee", "done"]
    list_select_related = ["customer", "assignee"]
    show_full_result_count = False


@admin.register(SatisfactionRecord)
class SatisfactionRecordAdmin(ReadOnlyHistoryAdmin):
    list_display = ["customer", "score", "recorded_on", "recorded_by"]
    list_select_related = ["customer", "recorded_by"]


@admin.register(ImportantEvent)
class ImportantEventAdmin(ReadOnlyHistoryAdmin):
    list_display = ["customer", "kind", "occurred_on", "recorded_by"]
    list_select_related = ["customer", "recorded_by"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["customer", "kind", "signed_by", "signed_at"]
    list_select_related = ["customer", "signed_by"]
