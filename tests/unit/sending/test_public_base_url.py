"""Unsubscribe URLs, tracked links and the pixel are https outside the local stack: the public base
URL they start with refuses plain http unless its host is loopback, at cold start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nurtureflow.sending.links import unsubscribe_url
from nurtureflow.settings import TrackingSettings


@pytest.mark.parametrize(
    "url",
    [
        "https://abc123.execute-api.us-east-1.amazonaws.com/v1",
        "https://t.shop.example",
        "HTTPS://T.SHOP.EXAMPLE/",
        "http://127.0.0.1:8080",
        "http://127.0.0.1",
        "http://localhost:8080",
        "http://LOCALHOST:9000/",
        "http://[::1]:8080",
        "http://127.0.0.2:8080",  # the loopback network is 127.0.0.0/8
    ],
)
def test_https_urls_and_loopback_http_urls_are_taken(url: str) -> None:
    assert TrackingSettings(public_base_url=url).public_base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://t.shop.example",
        "http://abc123.execute-api.us-east-1.amazonaws.com/v1",
        "http://10.0.0.5:8080",
        "http://0.0.0.0:8080",
        "http://localhost.shop.example",
        "http://127.0.0.1.nip.io",
        "ftp://t.shop.example",
        "t.shop.example",
        "https://",
        "",
    ],
)
def test_other_urls_are_refused_with_a_message_naming_the_setting(url: str) -> None:
    with pytest.raises(ValidationError, match=r"NURTUREFLOW_PUBLIC_BASE_URL must be an https:// URL"):
        TrackingSettings(public_base_url=url)


def test_an_http_url_from_the_environment_fails_at_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NURTUREFLOW_PUBLIC_BASE_URL", "http://t.shop.example")
    with pytest.raises(ValidationError, match="loopback host"):
        TrackingSettings()


def test_the_default_serves_the_local_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NURTUREFLOW_PUBLIC_BASE_URL", raising=False)
    assert TrackingSettings().public_base_url == "http://127.0.0.1:8080"


def test_unsubscribe_urls_start_with_the_https_base() -> None:
    settings = TrackingSettings(
        public_base_url="https://t.shop.example/", link_keys={"k": "s"}, link_key_id="k"
    )
    assert unsubscribe_url("s_1", settings).startswith("https://t.shop.example/u/")
