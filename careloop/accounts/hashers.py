"""Password hashing."""

from __future__ import annotations

from django.contrib.auth import hashers


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    """Argon2id with OWASP's recommended setting (19 MiB, 2 passes, 1 lane).

    Django's default asks for 100 MiB per hash, which a web worker holds during every login:
    the benchmark saw workers reach 229 MB at login against 150 MB otherwise. Hashes made
    with the old setting still verify and are re-made with this one at the next login.
    """

    time_cost = 2
    memory_cost = 19456
    parallelism = 1
