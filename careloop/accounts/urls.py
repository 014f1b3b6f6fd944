from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from careloop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("second-factor/", views.second_factor_overview, name="second_factor"),
    path("second-factor/enrol/", views.second_factor_enrol, name="second_factor_enrol"),
    path("second-factor/verify/", views.second_factor_verify_page, name="second_factor_verify"),
    path("second-factor/recovery-codes/", views.recovery_codes_new, name="second_factor_recovery"),
    path("second-factor/staff/", views.second_factor_staff, name="second_factor_staff"),
    path(
        "second-factor/staff/<int:user_id>/reset/",
        views.second_factor_reset_view,
        name="second_factor_reset",
    ),
]
