from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistConfig(AppConfig):
    name = "careloop.worklist"
    verbose_name = _("每日待辦")
