"""Command groups a service provides (`mercato.commands` entry points): found, not imported."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import requires

from typer.testing import CliRunner

from mercato_cli import app
from mercato_cli.services import service_commands

runner = CliRunner()


def test_the_ledger_provides_mercato_ledger_and_the_cli_does_not_depend_on_it() -> None:
    commands = service_commands()

    assert commands["ledger"].value == "mercato_ledger.entrypoints.cli:ledger_app"
    assert not [r for r in requires("mercato-cli") or [] if r.startswith("mercato-ledger")]


def test_mercato_ledger_help_lists_replay_and_audit() -> None:
    result = runner.invoke(app, ["ledger", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "replay" in result.output
    assert "audit" in result.output


def test_mercato_help_lists_the_provided_commands_beside_its_own() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    for command in ("serve", "infra", "events", "dlq", "demo", "ledger"):
        assert command in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["warehouse"])

    assert result.exit_code == 2
    assert "No such command" in result.output


def test_starting_the_cli_imports_no_service() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mercato_cli.app; "
            "print(sorted(m for m in sys.modules if m.startswith('mercato_ledger')))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert done.stdout.strip() == "[]"
