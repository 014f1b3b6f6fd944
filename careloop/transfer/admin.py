from django.contrib import admin

from careloop.transfer.models import ExportLog, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "created_by", "created_at", "status", "total_rows"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "format", "rows"]
    readonly_fields = ["user", "created_at", "filters", "format", "rows"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
