"""Templates and the avoid-list have their own pages (/replies/); the admin shows them with
their history. Sent replies are read-only: `services.reply_send` writes them."""

from django.contrib import admin

from careloop.core.admin import HistoryAdmin, ReadOnlyAdmin
from careloop.replies.models import AvoidPhrase, ReplyTemplate, SentReply


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(HistoryAdmin):
    list_display = ["name", "channel", "active", "position", "updated_at", "updated_by"]
    list_filter = ["channel", "active"]
    search_fields = ["name", "subject", "body"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(AvoidPhrase)
class AvoidPhraseAdmin(HistoryAdmin):
    list_display = ["phrase", "category", "active", "updated_at", "updated_by"]
    list_filter = ["category", "active"]
    search_fields = ["phrase", "suggestion"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(SentReply)
class SentReplyAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "complaint", "by", "message", "override_reason"]
    list_select_related = ["complaint", "by", "message"]
    search_fields = ["complaint__number"]
    raw_id_fields = ["complaint", "message", "communication", "template", "by"]
    date_hierarchy = "sent_at"
    show_full_result_count = False
