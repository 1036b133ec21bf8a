"""The demo's money view: the ledger's projections and trial balance (over gRPC, as an operator),
its audit, and the replay audit (`mercato ledger replay`).

The ledger signs amounts debit positive, credit negative; revenue, GMV and the escrow float
come back positive (protos/mercato/ledger/v1/ledger.proto).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from rich.console import Console
from rich.table import Table

from mercato.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from mercato_cli.demo.launcher import DemoError
from mercato_cli.demo.scenario import yuan

__all__ = ["LedgerFindings", "LedgerView", "MonthLine", "Replay", "ledger_stage"]

Metadata = Sequence[tuple[str, str]]
Replay = Callable[[], tuple[bool, str]]
"""Runs the replay audit: (whether it matches, what it says)."""
_TIMEOUT = 30.0


@dataclass(frozen=True)
class MonthLine:
    """One month's result in one currency (GetMonthlyResult), amounts in minor units."""

    month: str
    currency: str
    revenue: int
    expenditure: int
    net: int
    by_stream: dict[str, int]
    by_category: dict[str, int]
    advertising: int
    advertising_covers_expenditure: bool
    advertising_to_expenditure_bps: int | None
    """None when the month's expenditure is zero or less (no ratio exists)."""

    @classmethod
    def of(cls, line: ledger_pb2.MonthlyResult) -> MonthLine:
        return cls(
            month=line.month,
            currency=line.net.currency or line.revenue.currency or "CNY",
            revenue=line.revenue.minor_units,
            expenditure=line.expenditure.minor_units,
            net=line.net.minor_units,
            by_stream={row.key: row.amount.minor_units for row in line.revenue_by_stream},
            by_category={row.key: row.amount.minor_units for row in line.expenditure_by_category},
            advertising=line.advertising.minor_units,
            advertising_covers_expenditure=line.advertising_covers_expenditure,
            advertising_to_expenditure_bps=(
                line.advertising_to_expenditure_bps
                if line.HasField("advertising_to_expenditure_bps")
                else None
            ),
        )

    @property
    def ratio(self) -> str:
        """advertising / expenditure as a decimal ("1.18x"), or "-" when there is none."""
        bps = self.advertising_to_expenditure_bps
        if bps is None:
            return "-"
        return f"{bps // 10_000}.{bps % 10_000 // 100:02d}x"

    def sentence(self) -> str:
        covers = "yes" if self.advertising_covers_expenditure else "no"
        return (
            f"{self.month} ad revenue vs expenditure: advertising {yuan(self.advertising)} "
            f"{self.currency}, expenditure {yuan(self.expenditure)} {self.currency}, ratio "
            f"{self.ratio}, covers: {covers}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "currency": self.currency,
            "revenue": self.revenue,
            "expenditure": self.expenditure,
            "net": self.net,
            "revenue_by_stream": self.by_stream,
            "expenditure_by_category": self.by_category,
            "advertising": self.advertising,
            "advertising_covers_expenditure": self.advertising_covers_expenditure,
            "advertising_to_expenditure_bps": self.advertising_to_expenditure_bps,
        }


