"""Customers in the admin are read-only: the record is kept through the app's pages and API,
where the rules (phone normalisation, duplicates, branch scope) live in the services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from careloop.customers.models import (
    ContactPlan,
    Customer,
    ImportantEvent,
    Interaction,
    SatisfactionRecord,
    SignOff,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "phone", "customer_type", "branch", "created_at"]
    list_filter = ["branch", "customer_type", "source"]
    search_fields = ["number", "name", "phone"]
    list_select_related = ["branch"]
    show_full_result_count = False


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ["customer", "occurred_at", "channel", "staff", "reaction", "status"]
    list_select_related = ["customer", "staff"]
    raw_id_fields = ["customer"]
    show_full_result_count = False


@admin.register(ContactPlan)
class ContactPlanAdmin(ReadOnlyAdmin):
    list_display = ["customer", "due_date", "purpose", "assignee", "done"]
    list_select_related = ["customer", "assignee"]
    show_full_result_count = False


@admin.register(SatisfactionRecord)
class SatisfactionRecordAdmin(ReadOnlyAdmin):
    list_display = ["customer", "score", "recorded_on", "recorded_by"]
    list_select_related = ["customer", "recorded_by"]


@admin.register(ImportantEvent)
class ImportantEventAdmin(ReadOnlyAdmin):
    list_display = ["customer", "kind", "occurred_on", "recorded_by"]
    list_select_related = ["customer", "recorded_by"]


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "signed_by", "signed_at"]
    list_select_related = ["customer", "signed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
