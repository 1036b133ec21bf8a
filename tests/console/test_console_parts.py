"""The console's pieces without I/O: where it looks for the services, how it shows money, how
it reads the as-of form."""

from __future__ import annotations

import pytest

from mercato_console import Endpoints
from mercato_console._format import major
from mercato_console._web import _as_of


def test_endpoints_come_from_the_services_own_variables() -> None:
    endpoints = Endpoints.from_environment(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092",
            "LEDGER_GRPC_ADDR": "127.0.0.1:7001",
            "LEDGER_METRICS_ADDR": "127.0.0.1:9457",
            "ORDERS_CONSUMER_GROUP_PREFIX": "orders-blue",
        }
    )

    assert endpoints.grpc["ledger"] == "127.0.0.1:7001"
    assert endpoints.grpc["identity"] == "127.0.0.1:50051"
    assert endpoints.metrics == {"ledger": "127.0.0.1:9457"}
    assert endpoints.service_of_group("orders-blue.saga") == "orders"
    assert endpoints.service_of_group("ledger.postings") == "ledger"
    assert endpoints.service_of_group("orders.saga") is None
    assert endpoints.service_of_group("someone-else.reaction") is None


def test_endpoints_without_a_broker_name_the_variable() -> None:
    with pytest.raises(ValueError, match="KAFKA_BOOTSTRAP_SERVERS"):
        Endpoints.from_environment({})


@pytest.mark.parametrize(
    ("minor_units", "shown"),
    [(0, "0.00"), (5, "0.05"), (123456789, "1,234,567.89"), (-1050, "-10.50")],
)
def test_amounts_show_two_decimals_and_thousands(minor_units: int, shown: str) -> None:
    assert major(minor_units) == shown


def test_the_as_of_form_reads_a_time_a_position_both_or_neither() -> None:
    assert _as_of({}) == (None, "")
    by_sequence, _ = _as_of({"as_of_sequence": "42"})
    by_time, _ = _as_of({"as_of_time": "2026-12-01T10:30"})
    both, _ = _as_of({"as_of_time": "2026-12-01T10:30:05", "as_of_sequence": "7"})

    assert by_sequence is not None
    assert by_sequence.sequence == 42
    assert not by_sequence.HasField("time")
    assert by_time is not None
    assert by_time.time.ToJsonString() == "2026-12-01T10:30:00Z"
    assert both is not None
    assert (both.sequence, both.time.seconds % 60) == (7, 5)


@pytest.mark.parametrize(
    ("form", "field"),
    [({"as_of_sequence": "-1"}, "as_of_sequence"), ({"as_of_time": "yesterday"}, "as_of_time")],
)
def test_a_bad_as_of_names_its_field(form: dict[str, str], field: str) -> None:
    as_of, problem = _as_of(form)

    assert as_of is None
    assert problem.startswith(f"{field}:")
