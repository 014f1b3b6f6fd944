"""Surveys in the admin: read-only. Surveys are sent by the services (which check who may and
send the message) and answered through their link; nothing here writes either."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from careloop.surveys.models import Survey, SurveyResponse


class _ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(_ReadOnly):
    list_display = [
        "id",
        "kind",
        "branch",
        "recipient_name",
        "sent_at",
        "expires_at",
        "answered_at",
    ]
    list_filter = ["kind", "branch"]
    search_fields = ["recipient_name", "complaint__number", "customer__number"]
    list_select_related = ["branch"]
    exclude = ["nonce"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(_ReadOnly):
    list_display = ["survey", "satisfaction", "recommend", "answered_at"]
    list_select_related = ["survey"]
