"""The catalogue is kept here by administrators. Purchases and session uses are read-only:
they are recorded on the customer page or through the API, where the rules live."""

from django.contrib import admin

from careloop.core.admin import HistoryAdmin, ReadOnlyHistoryAdmin
from careloop.treatments.models import Product, Purchase, SessionUse, TreatmentPackage
from careloop.treatments.services import catalogue_may_edit


class CatalogueAdmin(HistoryAdmin):
    list_filter = ["category", "is_active"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return catalogue_may_edit(request.user)

    def has_change_permission(self, request, obj=None):
        return catalogue_may_edit(request.user)

    def has_delete_permission(self, request, obj=None):
        # Sold items are protected by their purchases; retire them with 販售中 instead.
        return False


@admin.register(TreatmentPackage)
class TreatmentPackageAdmin(CatalogueAdmin):
    list_display = ["name", "category", "sessions", "price", "validity_months", "is_active"]


@admin.register(Product)
class ProductAdmin(CatalogueAdmin):
    list_display = ["name", "category", "price", "is_active"]


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "purchased_on",
        "customer",
        "item_name",
        "kind",
        "amount",
        "sessions_remaining",
        "expires_on",
        "branch",
    ]
    list_filter = ["kind", "branch"]
    list_select_related = ["customer", "branch"]
    search_fields = ["customer__number", "customer__name", "item_name"]
    show_full_result_count = False


@admin.register(SessionUse)
class SessionUseAdmin(ReadOnlyHistoryAdmin):
    list_display = ["used_on", "customer", "purchase", "therapist", "branch"]
    list_select_related = ["customer", "purchase", "therapist", "branch"]
    show_full_result_count = False
