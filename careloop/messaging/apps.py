from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "careloop.messaging"
    verbose_name = _("訊息發送")
