from django.contrib import admin
from django.urls import include, path

from careloop.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("careloop.accounts.urls")),
    path("customers/", include("careloop.customers.urls")),
    path("treatments/", include("careloop.treatments.urls")),
    path("worklist/", include("careloop.worklist.urls")),
    path("transfer/", include("careloop.transfer.urls")),
    path("print/", include("careloop.printing.urls")),
    path("calendar/", include("careloop.workcalendar.urls")),
    path("notifications/", include("careloop.notifications.urls")),
    path("access/", include("careloop.access.urls")),
    path("complaints/", include("careloop.complaints.urls")),
    path("feedback/", include("careloop.complaints.public_urls")),
    path("replies/", include("careloop.replies.urls")),
    path("surveys/", include("careloop.surveys.urls")),
    path("survey/", include("careloop.surveys.public_urls")),
    path("compensation/", include("careloop.compensation.urls")),
    path("privacy/", include("careloop.privacy.urls")),
    path("", include("careloop.core.urls")),
]
