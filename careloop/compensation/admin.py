"""Compensation in the admin: read-only. Assessments, offers, compensations, settlements and
flags are written through the case page and the API, where the authority limits and the
settlement rule live; nothing is deleted. Authority limits are set on 角色; a compensation's
approval is its 授權 (careloop.grants)."""

from django.contrib import admin

from careloop.compensation.models import (
    AbuseFlag,
    Assessment,
    Compensation,
    Offer,
    Settlement,
)
from careloop.core.admin import ReadOnlyHistoryAdmin


@admin.register(Compensation)
class CompensationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["complaint", "customer", "branch", "kind", "value", "status", "requested_at"]
    list_filter = ["status", "kind", "branch"]
    list_select_related = ["complaint", "customer", "branch"]
    search_fields = ["complaint__number", "customer__number", "customer__name"]
    date_hierarchy = "requested_at"


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["complaint", "score", "level", "affected_amount", "assessed_by", "assessed_at"]
    list_filter = ["level"]
    list_select_related = ["complaint", "assessed_by"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyHistoryAdmin):
    list_display = ["complaint", "title", "refund_amount", "benefit_value", "chosen_at"]
    list_select_related = ["complaint"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyHistoryAdmin):
    list_display = ["compensation", "signed_on", "signed_by", "recorded_by"]
    list_select_related = ["compensation", "recorded_by"]


@admin.register(AbuseFlag)
class AbuseFlagAdmin(ReadOnlyHistoryAdmin):
    list_display = ["customer", "complaint_count", "raised_at", "acknowledged_by"]
    list_select_related = ["customer", "acknowledged_by"]
