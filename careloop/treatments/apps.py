from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreatmentsConfig(AppConfig):
    name = "careloop.treatments"
    verbose_name = _("療程與購買")
