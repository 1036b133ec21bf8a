"""The services Mercato has or will have, and how the CLI finds what they provide.

A service package makes itself startable by declaring an entry point in the `mercato.services`
group, named after the service, pointing at a zero-argument callable that reads its settings
from the environment and serves until SIGTERM (`mercato serve <name>`). A service that has
operator tools declares them in the `mercato.commands` group: the entry point's name is the
command (`mercato <name> ...`), its value a Typer app (the ledger's `replay` and `audit`). The
CLI never imports a service directly, so services stay independent packages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

ENTRY_POINT_GROUP = "mercato.services"
COMMANDS_ENTRY_POINT_GROUP = "mercato.commands"


def variable_prefix(service: str) -> str:
    """The prefix of a service's environment variables: `marketing-traffic` -> MARKETING_TRAFFIC."""
    return service.upper().replace("-", "_")


@dataclass(frozen=True)
class ServiceSpec:
    """A service's name and the gRPC address it listens on unless `<NAME>_GRPC_ADDR` says."""

    name: str
    default_grpc_addr: str

    @property
    def grpc_addr_variable(self) -> str:
        """The environment variable that sets where the service listens."""
        return f"{variable_prefix(self.name)}_GRPC_ADDR"


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("identity", "127.0.0.1:50051"),
        ServiceSpec("catalog", "127.0.0.1:50052"),
        ServiceSpec("orders", "127.0.0.1:50053"),
        ServiceSpec("payments", "127.0.0.1:50054"),
        ServiceSpec("logistics", "127.0.0.1:50055"),
        ServiceSpec("marketing", "127.0.0.1:50056"),
        ServiceSpec("ledger", "127.0.0.1:50057"),
        ServiceSpec("platform", "127.0.0.1:50058"),
        ServiceSpec("example", "127.0.0.1:50059"),
        ServiceSpec("marketing-traffic", "127.0.0.1:50060"),
    )
}


class UnknownServiceError(LookupError):
    """The name is not a Mercato service, or the service is not built (installed) yet."""


def find_service(name: str) -> Callable[[], object]:
    """Load the entry point that starts the named service."""
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == name:
            loaded = entry.load()
            if not callable(loaded):
                raise UnknownServiceError(f"entry point {entry.value!r} is not callable")
            return loaded  # type: ignore[no-any-return]
    if name in SERVICES:
        raise UnknownServiceError(
            f"service {name!r} is not built yet (no package provides it in this environment)"
        )
    known = ", ".join(sorted(SERVICES))
    raise UnknownServiceError(f"unknown service {name!r}; Mercato's services are: {known}")


def service_commands() -> dict[str, EntryPoint]:
    """The command groups installed services provide, by command name (not loaded yet)."""
    return {entry.name: entry for entry in entry_points(group=COMMANDS_ENTRY_POINT_GROUP)}
