from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "careloop.complaints"
    verbose_name = _("客訴處理")

    def ready(self) -> None:
        from careloop.complaints import receivers  # noqa: F401  (connects them)
