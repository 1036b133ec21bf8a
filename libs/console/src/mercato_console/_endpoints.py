"""Where the console finds the services: the same variables the services themselves read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from mercato_cli.services import SERVICES, variable_prefix

CALLED = ("identity", "orders", "payments", "logistics", "ledger")
"""The services whose gRPC APIs the console calls."""

WATCHED = (
    "identity",
    "catalog",
    "orders",
    "payments",
    "logistics",
    "ledger",
    "marketing",
    "platform",
)
"""The services whose consumer groups, dead letters and outboxes the fabric view shows."""


@dataclass(frozen=True)
class Endpoints:
    """gRPC addresses (`<SERVICE>_GRPC_ADDR`, else the README's defaults), metrics addresses
    (`<SERVICE>_METRICS_ADDR`, when set), consumer-group prefixes
    (`<SERVICE>_CONSUMER_GROUP_PREFIX`, else the service's name) and the Kafka bootstrap."""

    kafka: str
    grpc: Mapping[str, str]
    metrics: Mapping[str, str] = field(default_factory=dict)
    group_prefixes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, kafka: str | None = None
    ) -> Endpoints:
        env = os.environ if environ is None else environ
        bootstrap = kafka or env.get("KAFKA_BOOTSTRAP_SERVERS", "")
        if not bootstrap:
            raise ValueError("KAFKA_BOOTSTRAP_SERVERS is not set (or give --bootstrap)")
        return cls(
            kafka=bootstrap,
            grpc={
                name: env.get(SERVICES[name].grpc_addr_variable, SERVICES[name].default_grpc_addr)
                for name in CALLED
            },
            metrics={
                name: env[f"{variable_prefix(name)}_METRICS_ADDR"]
                for name in WATCHED
                if env.get(f"{variable_prefix(name)}_METRICS_ADDR")
            },
            group_prefixes={
                name: env.get(f"{variable_prefix(name)}_CONSUMER_GROUP_PREFIX") or name
                for name in WATCHED
            },
        )

    def service_of_group(self, group: str) -> str | None:
        """The service a consumer group (`<prefix>.<reaction>`) belongs to, if one watched."""
        for name, prefix in self.group_prefixes.items():
            if group.startswith(f"{prefix}."):
                return name
        return None
