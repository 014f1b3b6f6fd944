from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from careloop.accounts.permissions import Capability, user_can, user_role_codes
from careloop.notifications.selectors import notification_unread_count


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_edit_customers": user_can(user, Capability.CUSTOMER_EDIT),
        "can_review_customers": user_can(user, Capability.CUSTOMER_REVIEW),
        "can_export_customers": user_can(user, Capability.CUSTOMER_EXPORT),
        "can_view_complaints": user_can(user, Capability.COMPLAINT_VIEW),
        "can_handle_privacy": user_can(user, Capability.PRIVACY_REQUEST),
        "is_administrator": user_can(user, Capability.STAFF_ADMIN),
        "role_codes": user_role_codes(user),
        # Counted (one query) only when a template shows it, and then once per page.
        "notification_unread": SimpleLazyObject(lambda: notification_unread_count(user=user)),
    }
