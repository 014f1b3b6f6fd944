"""Complaints in the admin.

Administrators configure 投訴性質 and 處理期限設定 here (a policy change applies to cases
received afterwards; each case keeps its own deadlines). The cases themselves are read-only:
they are written through the case page and the API, where PT-P020's rules live, and nothing is
deleted — the model refuses within 3 years of closing (PT-P020 5.6.3) and the admin offers no
delete at all.
"""

from django.contrib import admin

from careloop.complaints.models import (
    ActionItem,
    Approval,
    Communication,
    Complaint,
    DeadlinePolicy,
    Evidence,
    GradeChange,
    Investigation,
    Nature,
    Solution,
    Transition,
)
from careloop.core.admin import HistoryAdmin, ReadOnlyAdmin, ReadOnlyHistoryAdmin


@admin.register(Nature)
class NatureAdmin(HistoryAdmin):
    list_display = ["name", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        # A nature in use is protected by the foreign key; retire it with 「使用中」 instead.
        return False


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(HistoryAdmin):
    list_display = [
        "grade",
        "start_amount",
        "start_unit",
        "resolution_working_days",
        "follow_up_days",
    ]

    def has_delete_permission(self, request, obj=None):
        return False


class _ChildInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GradeChangeInline(_ChildInline):
    model = GradeChange
    fields = ["changed_at", "from_grade", "to_grade", "reason", "changed_by"]
    readonly_fields = fields


class TransitionInline(_ChildInline):
    model = Transition
    fields = ["at", "from_state", "to_state", "reason", "by"]
    readonly_fields = fields


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "number",
        "complainant_name",
        "branch",
        "grade",
        "state",
        "channel",
        "received_at",
        "next_due",
    ]
    list_filter = ["state", "grade", "channel", "branch", "nature"]
    search_fields = ["number", "complainant_name", "complainant_phone"]
    list_select_related = ["branch"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    inlines = [GradeChangeInline, TransitionInline]


@admin.register(Investigation)
class InvestigationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["complaint", "updated_by", "updated_at"]
    list_select_related = ["complaint", "updated_by"]
    search_fields = ["complaint__number"]


@admin.register(Solution)
class SolutionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["complaint", "cost", "updated_by", "updated_at"]
    list_select_related = ["complaint", "updated_by"]
    search_fields = ["complaint__number"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "kind", "title", "added_by", "added_at"]
    list_select_related = ["complaint", "added_by"]
    search_fields = ["complaint__number", "title"]
    # Files are opened from the case page, which checks the branch.
    exclude = ["file"]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "decision", "grade", "by", "at"]
    list_select_related = ["complaint", "by"]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyHistoryAdmin):
    list_display = ["complaint", "description", "owner", "due_date", "done_at"]
    list_select_related = ["complaint", "owner"]


@admin.register(Communication)
class CommunicationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["complaint", "channel", "occurred_at", "customer_response", "is_solution"]
    list_select_related = ["complaint"]
