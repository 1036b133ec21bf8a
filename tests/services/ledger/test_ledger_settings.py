"""LEDGER_* settings: a bad value stops start-up with a message naming the variable."""

from __future__ import annotations

import pytest

from mercato_kit.settings import SettingsError, load_settings
from mercato_ledger.settings import MONEY_TOPICS, LedgerSettings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEDGER_TOPICS", "mercato.payments.payment,,mercato.orders.order"),
        ("LEDGER_CONSUMER_BATCH", "0"),
        ("LEDGER_AUDIT_INTERVAL_S", "-1"),
    ],
)
def test_a_bad_setting_is_named_in_the_start_up_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=f"{variable} is malformed"):
        load_settings(LedgerSettings)


def test_topics_are_read_as_a_trimmed_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("LEDGER_TOPICS", " a.b , c.d ")

    assert load_settings(LedgerSettings).topic_names() == ["a.b", "c.d"]
    monkeypatch.delenv("LEDGER_TOPICS")
    assert load_settings(LedgerSettings).topics == MONEY_TOPICS


def test_the_default_topics_include_marketings_and_the_app_stores_money_topics() -> None:
    assert MONEY_TOPICS.split(",") == [
        "mercato.payments.payment",
        "mercato.payments.payout",
        "mercato.payments.budget",
        "mercato.payments.app_charge",
        "mercato.payments.vendor_payout",
        "mercato.orders.order",
        "mercato.marketing.click",
        "mercato.marketing.conversion",
        "mercato.marketing.payout",
    ]
