from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompensationConfig(AppConfig):
    name = "careloop.compensation"
    verbose_name = _("補償")

    def ready(self) -> None:
        from careloop.compensation.grant_kind import register

        register()
