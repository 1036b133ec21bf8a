"""The `mercato` command's surface: clear errors, never a stack trace."""

from __future__ import annotations

from typer.testing import CliRunner

from mercato_cli import SERVICES, app
from mercato_cli.services import ServiceSpec

runner = CliRunner()


def test_serving_an_unknown_service_names_the_known_ones() -> None:
    result = runner.invoke(app, ["serve", "warehouse"])

    assert result.exit_code == 2
    assert "unknown service 'warehouse'" in result.output
    assert "catalog" in result.output
    assert "Traceback" not in result.output


def test_serving_a_service_that_is_not_built_says_so(monkeypatch) -> None:
    # Every service is built now: name one the CLI knows of but no package provides.
    monkeypatch.setitem(SERVICES, "warehouse", ServiceSpec("warehouse", "127.0.0.1:50099"))

    result = runner.invoke(app, ["serve", "warehouse"])

    assert result.exit_code == 2
    assert "not built yet" in result.output


def test_every_service_has_its_own_default_address_and_variable() -> None:
    addrs = [spec.default_grpc_addr for spec in SERVICES.values()]

    assert len(set(addrs)) == len(addrs)
    assert SERVICES["catalog"].grpc_addr_variable == "CATALOG_GRPC_ADDR"
    assert SERVICES["catalog"].default_grpc_addr == "127.0.0.1:50052"


def test_infra_status_without_a_running_infra_exits_1(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MERCATO_STATE_DIR", str(tmp_path))

    result = runner.invoke(app, ["infra", "status"])

    assert result.exit_code == 1
    assert "not running" in result.output
