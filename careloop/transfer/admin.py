from django.contrib import admin

from careloop.core.admin import ReadOnlyAdmin
from careloop.transfer.models import ExportLog, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "created_by", "created_at", "status", "total_rows"]
    list_filter = ["status"]


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "format", "rows"]
