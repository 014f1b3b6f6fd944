"""Outbound messages in the admin are read-only: `services.message_send` writes them and the
delivery task records their outcome; the admin is where staff look one up."""

from django.contrib import admin

from careloop.core.admin import ReadOnlyHistoryAdmin
from careloop.messaging.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyHistoryAdmin):
    list_display = ["created_at", "channel", "to", "subject", "status", "complaint", "sent_by"]
    list_filter = ["status", "channel", "created_at"]
    search_fields = ["to", "subject", "key", "complaint__number"]
    list_select_related = ["complaint", "sent_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ["customer", "complaint", "sent_by"]
