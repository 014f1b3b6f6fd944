from django.http import HttpRequest

from careloop.accounts.permissions import Capability, user_can, user_role_codes


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_edit_customers": user_can(user, Capability.CUSTOMER_EDIT),
        "can_review_customers": user_can(user, Capability.CUSTOMER_REVIEW),
        "is_administrator": user_can(user, Capability.STAFF_ADMIN),
        "role_codes": user_role_codes(user),
    }
