"""Settings from the environment fail naming the variable; logs are JSON with the context."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mercato_kit.context import MessageContext, bind_context
from mercato_kit.logging import get_logger
from mercato_kit.settings import SettingsError, env_name, load_settings
from tests.kit.grpc._support import LogLines, captured_json_logs


class ShopSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITTEST_SHOP_")
    grpc_addr: str = "127.0.0.1:50099"
    max_lines: int
    currencies: list[str] = ["CNY"]
    kafka_bootstrap_servers: str = Field(validation_alias="KITTEST_KAFKA_BOOTSTRAP_SERVERS")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A valid environment for ShopSettings, to spoil one variable at a time."""
    monkeypatch.setenv("KITTEST_SHOP_MAX_LINES", "50")
    monkeypatch.setenv("KITTEST_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    return monkeypatch


def test_settings_are_read_and_typed_from_the_environment(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("KITTEST_SHOP_CURRENCIES", '["CNY", "USD"]')

    settings = load_settings(ShopSettings)

    assert settings.max_lines == 50
    assert settings.currencies == ["CNY", "USD"]
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.grpc_addr == "127.0.0.1:50099"


@pytest.mark.parametrize("variable", ["KITTEST_SHOP_MAX_LINES", "KITTEST_KAFKA_BOOTSTRAP_SERVERS"])
def test_a_missing_variable_is_named(environment: pytest.MonkeyPatch, variable: str) -> None:
    environment.delenv(variable)

    with pytest.raises(SettingsError, match=f"{variable} is not set"):
        load_settings(ShopSettings)


def test_every_missing_variable_is_named_at_once(environment: pytest.MonkeyPatch) -> None:
    environment.delenv("KITTEST_SHOP_MAX_LINES")
    environment.delenv("KITTEST_KAFKA_BOOTSTRAP_SERVERS")

    with pytest.raises(SettingsError) as raised:
        load_settings(ShopSettings)

    assert "KITTEST_SHOP_MAX_LINES is not set" in str(raised.value)
    assert "KITTEST_KAFKA_BOOTSTRAP_SERVERS is not set" in str(raised.value)


def test_a_malformed_number_is_named_without_echoing_its_value(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("KITTEST_SHOP_MAX_LINES", "fifty-secret")

    with pytest.raises(SettingsError, match="KITTEST_SHOP_MAX_LINES is malformed") as raised:
        load_settings(ShopSettings)

    assert "fifty-secret" not in str(raised.value)


def test_a_malformed_list_is_named(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("KITTEST_SHOP_CURRENCIES", "[CNY")

    with pytest.raises(SettingsError, match="KITTEST_SHOP_CURRENCIES is malformed"):
        load_settings(ShopSettings)


def test_the_variable_of_a_field_follows_its_prefix_or_alias() -> None:
    assert env_name(ShopSettings, "grpc_addr") == "KITTEST_SHOP_GRPC_ADDR"
    assert env_name(ShopSettings, "kafka_bootstrap_servers") == "KITTEST_KAFKA_BOOTSTRAP_SERVERS"


@pytest.fixture
def logs() -> Iterator[LogLines]:
    """configure_logging's JSON output, captured; the previous set-up is restored after."""
    with captured_json_logs("kittest-shop") as captured:
        yield captured


def test_logs_are_json_lines_with_service_level_and_time(logs: LogLines) -> None:
    get_logger("kittest").info("shop opened", shop_id="s-1")

    [line] = logs.records()
    assert line["event"] == "shop opened"
    assert line["shop_id"] == "s-1"
    assert line["service"] == "kittest-shop"
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")
    assert "correlation_id" not in line


def test_logs_carry_the_correlation_id_while_a_context_is_bound(logs: LogLines) -> None:
    context = MessageContext(correlation_id="0190a4b2-5e6f-7a8b-9c0d-1e2f3a4b5c6d")

    with bind_context(context):
        get_logger("kittest").info("inside")
        logging.getLogger("some.library").warning("a library speaks")
    get_logger("kittest").info("outside")

    inside, library, outside = logs.records()
    assert inside["correlation_id"] == context.correlation_id
    assert library["correlation_id"] == context.correlation_id
    assert library["event"] == "a library speaks"
    assert library["logger"] == "some.library"
    assert "correlation_id" not in outside


def test_an_exception_is_logged_with_its_traceback(logs: LogLines) -> None:
    try:
        raise ValueError("the ledger does not balance")
    except ValueError:
        get_logger("kittest").exception("posting failed")
        logging.getLogger("some.library").exception("library failed")

    ours, library = logs.records()
    for line in (ours, library):
        assert line["level"] == "error"
        assert "Traceback (most recent call last)" in line["exception"]
        assert "ValueError: the ledger does not balance" in line["exception"]


def test_the_level_filters_what_is_written(logs: LogLines) -> None:
    get_logger("kittest").debug("too detailed")
    get_logger("kittest").info("worth saying")

    assert [line["event"] for line in logs.records()] == ["worth saying"]
