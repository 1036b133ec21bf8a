"""The SQL journal on SQLite and PostgreSQL with the app store's events, by hand: a vendor's
subscription charges, a refund and a payout leave exact balances, the monthly result shows the
app_store_share stream, the audit is clean, and a rebuild from the same events is identical
(posting each event once is the consumer's: the journal refuses an event id twice).

    Nov 3   AppCharged 10001: platform 3000, vendor 7001 (fee 60)
    Nov 20  AppChargeRefunded 5000: platform 1500, vendor 3500
    Nov 30  VendorPaidOut 3501 (the vendor's whole payable)
    Dec 3   AppCharged 10001: platform 3000, vendor 7001 (fee 60)

    payment clearing      10001 - 60 - 5000 - 3501 + 10001 - 60 = 11381
    payment processing    120
    app_store_share       -(3000 - 1500 + 3000) = -4500   (Nov 1500, Dec 3000)
    vendor payable        -7001 + 3500 + 3501 - 7001 = -7001
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.storage import Database
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.application import audit, monthly_results
from mercato_ledger.domain import AsOf
from mercato_ledger.domain.replay import first_difference

from ._journal import migrated, record_all
from ._scenario import Published, _event, cny, default_topics

pytestmark = pytest.mark.infra

VENDOR = str(uuid.UUID(int=0xFEED))
PAYABLE = f"liability:vendor_payable:{VENDOR}"


def _split(amount: int, platform: int) -> dict[str, object]:
    return {
        "vendor_id": VENDOR,
        "amount": cny(amount),
        "platform_share": cny(platform),
        "vendor_share": cny(amount - platform),
    }


def _charge(period: int, day: int, month: int) -> list[Published]:
    charge_id, when = f"{VENDOR}:{period}", datetime(2026, month, day, 9, tzinfo=UTC)
    return [
        _event(
            "payments.app_charge",
            charge_id,
            payments.AppCharged(charge_id=charge_id, **_split(10_001, 3_000)),  # type: ignore[arg-type]
            when,
        ),
        _event(
            "payments.app_charge",
            charge_id,
            payments.ProcessingFeeCharged(
                purpose=payments.CHARGE_PURPOSE_APP_SUBSCRIPTION,
                app_charge_id=charge_id,
                gross=cny(10_001),
                fee=cny(60),
                net_settled=cny(9_941),
                fee_rate_bps=60,
            ),
            when,
        ),
    ]


def scenario() -> list[Published]:
    first = f"{VENDOR}:0"
    return [
        *_charge(0, 3, 11),
        _event(
            "payments.app_charge",
            first,
            payments.AppChargeRefunded(charge_id=first, refund_id="r", **_split(5_000, 1_500)),  # type: ignore[arg-type]
            datetime(2026, 11, 20, tzinfo=UTC),
        ),
        _event(
            "payments.vendor_payout",
            "batch",
            payments.VendorPaidOut(batch_id="batch", vendor_id=VENDOR, amount=cny(3_501)),
            datetime(2026, 11, 30, tzinfo=UTC),
        ),
        _event(
            "payments.vendor_payout",
            "batch",
            payments.VendorPayoutBatchClosed(batch_id="batch", currency="CNY", total=cny(3_501)),
            datetime(2026, 11, 30, tzinfo=UTC),
        ),
        *_charge(1, 3, 12),
    ]


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    database = await migrated(fresh_database_url)
    yield database
    await database.dispose()


async def test_the_app_store_scenario_balances_and_replays_identically(
    database: Database, tmp_path: Path
) -> None:
    assert {"payments.app_charge", "payments.vendor_payout"} <= set(default_topics())
    events = scenario()
    await record_all(database, events)

    async with LedgerUnitOfWork(database, read_only=True) as uow:
        trial = await uow.journal.trial_balance(AsOf())
        months = await monthly_results(AsOf(), uow)
        violations, broken, verified = await audit(uow)
    async with database.transaction() as session:
        live = await SqlJournal(session).snapshot()
    rebuilt_database = await migrated(f"sqlite:///{tmp_path / 'rebuilt.db'}")
    try:
        await record_all(rebuilt_database, events)
        async with rebuilt_database.transaction() as session:
            rebuilt = await SqlJournal(session).snapshot()
    finally:
        await rebuilt_database.dispose()

    assert {b.account: b.balance for b in trial.balances} == {
        "asset:payment_clearing": 11_381,
        "expense:payment_processing": 120,
        "revenue:app_store_share": -4_500,
        PAYABLE: -7_001,
    }
    assert trial.balanced
    assert {m.month: m.revenue_by_stream for m in months} == {
        "2026-11": (("app_store_share", 1_500),),
        "2026-12": (("app_store_share", 3_000),),
    }
    assert (violations, broken, verified) == ([], None, 6)  # the batch closing posts nothing
    ends = {(topic, 0): 100 for topic in default_topics().values()}
    assert first_difference(live, rebuilt, ends) is None
