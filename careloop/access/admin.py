"""The read log in the admin is read-only: reads are recorded by `recorder.py` and alerts by
the sweep; nobody adds, edits or deletes a trace of who saw a record (the purge does, after
CARELOOP_READ_LOG_DAYS)."""

from django.contrib import admin

from careloop.access.models import BulkReadAlert, PersonalDataRead
from careloop.core.admin import ReadOnlyAdmin


@admin.register(PersonalDataRead)
class PersonalDataReadAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "api_token_label", "customer_id", "channel", "kind", "route"]
    list_filter = ["channel", "kind"]
    # Exact ids: the log is looked up by whom or about whom, never by a name it does not hold.
    search_fields = ["=customer_id", "=user__username", "api_token_label", "route"]
    list_select_related = ["user"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(BulkReadAlert)
class BulkReadAlertAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "customers", "since", "detail"]
    list_select_related = ["user"]
    date_hierarchy = "at"
