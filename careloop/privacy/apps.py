from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PrivacyConfig(AppConfig):
    name = "careloop.privacy"
    label = "privacy"
    verbose_name = "個資當事人權利"

    def ready(self) -> None:
        # Each app says what it holds about a person and how it erases it in its own
        # privacy.py (registry.py); importing them here registers them all, the way the admin
        # finds admin.py.
        autodiscover_modules("privacy")
