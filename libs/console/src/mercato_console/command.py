"""`mercato console`: serve the operators' web page."""

from __future__ import annotations

import os

import typer
from aiohttp import web

from mercato_console._backend import Backend
from mercato_console._endpoints import Endpoints
from mercato_console._web import console_app

__all__ = ["ADDRESS_VARIABLE", "DEFAULT_ADDRESS", "console"]

ADDRESS_VARIABLE = "CONSOLE_HTTP_ADDR"
DEFAULT_ADDRESS = "127.0.0.1:50190"


def console(
    address: str = typer.Option(
        None,
        "--address",
        help=f"host:port to listen on (default ${ADDRESS_VARIABLE}, else {DEFAULT_ADDRESS}).",
    ),
    bootstrap: str | None = typer.Option(
        None, "--bootstrap", help="Kafka bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS)."
    ),
) -> None:
    """Serve the operators' console: sign in as an operator at http://<address>/.

    It calls the services where <SERVICE>_GRPC_ADDR says (identity, orders, payments,
    logistics, ledger), reads consumer lag and dead letters from Kafka (consumer groups by
    <SERVICE>_CONSUMER_GROUP_PREFIX, else the service's name) and outbox depth from
    <SERVICE>_METRICS_ADDR where set.
    """
    where = address or os.environ.get(ADDRESS_VARIABLE) or DEFAULT_ADDRESS
    host, _, port = where.rpartition(":")
    if not host or not port.isdigit():
        raise typer.BadParameter(f"{where!r} is not host:port", param_hint="--address")
    try:
        endpoints = Endpoints.from_environment(kafka=bootstrap)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--bootstrap") from None
    typer.echo(f"the Mercato console: http://{where}/", err=True)
    web.run_app(
        console_app(Backend(endpoints)),
        host=host,
        port=int(port),
        print=None,
        handle_signals=True,
    )
