from django.contrib import admin

from careloop.core.admin import ReadOnlyAdmin, ReadOnlyHistoryAdmin
from careloop.privacy.models import CopyDownload, DataSubjectRequest, ErasureLog


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyHistoryAdmin):
    list_display = ["id", "kind", "status", "branch", "received_at", "due_at"]
    list_filter = ["kind", "status"]


@admin.register(CopyDownload)
class CopyDownloadAdmin(ReadOnlyAdmin):
    list_display = ["id", "request", "user", "format", "created_at"]


@admin.register(ErasureLog)
class ErasureLogAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer_number", "erased_at", "erased_by", "holds_finished_at"]
