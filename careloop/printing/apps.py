from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintingConfig(AppConfig):
    name = "careloop.printing"
    verbose_name = _("列印表單")
