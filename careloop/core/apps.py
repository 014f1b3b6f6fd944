from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "careloop.core"
    verbose_name = _("共用")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from careloop.core.middleware import session_seen_at_login

        user_logged_in.connect(session_seen_at_login, dispatch_uid="careloop-session-seen")
