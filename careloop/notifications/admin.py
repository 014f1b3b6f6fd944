"""Notifications in the admin are read-only: they are made by `services.notification_send`,
which keeps one per recipient and key, and read by their recipients."""

from django.contrib import admin

from careloop.core.admin import ReadOnlyAdmin
from careloop.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "key", "created_at", "read_at", "emailed_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["key", "title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    show_full_result_count = False