class LedgerView:
    """The ledger's projections, read as an operator."""

    def __init__(self, channel: grpc.Channel, metadata: Metadata) -> None:
        self._stub = ledger_pb2_grpc.LedgerServiceStub(channel)  # type: ignore[no-untyped-call]
        self._metadata = list(metadata)

    def balance(self, account: str) -> dict[str, int] | None:
        """An account's balance per currency; None when the ledger never posted to it."""
        try:
            answer = self._stub.GetBalance(
                ledger_pb2.GetBalanceRequest(account=account),
                metadata=self._metadata,
                timeout=_TIMEOUT,
            )
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return {money.currency: money.minor_units for money in answer.balances}

    def trial_balance(self) -> ledger_pb2.GetTrialBalanceResponse:
        answer: ledger_pb2.GetTrialBalanceResponse = self._stub.GetTrialBalance(
            ledger_pb2.GetTrialBalanceRequest(), metadata=self._metadata, timeout=_TIMEOUT
        )
        return answer

    def wait_settled(self, accounts: Sequence[str], timeout: float, quiet_for: float = 2.0) -> None:
        """Wait until every one of `accounts` exists with a zero balance (each order's escrow,
        each paid-out seller's payable) and the journal has stopped growing for `quiet_for`
        seconds: the ledger has caught up with the scenario."""
        deadline = time.monotonic() + timeout
        pending = list(accounts)
        last: tuple[object, ...] = ()
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            pending = [a for a in pending if any((self.balance(a) or {"?": 1}).values())]
            trial = self.trial_balance()
            state = tuple((b.account, b.balance.minor_units) for b in trial.balances)
            if state != last:
                last, quiet_since = state, time.monotonic()
            if not pending and time.monotonic() - quiet_since >= quiet_for:
                return
            time.sleep(0.5)
        raise DemoError(
            f"the ledger did not catch up within {timeout:.0f}s; still open: "
            + ", ".join(pending[:5])
        )

    def monthly(self) -> list[MonthLine]:
        """Every month's result: revenue by stream, expenditure, advertising against it."""
        answer = self._stub.GetMonthlyResult(
            ledger_pb2.GetMonthlyResultRequest(), metadata=self._metadata, timeout=_TIMEOUT
        )
        return [MonthLine.of(line) for line in answer.months]

    def print_projections(self, console: Console) -> list[MonthLine]:
        """Revenue and expenditure by month, the advertising line, GMV and the float; the
        months' results."""
        stub, metadata = self._stub, self._metadata
        month = ledger_pb2.PERIOD_MONTH
        revenue = stub.GetRevenue(
            ledger_pb2.GetRevenueRequest(period=month), metadata=metadata, timeout=_TIMEOUT
        )
        expenditure = stub.GetExpenditure(
            ledger_pb2.GetExpenditureRequest(period=month), metadata=metadata, timeout=_TIMEOUT
        )
        table = Table(title="Revenue and expenditure by month")
        for column in ("month", "kind", "stream / category"):
            table.add_column(column)
        table.add_column("amount", justify="right")
        table.add_column("currency")
        for kind, rows in (("revenue", revenue.amounts), ("expenditure", expenditure.amounts)):
            for row in rows:
                table.add_row(
                    row.period, kind, row.key, yuan(row.amount.minor_units), row.amount.currency
                )
        months = self.monthly()
        for line in months:
            table.add_row(
                line.month,
                "net",
                "revenue - expenditure",
                yuan(line.net),
                line.currency,
                style="bold",
            )
        console.print(table)
        print_advertising(console, months)
        gmv = stub.GetGrossMerchandiseVolume(
            ledger_pb2.GetGrossMerchandiseVolumeRequest(period=ledger_pb2.PERIOD_DAY),
            metadata=metadata,
            timeout=_TIMEOUT,
        )
        floats = stub.GetEscrowFloat(
            ledger_pb2.GetEscrowFloatRequest(), metadata=metadata, timeout=_TIMEOUT
        )
        figures = Table(title="Volume and float")
        for column in ("figure", "period"):
            figures.add_column(column)
        figures.add_column("amount", justify="right")
        figures.add_column("currency")
        figures.add_column("orders", justify="right")
        for row in gmv.amounts:
            figures.add_row(
                "gross merchandise volume",
                row.period,
                yuan(row.amount.minor_units),
                row.amount.currency,
                str(row.count),
            )
        for held in floats.floats or [ledger_pb2.EscrowFloat()]:
            figures.add_row(
                "escrow float",
                "now",
                yuan(held.amount.minor_units),
                held.amount.currency or "CNY",
                str(held.orders),
            )
        console.print(figures)
        return months

    def print_trial_balance(self, console: Console) -> bool:
        """The trial balance, accounts of one kind and name summed (one escrow account per
        order, one payable per seller); True when it balances."""
        trial = self.trial_balance()
        grouped: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for line in trial.balances:
            kind_and_name = ":".join(line.account.split(":")[:2])
            group = grouped[(kind_and_name, line.balance.currency)]
            group[0] += line.balance.minor_units
            group[1] += 1
        table = Table(title="Trial balance (debit +, credit -)")
        table.add_column("account")
        table.add_column("accounts", justify="right")
        table.add_column("debit", justify="right")
        table.add_column("credit", justify="right")
        table.add_column("currency")
        for (account, currency), (amount, count) in sorted(grouped.items()):
            debit, credit = (yuan(amount), "") if amount >= 0 else ("", yuan(-amount))
            table.add_row(account, str(count), debit, credit, currency)
        for debits, credits in zip(trial.debits, trial.credits, strict=False):
            table.add_row(
                "total",
                "",
                yuan(debits.minor_units),
                yuan(-credits.minor_units),
                debits.currency,
                style="bold",
            )
        console.print(table)
        if trial.balanced:
            console.print("✓ the trial balance is zero: debits equal credits in every currency")
        else:
            console.print("[red]✗ the trial balance is NOT zero[/]")
        return trial.balanced

    def audit(self, console: Console) -> bool:
        """The ledger's own audit: invariants and the hash chain."""
        answer = self._stub.Audit(
            ledger_pb2.AuditRequest(), metadata=self._metadata, timeout=_TIMEOUT
        )
        for violation in answer.violations:
            console.print(f"[red]✗ {violation.invariant}:[/] {violation.detail}")
        if answer.HasField("broken_link"):
            link = answer.broken_link
            console.print(
                f"[red]✗ hash chain broken at entry {link.sequence}[/] "
                f"(event {link.event_id}): {link.reason}"
            )
            return False
        if answer.violations:
            return False
        console.print(
            f"✓ audit: every invariant holds; the hash chain of {answer.entries} entries is intact"
        )
        return True


