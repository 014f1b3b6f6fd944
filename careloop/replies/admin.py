"""Templates and the avoid-list have their own pages (/replies/); the admin shows them with
their history. Sent replies are read-only: `services.reply_send` writes them."""

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from careloop.replies.models import AvoidPhrase, ReplyTemplate, SentReply


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "channel", "active", "position", "updated_at", "updated_by"]
    list_filter = ["channel", "active"]
    search_fields = ["name", "subject", "body"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(AvoidPhrase)
class AvoidPhraseAdmin(SimpleHistoryAdmin):
    list_display = ["phrase", "category", "active", "updated_at", "updated_by"]
    list_filter = ["category", "active"]
    search_fields = ["phrase", "suggestion"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(SentReply)
class SentReplyAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "complaint", "by", "message", "override_reason"]
    list_select_related = ["complaint", "by", "message"]
    search_fields = ["complaint__number"]
    raw_id_fields = ["complaint", "message", "communication", "template", "by"]
    date_hierarchy = "sent_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SentReply | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SentReply | None = None) -> bool:
        return False
