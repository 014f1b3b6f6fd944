from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "careloop.transfer"
    verbose_name = _("匯入與匯出")
