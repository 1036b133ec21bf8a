"""`mercato ledger replay|audit`: prove the ledger's figures from the log and from its journal.

The ledger provides this command group through its `mercato.commands` entry point; the CLI
finds it there and imports this module only when `mercato ledger ...` runs. Both commands work
on the ledger database `mercato serve ledger` uses, found the same way it finds it
(LEDGER_DATABASE_URL, else DATABASE_URL, else the SQLite file under MERCATO_DATA_DIR), and read
KAFKA_BOOTSTRAP_SERVERS and LEDGER_TOPICS like the service.

- replay: read the ledger's topics from offset zero (one aiokafka consumer, no group,
  nothing committed) into a fresh store (a temporary SQLite file unless --into names one),
  then compare with the live ledger up to the offsets the rebuild read to: every account's
  balance and every entry by source event id. Exit 0 when identical, 1 with the first
  differing account and the event that caused it.
- audit: the trial balance and, with --account, the account's statement, as of --as-of (a
  time) or --sequence (default now); the invariants and the whole hash chain as they are now.
  Exit 1 on any violation or a broken link.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from mercato_kit.errors import NotFound
from mercato_kit.runtime import database_url_for
from mercato_kit.settings import SettingsError, load_settings
from mercato_kit.storage import Database
from mercato_ledger.adapters.replay import NotEmpty, ReplayReport, replay
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.application import account_statement, audit, trial_balance
from mercato_ledger.domain import AsOf, BrokenLink, Violation
from mercato_ledger.domain.projections import StatementLine, TrialBalance
from mercato_ledger.settings import LedgerSettings

__all__ = ["ledger_app"]

ledger_app = typer.Typer(
    help="Rebuild the ledger from the log and audit it (operators).", no_args_is_help=True
)


def _settings() -> LedgerSettings:
    try:
        return load_settings(LedgerSettings)
    except SettingsError as exc:
        typer.echo(f"mercato ledger: {exc}", err=True)
        raise typer.Exit(code=2) from exc


def _unreadable(command: str, url: str, exc: SQLAlchemyError) -> typer.Exit:
    where = make_url(url).render_as_string(hide_password=True)
    typer.echo(
        f"mercato ledger {command}: cannot read the ledger database {where} "
        f"(has `mercato serve ledger` run against it?): {str(exc).splitlines()[0]}",
        err=True,
    )
    return typer.Exit(code=2)


@ledger_app.command("replay")
def replay_command(
    into: str = typer.Option(
        "", "--into", help="Database URL of an EMPTY store to rebuild into (default: temp SQLite)."
    ),
    topics: str = typer.Option(
        "", "--topics", help="Comma-separated topics (default: LEDGER_TOPICS)."
    ),
) -> None:
    """Rebuild the ledger from offset zero into a fresh store and compare it with the live one."""
    settings = _settings()
    names = [t.strip() for t in (topics or settings.topics).split(",") if t.strip()]
    live = database_url_for("ledger", settings)
    console = Console(stderr=True, soft_wrap=True)
    with tempfile.TemporaryDirectory(prefix="mercato-replay-") as folder:
        fresh = into or f"sqlite:///{Path(folder) / 'ledger-replay.db'}"
        with Progress(
            TextColumn("replaying"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("replay", total=None)
            try:
                report = asyncio.run(
                    replay(
                        settings.kafka_bootstrap_servers,
                        names,
                        live,
                        fresh,
                        on_start=lambda total: bar.update(task, total=total),
                        progress=lambda done: bar.advance(task, done),
                    )
                )
            except (LookupError, NotEmpty) as exc:
                typer.echo(f"mercato ledger replay: {exc}", err=True)
                raise typer.Exit(code=2) from exc
            except SQLAlchemyError as exc:
                raise _unreadable("replay", live, exc) from exc
    _print_replay(report)
    if not report.identical:
        raise typer.Exit(code=1)


def _print_replay(report: ReplayReport) -> None:
    typer.echo(
        f"replayed {report.records} records in {report.seconds:.2f} s: "
        f"{report.events_per_second:,.0f} events/s; {report.entries} entries, "
        f"{report.milestones} order milestones, {report.duplicates} duplicates skipped, "
        f"{report.poison} poison records skipped"
    )
    difference = report.difference
    if difference is None:
        typer.echo("identical: the rebuilt ledger matches the live ledger")
        return
    if difference.account:
        typer.echo(
            f"DIFFERENT: account {difference.account} ({difference.currency}) is "
            f"{difference.live} in the live ledger and {difference.rebuilt} when rebuilt; "
            f"first differing event {difference.event_id or '-'}: {difference.detail}"
        )
    else:
        typer.echo(f"DIFFERENT: event {difference.event_id}: {difference.detail}")


@ledger_app.command("audit")
def audit_command(
    account: str = typer.Option("", "--account", help="Also print this account's statement."),
    as_of: str = typer.Option(
        "", "--as-of", help="As of this ISO 8601 time, e.g. 2026-11-30T23:59:59Z (UTC if naive)."
    ),
    sequence: int | None = typer.Option(
        None, "--sequence", min=0, help="...or as of this journal sequence number."
    ),
    lines: int = typer.Option(50, "--lines", min=1, max=1000, help="Statement lines to show."),
) -> None:
    """Trial balance, invariants, hash chain, and an account's statement as of a time."""
    settings = _settings()
    point = AsOf(_moment(as_of), sequence)
    url = database_url_for("ledger", settings)
    try:
        trial, violations, broken, verified, statement = asyncio.run(
            _audit(url, point, account, lines)
        )
    except NotFound as exc:
        typer.echo(f"mercato ledger audit: {exc.message}", err=True)
        raise typer.Exit(code=2) from exc
    except SQLAlchemyError as exc:
        raise _unreadable("audit", url, exc) from exc
    console = Console(soft_wrap=True)
    _print_trial_balance(console, trial, point)
    _print_findings(console, violations, broken, verified)
    if account:
        _print_statement(console, account, statement)
    if violations or broken is not None or not trial.balanced:
        raise typer.Exit(code=1)


