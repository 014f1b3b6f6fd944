from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepliesConfig(AppConfig):
    name = "careloop.replies"
    verbose_name = _("回覆範本")
