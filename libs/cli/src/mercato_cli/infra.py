"""`mercato infra`: the local Kafka broker and PostgreSQL server."""

from __future__ import annotations

import typer

from mercato_localinfra import KAFKA_VERSION, InfraError, LocalInfra, check

infra_app = typer.Typer(
    help="The local Kafka broker and PostgreSQL server (no containers).",
    no_args_is_help=True,
)


def _fail(exc: InfraError) -> typer.Exit:
    typer.echo(f"mercato infra: {exc}", err=True)
    return typer.Exit(code=1)


@infra_app.command()
def install(
    tools: bool = typer.Option(
        False, "--tools", help="Also fetch Kafka's performance tools (for bench/)."
    ),
) -> None:
    """Fetch Apache Kafka from Maven Central; install PostgreSQL, Prometheus and Chromium where
    missing."""
    infra = LocalInfra()
    try:
        infra.install()
        if tools:
            infra.kafka.install_tools()
    except InfraError as exc:
        raise _fail(exc) from exc
    typer.echo(f"Apache Kafka {KAFKA_VERSION} cached in {infra.kafka.libs_dir}", err=True)


@infra_app.command()
def up(
    kafka_only: bool = typer.Option(
        False, "--kafka-only", help="Start the broker alone (no DATABASE_URL is printed)."
    ),
    brokers: int = typer.Option(
        1,
        "--brokers",
        min=1,
        max=9,
        help="A KRaft cluster of this many brokers (replication factor min(3, N), "
        "min.insync.replicas 2 from 3 up; 256 MB heap each).",
    ),
) -> None:
    """Start the broker(s) and the database (if not running); print their addresses as
    exports."""
    infra = LocalInfra()
    try:
        endpoints = infra.up(kafka_only=kafka_only, brokers=brokers)
    except InfraError as exc:
        raise _fail(exc) from exc
    kafka = f"Kafka {KAFKA_VERSION}" + (f" ({brokers} brokers)" if brokers > 1 else "")
    what = f"{kafka} is" if kafka_only else f"{kafka} and PostgreSQL are"
    typer.echo(f"# {what} up (state: {infra.state_dir})", err=True)
    typer.echo(endpoints.exports(), nl=False)


@infra_app.command()
def down(
    purge: bool = typer.Option(False, "--purge", help="Also delete topics and databases."),
) -> None:
    """Stop the broker and the database; nothing is left listening."""
    try:
        LocalInfra().down(purge=purge)
    except InfraError as exc:
        raise _fail(exc) from exc
    typer.echo("# Kafka and PostgreSQL are stopped", err=True)


@infra_app.command()
def status() -> None:
    """Print the addresses as exports when running; exit 1 when not."""
    endpoints = LocalInfra().status()
    if endpoints is None:
        typer.echo("# the local Kafka and PostgreSQL are not running", err=True)
        raise typer.Exit(code=1)
    typer.echo(endpoints.exports(), nl=False)


@infra_app.command(name="check")
def check_() -> None:
    """Round-trip a record through Kafka and query PostgreSQL: proof that both are healthy."""
    endpoints = LocalInfra().status()
    if endpoints is None:
        typer.echo("# the local Kafka and PostgreSQL are not running", err=True)
        raise typer.Exit(code=1)
    try:
        health = check(endpoints)
    except InfraError as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"kafka      {endpoints.kafka_bootstrap_servers}  healthy: {health.kafka_cluster}, "
        f"produce+consume round trip {health.kafka_round_trip_ms:.0f} ms"
    )
    if endpoints.database_url is not None:
        typer.echo(f"postgresql {endpoints.database_url}  healthy: {health.postgres_version}")
