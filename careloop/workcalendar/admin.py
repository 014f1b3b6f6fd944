"""Closures and extra working days in the admin, for administrators. Adding and deleting go
through the services (permission, duplicate day, history user), as on the calendar page;
an entry is never edited in place: delete it and add the right one."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from careloop.core.admin import HistoryAdmin
from careloop.workcalendar import services
from careloop.workcalendar.forms import ClosureForm, ExtraWorkingDayForm
from careloop.workcalendar.models import Closure, ExtraWorkingDay


class CalendarEntryAdmin(HistoryAdmin):
    list_filter = ["branch"]
    list_select_related = ["branch", "created_by"]
    date_hierarchy = "date"
    search_fields = ["reason"]
    readonly_fields = ["created_by", "created_at"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return services.calendar_may_edit(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.calendar_may_edit(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return services.calendar_may_edit(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.calendar_may_edit(request.user)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # The page's own field rules (year range, branch choice, zh-Hant messages).
        for name, field in self.entry_form.base_fields.items():
            if name in form.base_fields:
                form.base_fields[name] = field
        return form

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(self.entry_form.base_fields)
        return fields if obj is None else [*fields, *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # `form.is_valid()` has run the model's checks; the service checks again and saves.
        saved = self.create(request.user, form.cleaned_data)
        obj.pk, obj.created_by, obj.created_at = saved.pk, saved.created_by, saved.created_at

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete(request.user, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete(request.user, obj)


@admin.register(Closure)
class ClosureAdmin(CalendarEntryAdmin):
    list_display = ["date", "branch", "kind", "reason", "created_by"]
    list_filter = ["kind", "branch"]
    entry_form = ClosureForm

    @staticmethod
    def create(user: Any, data: dict[str, Any]) -> Closure:
        return services.closure_create(**data, by=user)

    @staticmethod
    def delete(user: Any, obj: Closure) -> None:
        services.closure_delete(closure=obj, by=user)


@admin.register(ExtraWorkingDay)
class ExtraWorkingDayAdmin(CalendarEntryAdmin):
    list_display = ["date", "branch", "reason", "created_by"]
    entry_form = ExtraWorkingDayForm

    @staticmethod
    def create(user: Any, data: dict[str, Any]) -> ExtraWorkingDay:
        return services.extra_working_day_create(**data, by=user)

    @staticmethod
    def delete(user: Any, obj: ExtraWorkingDay) -> None:
        services.extra_working_day_delete(extra_day=obj, by=user)
