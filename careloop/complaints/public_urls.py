"""The public pages, mounted at /feedback/. Fixed words come before the branch code."""

from django.urls import path

from careloop.complaints import public

app_name = "feedback"
urlpatterns = [
    path("", public.intake, name="intake"),
    path("thanks/", public.thanks, name="thanks"),
    path("status/", public.status, name="status"),
    path("qr/", public.qr_codes, name="qr"),
    path("<slug:branch_code>/", public.intake, name="intake_branch"),
]
