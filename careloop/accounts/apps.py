from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "careloop.accounts"
    verbose_name = _("帳號與權限")
