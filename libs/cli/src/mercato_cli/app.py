"""`mercato`: the Typer application and its command groups."""

from __future__ import annotations

import typer

from mercato_cli.demo import demo
from mercato_cli.dlq import dlq_app
from mercato_cli.events import events_app
from mercato_cli.infra import infra_app
from mercato_cli.ledger import ledger_app
from mercato_cli.services import UnknownServiceError, find_service

app = typer.Typer(
    name="mercato",
    help="Mercato: an open, event-sourced commerce platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(infra_app, name="infra")
app.add_typer(events_app, name="events")
app.add_typer(dlq_app, name="dlq")
app.add_typer(ledger_app, name="ledger")
app.command(name="demo")(demo)


@app.command()
def serve(service: str = typer.Argument(help="The service to start, e.g. catalog.")) -> None:
    """Start one service alone, configured only by environment variables (see README)."""
    try:
        start = find_service(service)
    except UnknownServiceError as exc:
        typer.echo(f"mercato serve: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    start()


def main() -> None:
    """Console-script entry point."""
    app()
