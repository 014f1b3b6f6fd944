from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalendarConfig(AppConfig):
    name = "careloop.workcalendar"
    verbose_name = _("工作天與停班日")
