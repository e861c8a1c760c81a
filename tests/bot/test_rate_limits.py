"""Per-client rate limits over real HTTP, counted in memory and in the machine's Redis:
429 with Retry-After, per client address as HAProxy forwards it (and only from a proxy
the app was told to trust: a header anyone else sends changes nothing), shared by app
instances through Redis, and never a reason to fail when Redis itself is down."""

import secrets

import httpx
import pytest

from tests.support.live_app import live_app
from tests.support.stack import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"


def a_client() -> str:
    """A client address no other test (nor an earlier run, in Redis) has used."""
    return f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def as_client(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}  # as HAProxy sends it


@pytest.fixture
def behind_local_proxy(monkeypatch) -> None:
    """The test is the HAProxy on this host: the app believes 127.0.0.1's header."""
    monkeypatch.setenv("ENTRYWAY_TRUSTED_PROXIES", "127.0.0.1")


def from_address(local: str) -> httpx.Client:
    """A client whose connections come from another loopback address than 127.0.0.1."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=local))


@pytest.fixture(params=["memory", "redis"])
def limited(request, app_settings, monkeypatch, behind_local_proxy) -> str:
    """The storage the counts are kept in; the app's limits set low enough to reach."""
    if request.param == "redis":
        monkeypatch.setenv("REDIS_URL", REDIS_URL)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ENTRYWAY_RATE_LIMIT_CHAT", "3/minute")
    monkeypatch.setenv("ENTRYWAY_RATE_LIMIT_PUBLIC", "2/minute")
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))  # Rasa down: polite replies
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", "1")
    return request.param


def chat(url: str, client: str) -> httpx.Response:
    return httpx.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": "someone", "message": "hi"},
        headers=as_client(client),
    )


def test_a_client_over_its_limit_gets_429_with_retry_after(limited):
    me, neighbour = a_client(), a_client()
    with live_app() as url:
        assert [chat(url, me).status_code for _ in range(3)] == [200, 200, 200]
        refused = chat(url, me)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "Too many requests" in refused.json()["detail"]
        # The page's own endpoints share the chat budget.
        assert httpx.get(f"{url}/chat/session", headers=as_client(me)).status_code == 429
        assert chat(url, neighbour).status_code == 200  # per client address

        # The public API has a budget of its own.
        public = [
            httpx.get(f"{url}/api/open-data/proposals.json", headers=as_client(me)).status_code
            for _ in range(2)
        ]
        assert public == [200, 200]
        for path in ("/api/proposals/SC-2026-00001", "/reports/pipeline"):
            response = httpx.get(f"{url}{path}", headers=as_client(me))
            assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
        # Health checks (the load balancer's) are never limited.
        assert httpx.get(f"{url}/healthz", headers=as_client(me)).status_code == 503


def test_an_ipv6_client_counts_per_64_block(limited):
    block = f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}"
    with live_app() as url:
        statuses = [chat(url, f"{block}::{host}").status_code for host in (1, 2, 3, 4)]
    assert statuses == [200, 200, 200, 429]


def test_app_instances_share_the_count_through_redis(app_settings, monkeypatch, behind_local_proxy):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("ENTRYWAY_RATE_LIMIT_CHAT", "3/minute")
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))
    me = a_client()
    with live_app() as first, live_app() as second:
        statuses = [chat(url, me).status_code for url in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]


def test_with_redis_down_requests_are_served_not_refused(
    app_settings, monkeypatch, behind_local_proxy
):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    monkeypatch.setenv("ENTRYWAY_RATE_LIMIT_CHAT", "1/minute")
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))
    with live_app() as url:
        statuses = [chat(url, a_client()).status_code for _ in range(3)]
        same = [chat(url, "198.18.0.1").status_code for _ in range(3)]
    assert statuses == same == [200, 200, 200]


def test_limits_can_be_switched_off(app_settings, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ENTRYWAY_RATE_LIMIT_CHAT", "")
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))
    me = a_client()
    with live_app() as url:
        assert {chat(url, me).status_code for _ in range(30)} == {200}


SPOOFED = 120


def test_by_default_no_forwarded_address_is_believed_not_even_from_loopback(
    app_settings, monkeypatch
):
    """The walk-around of the review: a new X-Forwarded-For on every request."""
    monkeypatch.delenv("ENTRYWAY_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ENTRYWAY_RATE_LIMIT_CHAT", f"{SPOOFED - 20}/hour")
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))
    with live_app() as url:
        page = httpx.get(f"{url}/chat/session", headers={"X-Forwarded-Proto": "https"})
        statuses = [chat(url, a_client()).status_code for _ in range(SPOOFED - 1)]
    assert [page.status_code, *statuses] == [200] * (SPOOFED - 20) + [429] * 20
    # Nor is the scheme a client claims: no Secure cookie over plain HTTP.
    assert "secure" not in page.headers["set-cookie"].lower()


def test_a_forwarded_address_is_believed_from_the_trusted_proxy_only(
    app_settings, monkeypatch, behind_local_proxy
):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ENTRYWAY_RATE_LIMIT_CHAT", "3/hour")
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))
    body = {"sender": "someone", "message": "hi"}
    with live_app() as url, from_address("127.0.0.2") as stranger:
        # Not the proxy: each request names another address, all count as 127.0.0.2's.
        spoofed = [
            stranger.post(f"{url}/webhooks/rest/webhook", json=body, headers=as_client(a_client()))
            for _ in range(5)
        ]
        # The proxy: counted per client it names.
        forwarded = [chat(url, a_client()).status_code for _ in range(5)]
    assert [response.status_code for response in spoofed] == [200, 200, 200, 429, 429]
    assert forwarded == [200] * 5
