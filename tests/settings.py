"""Fast settings for the test suite: same apps and database engine as production."""

import os

os.environ.setdefault("CARELOOP_HUEY_IMMEDIATE", "true")

from careloop.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
AXES_ENABLED = False
HUEY["immediate"] = True  # noqa: F405
