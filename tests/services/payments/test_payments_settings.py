"""PAYMENTS_* settings: a bad rate stops start-up with a message naming the variable."""

from __future__ import annotations

import pytest

from mercato_kit.settings import SettingsError, load_settings
from mercato_payments.domain import Tariff
from mercato_payments.settings import PaymentsSettings, parse_commission_rates


def test_commission_rates_read_as_tier_basis_point_pairs() -> None:
    assert parse_commission_rates(" standard=500, flagship=300 ") == {
        "standard": 500,
        "flagship": 300,
    }


@pytest.mark.parametrize(
    "text",
    [
        "standard=500",
        "standard=500,flagship=300,gold=100",
        "standard=5%,flagship=3%",
        "standard=500,standard=400,flagship=300",
        "standard=500,flagship=10001",
        "standard:500,flagship:300",
        "",
    ],
)
def test_malformed_commission_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"tier|rate"):
        parse_commission_rates(text)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PAYMENTS_COMMISSION_RATES", "standard=500"),
        ("PAYMENTS_PROCESSING_FEE_BPS", "-1"),
        ("PAYMENTS_PROVIDER_TIMEOUT_MS", "0"),
        ("PAYMENTS_PROVIDER_FAILURE_DELAY_MS", "5000"),
    ],
)
def test_a_bad_setting_is_named_in_the_start_up_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=f"{variable} is malformed"):
        load_settings(PaymentsSettings)


def test_the_defaults_make_a_complete_tariff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    for variable in [
        "PAYMENTS_COMMISSION_RATES",
        "PAYMENTS_PROCESSING_FEE_BPS",
        "PAYMENTS_PROVIDER_TIMEOUT_MS",
        "PAYMENTS_PROVIDER_FAILURE_DELAY_MS",
    ]:
        monkeypatch.delenv(variable, raising=False)

    settings = load_settings(PaymentsSettings)

    # The seeds' tariff (issue 13): standard shops trade without commission.
    assert settings.tariff() == Tariff({"standard": 0, "flagship": 300}, processing_fee_bps=60)
    assert settings.grpc_addr == "127.0.0.1:50054"
