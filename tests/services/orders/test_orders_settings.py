"""ORDERS_* settings: step timeouts from the environment; a bad one stops start-up, named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mercato_kit.settings import SettingsError, load_settings
from mercato_orders.domain import Timeouts
from mercato_orders.settings import OrdersSettings

VARIABLES = [
    "ORDERS_RESERVE_TIMEOUT_S",
    "ORDERS_CAPTURE_TIMEOUT_S",
    "ORDERS_DISPATCH_TIMEOUT_S",
    "ORDERS_DELIVERY_TIMEOUT_S",
    "ORDERS_AUTO_CONFIRM_S",
    "ORDERS_SWEEP_INTERVAL_S",
]


def test_the_defaults_are_the_domains_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)

    settings = load_settings(OrdersSettings)

    assert settings.timeouts() == Timeouts()
    assert settings.grpc_addr == "127.0.0.1:50053"


def test_short_timeouts_are_read_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("ORDERS_CAPTURE_TIMEOUT_S", "2.5")
    monkeypatch.setenv("ORDERS_AUTO_CONFIRM_S", "3")

    timeouts = load_settings(OrdersSettings).timeouts()

    assert timeouts.capture_payment == timedelta(seconds=2.5)
    assert timeouts.auto_confirm == timedelta(seconds=3)


@pytest.mark.parametrize("variable", VARIABLES)
@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_bad_timeout_is_named_in_the_start_up_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=f"{variable} is malformed"):
        load_settings(OrdersSettings)


def test_a_bad_timeout_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # `mercato serve orders` refuses to start until its API is wired (phase 2); the settings
    # it will start with already name a malformed variable.
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("ORDERS_CAPTURE_TIMEOUT_S", "soon")

    with pytest.raises(SettingsError, match="ORDERS_CAPTURE_TIMEOUT_S is malformed"):
        load_settings(OrdersSettings)


def test_orders_in_flight_are_unlimited_unless_a_limit_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.delenv("ORDERS_MAX_IN_FLIGHT", raising=False)
    assert load_settings(OrdersSettings).max_in_flight == 0

    monkeypatch.setenv("ORDERS_MAX_IN_FLIGHT", "60")
    assert load_settings(OrdersSettings).max_in_flight == 60


@pytest.mark.parametrize("value", ["-1", "many", "1.5"])
def test_a_bad_limit_of_orders_in_flight_is_named(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("ORDERS_MAX_IN_FLIGHT", value)

    with pytest.raises(SettingsError, match="ORDERS_MAX_IN_FLIGHT is malformed"):
        load_settings(OrdersSettings)
