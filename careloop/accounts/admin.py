from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop.accounts.models import ApiToken, Branch, Department, Role, User
from careloop.core.admin import HistoryAdmin

# A factor is enrolled by its owner and reset through accounts/services.second_factor_reset,
# which records who reset it; django-otp's own device pages would show the secrets and let a
# device be added or removed with no trace in the user's history.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "phone", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Role)
class RoleAdmin(HistoryAdmin):
    list_display = ["code", "authority_limit"]
    fields = ["code", "authority_limit"]

    def get_readonly_fields(self, request, obj=None):
        # The codes are what the permission rules test; only the limits are chain policy.
        return ["code"] if obj else []


@admin.register(User)
class UserAdmin(DjangoUserAdmin, HistoryAdmin):
    list_display = ["username", "full_name", "home_branch", "department", "is_active"]
    list_filter = ["home_branch", "department", "roles", "is_active"]
    search_fields = ["username", "full_name", "email"]
    filter_horizontal = ["roles", "extra_branches", "groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("個人資料"), {"fields": ["full_name", "email"]}),
        (_("院所與角色"), {"fields": ["home_branch", "extra_branches", "department", "roles"]}),
        (_("系統權限"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("時間"), {"fields": ["last_login", "date_joined", "second_factor_since"]}),
    ]
    readonly_fields = ["second_factor_since"]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "home_branch", "password1", "password2"],
            },
        )
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        # Tokens are created by their owner, who alone sees the clear key once.
        return False
