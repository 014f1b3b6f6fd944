from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "careloop.access"
    verbose_name = _("個資查閱紀錄")
