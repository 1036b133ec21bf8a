"""The ledger as a real process: the hand-computed scenario published to Kafka (one event
twice, as an at-least-once relay may), read back over gRPC; then `mercato ledger replay` and
`audit` on it, and an altered journal row caught by both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import create_engine, update

from mercato.ledger.v1 import ledger_pb2 as pb
from mercato_kit.storage import sync_url
from mercato_kit.testing import LocalIssuer
from mercato_ledger.adapters.tables import lines

from ._scenario import ENTRIES, EXPECTED_BALANCES, MILESTONES, ORDER_A, SELLER, scenario
from ._service import (
    RunningLedger,
    create_topics,
    ledger_cli,
    publish,
    start_ledger,
    unique_topics,
    wait_for_counts,
)

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture(scope="module")
def topics(kafka_bootstrap_servers: str) -> dict[str, str]:
    names = unique_topics()
    create_topics(kafka_bootstrap_servers, names)
    return names


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.db'}"


@pytest.fixture(scope="module")
def ledger(
    database_url: str,
    kafka_bootstrap_servers: str,
    topics: dict[str, str],
    issuer: LocalIssuer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningLedger]:
    events = scenario()
    publish(kafka_bootstrap_servers, topics, [*events, events[0]])
    service = start_ledger(
        database_url, kafka_bootstrap_servers, topics, issuer, tmp_path_factory.mktemp("logs")
    )
    try:
        wait_for_counts(database_url, (ENTRIES, MILESTONES))
        yield service
    finally:
        assert service.stop() == 0


@pytest.fixture(scope="module")
def operator(issuer: LocalIssuer) -> list[tuple[str, str]]:
    return issuer.metadata(subject="00000000-0000-0000-0000-0000000000ff", roles=["operator"])


def _time(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def test_every_money_event_is_posted_with_its_exact_amounts(
    ledger: RunningLedger, operator: list[tuple[str, str]]
) -> None:
    for account, expected in EXPECTED_BALANCES.items():
        answer = ledger.stub.GetBalance(pb.GetBalanceRequest(account=account), metadata=operator)
        assert [(m.currency, m.minor_units) for m in answer.balances] == [("CNY", expected)]
        assert answer.sequence == ENTRIES
    trial = ledger.stub.GetTrialBalance(pb.GetTrialBalanceRequest(), metadata=operator)
    assert trial.balanced
    assert [(m.currency, m.minor_units) for m in trial.debits] == [("CNY", 51250)]


def test_projections_answer_now_and_as_of_a_time(
    ledger: RunningLedger, operator: list[tuple[str, str]]
) -> None:
    revenue = ledger.stub.GetRevenue(
        pb.GetRevenueRequest(period=pb.PERIOD_MONTH), metadata=operator
    )
    assert [(r.period, r.key, r.amount.minor_units) for r in revenue.amounts] == [
        ("2026-11", "sale_commission", 1250)
    ]
    spent = ledger.stub.GetExpenditure(
        pb.GetExpenditureRequest(period=pb.PERIOD_MONTH), metadata=operator
    )
    assert [(r.period, r.amount.minor_units) for r in spent.amounts] == [
        ("2026-10", 180),
        ("2026-11", 318),
    ]
    months = ledger.stub.GetMonthlyResult(pb.GetMonthlyResultRequest(), metadata=operator)
    assert [(m.month, m.net.minor_units) for m in months.months] == [
        ("2026-10", -180),
        ("2026-11", 932),
    ]
    gmv = ledger.stub.GetGrossMerchandiseVolume(
        pb.GetGrossMerchandiseVolumeRequest(period=pb.PERIOD_MONTH), metadata=operator
    )
    assert [(g.period, g.amount.minor_units, g.count) for g in gmv.amounts] == [
        ("2026-10", 30019, 2),
        ("2026-11", 3000, 1),
    ]
    end_of_october = pb.AsOf(time=_time(datetime(2026, 10, 31, 23, 59, tzinfo=UTC)))
    held = ledger.stub.GetEscrowFloat(
        pb.GetEscrowFloatRequest(as_of=end_of_october), metadata=operator
    )
    assert [(f.amount.minor_units, f.orders) for f in held.floats] == [(30019, 2)]
    assert not ledger.stub.GetEscrowFloat(pb.GetEscrowFloatRequest(), metadata=operator).floats
    audit = ledger.stub.Audit(pb.AuditRequest(), metadata=operator)
    assert (list(audit.violations), audit.HasField("broken_link"), audit.entries) == (
        [],
        False,
        ENTRIES,
    )


def test_a_seller_reads_only_their_own_payable(ledger: RunningLedger, issuer: LocalIssuer) -> None:
    seller = issuer.metadata(subject=SELLER, roles=["seller"])
    own = f"liability:seller_payable:{SELLER}"
    statement = ledger.stub.GetStatement(pb.GetStatementRequest(account=own), metadata=seller)
    # Topics are consumed in no fixed order: the payout may be posted before the releases.
    assert sorted(line.amount.minor_units for line in statement.lines) == [-14250, -9519, 23769]
    assert statement.lines[-1].balance_after.minor_units == 0
    for call, request in (
        (ledger.stub.GetBalance, pb.GetBalanceRequest(account="asset:payment_clearing")),
        (ledger.stub.GetBalance, pb.GetBalanceRequest(account="liability:seller_payable:x")),
        (ledger.stub.GetTrialBalance, pb.GetTrialBalanceRequest()),
    ):
        with pytest.raises(grpc.RpcError) as denied:
            call(request, metadata=seller)
        assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_bad_requests_are_named_and_unknown_accounts_not_found(
    ledger: RunningLedger, operator: list[tuple[str, str]]
) -> None:
    with pytest.raises(grpc.RpcError) as anonymous:
        ledger.stub.GetBalance(pb.GetBalanceRequest(account="asset:payment_clearing"))
    assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as malformed:
        ledger.stub.GetBalance(pb.GetBalanceRequest(account="cash"), metadata=operator)
    assert malformed.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "account" in (malformed.value.details() or "")
    with pytest.raises(grpc.RpcError) as unknown:
        ledger.stub.GetBalance(
            pb.GetBalanceRequest(account="revenue:advertising"), metadata=operator
        )
    assert unknown.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as no_period:
        ledger.stub.GetRevenue(pb.GetRevenueRequest(), metadata=operator)
    assert no_period.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_replay_rebuilds_an_identical_ledger(
    ledger: RunningLedger, kafka_bootstrap_servers: str, database_url: str, topics: dict[str, str]
) -> None:
    result = ledger_cli(kafka_bootstrap_servers, database_url, topics, "replay")
    assert result.exit_code == 0, result.output
    assert "identical" in result.stdout
    assert "1 duplicates skipped" in result.stdout
    assert "events/s" in result.stdout


def test_audit_prints_the_trial_balance_and_a_statement_as_of_a_time(
    ledger: RunningLedger, kafka_bootstrap_servers: str, database_url: str, topics: dict[str, str]
) -> None:
    result = ledger_cli(
        kafka_bootstrap_servers,
        database_url,
        topics,
        "audit",
        "--account",
        f"liability:escrow:{ORDER_A}",
        "--as-of",
        "2026-11-01T00:00:00Z",
    )
    assert result.exit_code == 0, result.output
    assert "invariants: all hold" in result.stdout
    assert f"hash chain: intact ({ENTRIES} entries verified)" in result.stdout
    assert "PaymentCaptured" in result.stdout
    assert "EscrowReleased" not in result.stdout  # released on 3 November


def test_an_altered_journal_row_is_caught_by_audit_and_replay(
    ledger: RunningLedger, kafka_bootstrap_servers: str, database_url: str, topics: dict[str, str]
) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(
            update(lines)
            .where(lines.c.sequence == 3, lines.c.amount < 0)
            .values(amount=lines.c.amount - 1)
        )
    engine.dispose()
    audited = ledger_cli(kafka_bootstrap_servers, database_url, topics, "audit", columns=80)
    assert audited.exit_code == 1, audited.output
    assert "hash chain BROKEN at entry 3" in audited.stdout
    # The finding is one line with its reason, whatever the terminal's width.
    [finding] = [line for line in audited.stdout.splitlines() if "hash chain BROKEN" in line]
    assert "previous hash differs" in finding or "contents do not match" in finding, finding
    assert "VIOLATED entry balances: entry 3 is off by -1 CNY" in audited.stdout
    replayed = ledger_cli(kafka_bootstrap_servers, database_url, topics, "replay")
    assert replayed.exit_code == 1, replayed.output
    assert "DIFFERENT: account" in replayed.stdout
    assert "posted with different lines" in replayed.stdout