def _moment(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        typer.echo(f"mercato ledger audit: --as-of: not an ISO 8601 time: {text!r}", err=True)
        raise typer.Exit(code=2) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _audit(
    url: str, point: AsOf, account: str, limit: int
) -> tuple[TrialBalance, list[Violation], BrokenLink | None, int, list[StatementLine]]:
    database = Database(url)
    try:
        async with LedgerUnitOfWork(database, read_only=True) as uow:
            trial = await trial_balance(point, uow)
            violations, broken, verified = await audit(uow)
            statement = await account_statement(account, point, limit, uow) if account else []
        return trial, violations, broken, verified, statement
    finally:
        await database.dispose()


def _print_trial_balance(console: Console, trial: TrialBalance, point: AsOf) -> None:
    when = [f"time {point.time.isoformat()}"] if point.time else []
    when += [f"journal sequence {point.sequence}"] if point.sequence is not None else []
    table = Table(
        title=f"trial balance as of {' and '.join(when) or 'now'} (minor units; debit +, credit -)"
    )
    table.add_column("account")
    table.add_column("currency")
    table.add_column("balance", justify="right")
    for balance in trial.balances:
        table.add_row(balance.account, balance.currency, f"{balance.balance:+,}")
    for currency in sorted(trial.debits.keys() | trial.credits.keys()):
        debit, credit = trial.debits.get(currency, 0), trial.credits.get(currency, 0)
        table.add_row("[b]debits / credits[/b]", currency, f"{debit:+,} / {credit:+,}")
    console.print(table)
    console.print("trial balance: " + ("zero" if trial.balanced else "[red]NOT ZERO[/red]"))


def _print_findings(
    console: Console, violations: list[Violation], broken: BrokenLink | None, verified: int
) -> None:
    if violations:
        for violation in violations:
            console.print(f"[red]VIOLATED[/red] {violation.invariant}: {violation.detail}")
    else:
        console.print("invariants: all hold")
    if broken is None:
        console.print(f"hash chain: intact ({verified} entries verified)")
    else:
        console.print(
            f"[red]hash chain BROKEN[/red] at entry {broken.sequence} "
            f"(event {broken.event_id}): {broken.reason}; {verified} entries before it hold"
        )


def _print_statement(console: Console, account: str, statement: list[StatementLine]) -> None:
    table = Table(title=f"statement of {account}")
    for column in ("seq", "occurred at", "event", "currency", "amount", "balance"):
        table.add_column(column, justify="right" if column in {"amount", "balance"} else "left")
    for line in statement:
        table.add_row(
            str(line.sequence),
            line.occurred_at.isoformat(timespec="seconds"),
            f"{line.event_type.rpartition('.')[2]} {line.event_id}",
            line.currency,
            f"{line.amount:+,}",
            f"{line.balance_after:+,}",
        )
    console.print(table)
