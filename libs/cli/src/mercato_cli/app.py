"""`mercato`: the Typer application and its command groups.

The operator tools (events, dlq) and the demo load their modules only when they run, and so do
the command groups services provide through the `mercato.commands` entry points (the ledger's
`mercato ledger replay|audit`): `mercato serve <service>` and `mercato infra ...` start without
importing a service's tools, the demo or rich's tables.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import typer
from typer._click.core import Command, Context  # Typer's own click (vendored since 0.20)
from typer.core import TyperGroup

from mercato_cli.infra import infra_app
from mercato_cli.services import UnknownServiceError, find_service, service_commands

_LAZY: dict[str, tuple[str, str]] = {
    "events": ("mercato_cli.events", "events_app"),
    "dlq": ("mercato_cli.dlq", "dlq_app"),
    "demo": ("mercato_cli.demo.command", "demo"),
    "verify": ("mercato_cli.verify", "verify"),
    "chaos": ("mercato_cli.chaos.command", "chaos"),
    "load": ("mercato_cli.load.command", "load"),
    "health": ("mercato_cli.health", "health"),
}
"""Command name -> (module, attribute): a Typer app, or a function that is one command."""


def _load(cmd_name: str) -> typer.Typer | Callable[..., object] | None:
    """The CLI's own lazy command, else the one a service provides, else None."""
    target: typer.Typer | Callable[..., object]
    if cmd_name in _LAZY:
        module, attribute = _LAZY[cmd_name]
        target = getattr(importlib.import_module(module), attribute)
    elif cmd_name in (provided := service_commands()):
        target = provided[cmd_name].load()
    else:
        return None
    return target


class _LazyGroup(TyperGroup):
    """The top-level group: the commands in `_LAZY` and those services provide are imported
    when asked for."""

    def list_commands(self, ctx: Context) -> list[str]:
        own = [*super().list_commands(ctx), *_LAZY]
        return own + sorted(name for name in service_commands() if name not in own)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        target = _load(cmd_name)
        if target is None:
            return None
        # Built as `app.add_typer(...)` / `app.command(...)` would have built it.
        wrapper = typer.Typer(add_completion=False)
        if isinstance(target, typer.Typer):
            wrapper.add_typer(target, name=cmd_name)
        else:
            wrapper.command(name=cmd_name)(target)
            wrapper.command(name="_")(lambda: None)  # two commands: keep `wrapper` a group
        group = typer.main.get_command(wrapper)
        assert isinstance(group, TyperGroup)
        return group.get_command(ctx, cmd_name)


app = typer.Typer(
    name="mercato",
    help="Mercato: an open, event-sourced commerce platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_LazyGroup,
)
app.add_typer(infra_app, name="infra")


@app.command()
def serve(
    service: str = typer.Argument(
        envvar="MERCATO_SERVICE", help="The service to start, e.g. catalog ($MERCATO_SERVICE)."
    ),
) -> None:
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
