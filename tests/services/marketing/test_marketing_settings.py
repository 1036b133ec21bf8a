"""Marketing's settings: its own checks refuse a bad value naming it, and the service does not
start without a click secret (exit 2, naming MARKETING_CLICK_SECRET)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from mercato_marketing.settings import MarketingSettings

BASE = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "MARKETING_CLICK_SECRET": "s" * 16}


def settings(monkeypatch: pytest.MonkeyPatch, **values: str) -> MarketingSettings:
    for name in [name for name in os.environ if name.startswith("MARKETING_")]:
        monkeypatch.delenv(name)
    for name, value in {**BASE, **values}.items():
        monkeypatch.setenv(name, value)
    return MarketingSettings()  # type: ignore[call-arg]


def test_the_defaults_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    read = settings(monkeypatch)
    policy = read.policy()

    assert read.grpc_addr == "127.0.0.1:50056"
    assert read.http_addr == "127.0.0.1:50156"
    assert policy.click_base_url == "http://127.0.0.1:50156"
    assert policy.publisher_share_bps == 5000
    assert policy.attribution_window.days == 15
    assert policy.duplicate_window.total_seconds() == 3600
    assert policy.click_token_ttl.total_seconds() == 3600


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MARKETING_CLICK_SECRET", "too-short"),
        ("MARKETING_PUBLISHER_SHARE_BPS", "10001"),
        ("MARKETING_HTTP_ADDR", "nowhere"),
        ("MARKETING_CLICK_BASE_URL", "ftp://ads.example"),
        ("MARKETING_PRODUCT_URL_TEMPLATE", "https://shop.example/{sku}"),
        ("MARKETING_ATTRIBUTION_WINDOW", "0"),
        ("MARKETING_CTR_PRIOR_BPS", "0"),
    ],
)
def test_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    with pytest.raises(ValidationError):
        settings(monkeypatch, **{variable: value})


def test_the_service_does_not_start_without_a_click_secret(tmp_path: Path) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MARKETING_") and name != "DATABASE_URL"
    }
    env.update(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", MERCATO_DATA_DIR=str(tmp_path))

    finished = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "serve", "marketing"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 2, finished.stderr
    assert "MARKETING_CLICK_SECRET" in finished.stderr
