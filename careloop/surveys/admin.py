"""Surveys in the admin: read-only. Surveys are sent by the services (which check who may and
send the message) and answered through their link; nothing here writes either."""

from django.contrib import admin

from careloop.core.admin import ReadOnlyHistoryAdmin
from careloop.surveys.models import Survey, SurveyResponse


@admin.register(Survey)
class SurveyAdmin(ReadOnlyHistoryAdmin):
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
class SurveyResponseAdmin(ReadOnlyHistoryAdmin):
    list_display = ["survey", "satisfaction", "recommend", "answered_at"]
    list_select_related = ["survey"]
