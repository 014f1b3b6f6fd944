"""Reading the settings as a new process would, with some environment variables set: how the
tests check that a variable reaches its setting, or stops start-up with a clear error."""

import json
import os
import subprocess
import sys


def settings_in_a_fresh_process(env: dict[str, str], *names: str) -> subprocess.CompletedProcess:
    """Start Python with `env` added, set Django up and print the named settings as JSON."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "careloop.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=60
    )


def settings_values(env: dict[str, str], *names: str) -> dict:
    done = settings_in_a_fresh_process(env, *names)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