def print_advertising(console: Console, months: Sequence[MonthLine]) -> None:
    """The seeds' question, per month: does advertising revenue alone cover the expenditure?"""
    table = Table(title="Ad revenue vs expenditure (does advertising alone cover the month?)")
    table.add_column("month")
    for column in ("advertising", "affiliate", "expenditure"):
        table.add_column(column, justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("covers")
    table.add_column("currency")
    for line in months:
        table.add_row(
            line.month,
            yuan(line.advertising),
            yuan(line.by_stream.get("affiliate", 0)),
            yuan(line.expenditure),
            line.ratio,
            "yes" if line.advertising_covers_expenditure else "no",
            line.currency,
        )
    console.print(table)
    for line in months:
        console.print(f"  {line.sentence()}")


@dataclass(frozen=True)
class LedgerFindings:
    """What the ledger stage found."""

    balanced: bool
    audited: bool
    replay_matches: bool | None
    """None when the replay audit could not run (not built yet)."""
    months: tuple[MonthLine, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.balanced and self.audited and self.replay_matches is not False

    def as_dict(self) -> dict[str, Any]:
        return {
            "balanced": self.balanced,
            "audited": self.audited,
            "replay_matches": self.replay_matches,
            "months": [line.as_dict() for line in self.months],
        }


def ledger_stage(
    view: LedgerView,
    console: Console,
    *,
    settled_accounts: Sequence[str],
    replay: Replay | None,
    timeout: float = 120.0,
) -> LedgerFindings:
    """Wait for the ledger to catch up, print its projections and trial balance, run its audit
    and the replay audit."""
    began = time.monotonic()
    view.wait_settled(settled_accounts, timeout)
    console.print(f"✓ the ledger caught up ({time.monotonic() - began:.1f} s)")
    months = tuple(view.print_projections(console))
    balanced = view.print_trial_balance(console)
    audited = view.audit(console)
    if replay is None:
        console.print("[yellow]- `mercato ledger replay` is not built yet: no replay audit[/]")
        return LedgerFindings(balanced, audited, None, months)
    matches, said = replay()
    if matches:
        console.print(f"✓ replay audit: {said}")
    else:
        console.print(f"[red]✗ replay audit: {said}[/]")
    return LedgerFindings(balanced, audited, matches, months)
