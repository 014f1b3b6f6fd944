"""Who is asking (core/clients.py): the client behind the proxies we trust, counted by a keyed
hash; the setting that says how many proxies there are, and the login lock-out that uses it."""

import re

import pytest
from axes.helpers import get_client_ip_address

from careloop.core.clients import client_address, client_fingerprint
from tests.fresh_settings import settings_in_a_fresh_process, settings_values


def test_fingerprint_is_a_keyed_hash_not_the_address(rf, settings):
    request = rf.get("/", REMOTE_ADDR="203.0.113.7")
    fingerprint = client_fingerprint(request)
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert "203.0.113.7" not in fingerprint
    assert client_fingerprint(rf.get("/", REMOTE_ADDR="203.0.113.8")) != fingerprint
    # one IPv6 /64 (one home or phone) is one sender
    first = client_fingerprint(rf.get("/", REMOTE_ADDR="2001:db8:1:2::10"))
    assert first == client_fingerprint(rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1"))
    assert first != client_fingerprint(rf.get("/", REMOTE_ADDR="2001:db8:1:3::10"))
    # keyed with SECRET_KEY: another installation gives another hash
    settings.SECRET_KEY = "another-installation-" + "x" * 40
    assert client_fingerprint(request) != fingerprint


def test_forwarded_address_is_trusted_only_behind_configured_proxies(rf, settings):
    spoofed = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    other = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="5.6.7.8")
    # no proxy configured: the header is the client's own words, ignored
    assert client_fingerprint(spoofed) == client_fingerprint(other)
    # one proxy in front: the address it saw is the client
    settings.CARELOOP_PROXY_HOPS = 1
    assert client_fingerprint(spoofed) != client_fingerprint(other)
    chained = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4")
    assert client_fingerprint(chained) == client_fingerprint(spoofed)


def test_a_header_shorter_than_the_proxy_chain_is_not_believed(rf, settings):
    # two proxies configured, but the request names only one hop: it did not come through both
    settings.CARELOOP_PROXY_HOPS = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "10.0.0.2"
    # through both: the address the outer proxy saw, not what the client wrote before it
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4, 10.0.0.1")
    assert client_address(request) == "1.2.3.4"


def test_the_login_lock_out_counts_the_same_client(rf, settings):
    settings.CARELOOP_PROXY_HOPS = 1
    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert get_client_ip_address(request) == "198.51.100.7"


def test_the_number_of_proxies_comes_from_the_environment():
    assert settings_values({"CARELOOP_PROXY_HOPS": "2"}, "CARELOOP_PROXY_HOPS") == {
        "CARELOOP_PROXY_HOPS": 2
    }


@pytest.mark.parametrize("value", ["two", "-1"])
def test_a_malformed_number_of_proxies_stops_start_up_with_a_clear_error(value):
    done = settings_in_a_fresh_process({"CARELOOP_PROXY_HOPS": value}, "CARELOOP_PROXY_HOPS")
    assert done.returncode != 0
    assert re.search(r"ImproperlyConfigured: CARELOOP_PROXY_HOPS must be", done.stderr)
