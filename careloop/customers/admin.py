"""Customers in the admin are read-only: the record is kept through the app's pages and API,
where the rules (phone normalisation, duplicates, branch scope) live in the services."""

from django.contrib import admin

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
