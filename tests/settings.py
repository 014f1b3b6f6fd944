"""Fast settings for the test suite: same apps and database engine as production."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("CARELOOP_HUEY_IMMEDIATE", "true")

from careloop.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
AXES_ENABLED = False
HUEY["immediate"] = True  # noqa: F405
# Messages sent by tests go to a throwaway folder, not the developer's var/messages.
MESSAGING_LOG_DIR = Path(tempfile.mkdtemp(prefix="careloop-test-messages-"))
atexit.register(shutil.rmtree, MESSAGING_LOG_DIR, ignore_errors=True)
MESSAGING_BACKENDS = {}
