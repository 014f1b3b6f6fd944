"""Who is asking: the client's address behind the reverse proxies we trust, and the keyed hash
that public pages count by instead of keeping the address (PDPA: nothing kept without reason).

Shared by the suggestion box, the status look-up, the survey pages and the login lock-out
(django-axes reads `client_address` through AXES_CLIENT_IP_CALLABLE).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

# Kept as it was when this lived in complaints.public: stored fingerprints must still match.
_FINGERPRINT_SALT = "careloop.complaints.public.fingerprint"


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind N reverse proxies (CARELOOP_PROXY_HOPS = N) it is the Nth
    address from the right of X-Forwarded-For, the one the outermost trusted proxy saw;
    anything further left is written by the client and not trusted. A request that did not
    pass all N proxies (a shorter header) counts by its own peer address."""
    hops: int = settings.CARELOOP_PROXY_HOPS
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))


def client_fingerprint(request: HttpRequest) -> str:
    """HMAC-SHA256 of the client address (an IPv6 client counts by its /64, which one home or
    phone usually holds whole), keyed with SECRET_KEY: 64 hex characters."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        key = address
    else:
        key = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    return salted_hmac(_FINGERPRINT_SALT, key, algorithm="sha256").hexdigest()
