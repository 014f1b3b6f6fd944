from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "careloop.surveys"
    verbose_name = _("滿意度調查")
