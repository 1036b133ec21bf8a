"""The two fabrics the harness drives, each a context manager yielding a `Target`:

- `mercato`: the demo's ecosystem (its launcher and its seeding, not copies): identity, catalog,
  payments, logistics, the ledger and orders, each its own process on a database of its own
  (SQLite files, or PostgreSQL databases on `DATABASE_URL`'s server), and the carrier
  simulators; then sellers open shops and list SKUs with deep stock, and buyers register.
  The carriers run at simulated time 1:1, so within a run an order's path ends once its
  shipment is created (the pass-through has the same hops). With `instances` above 1 each
  service runs that many processes (the demo's `--instances`: one database and consumer group
  per service, callers balancing round robin over the instances).
- `passthrough`: the same processes and hops with no business or database work
  (`mercato_cli.load.passthrough`), fed the same kind of requests with made-up ids.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
import secrets
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from mercato.identity.v1 import accounts_pb2
from mercato_cli.demo.command import _CORE, Options, _Demo
from mercato_cli.demo.launcher import Fleet, free_address
from mercato_cli.demo.scenario import Shares
from mercato_cli.demo.seed import bearer, catalogue_for, open_shops
from mercato_cli.load.driver import OrderSpec
from mercato_cli.load.passthrough import ROLES

__all__ = ["Sizes", "Target", "mercato", "passthrough"]


@dataclass(frozen=True)
class Sizes:
    """How many sellers, SKUs per product and buyers to seed, and the stock of each SKU."""

    sellers: int
    products_per_shop: int
    buyers: int
    stock: int
    seed: int
    instances: int = 1
    """Processes of each service (the mercato fabric; the pass-through runs one of each)."""
    instances_of: Mapping[str, int] = field(default_factory=dict)
    """Processes of particular services, over `instances`."""
    settings: Mapping[str, str] = field(default_factory=dict)
    """Services' settings for the mercato fabric, as environment variables (over the
    environment's): `ORDERS_MAX_IN_FLIGHT` from `--max-in-flight`."""


@dataclass(frozen=True)
class Target:
    """A running fabric: where to place orders, which orders to offer, whose groups to watch."""

    name: str
    orders_address: str
    specs: Sequence[OrderSpec]
    group_prefixes: Sequence[str]
    ledger_prefix: str
    metrics: Mapping[str, str]
    fleet: Fleet


def _base_env(workdir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "AUTH_TRUSTED_KEYS"} and not key.endswith("_DATABASE_URL")
    }
    env.update(MERCATO_DATA_DIR=str(workdir))
    return env


def _specs(
    buyers: Sequence[Sequence[tuple[str, str]]], skus: Sequence[tuple[str, str]]
) -> list[OrderSpec]:
    """Every buyer with every SKU in turn (one line, quantity 1): as many specs as the longer."""
    count = max(len(buyers), len(skus))
    buyer_cycle, sku_cycle = itertools.cycle(buyers), itertools.cycle(skus)
    return [OrderSpec(next(buyer_cycle), ((*next(sku_cycle), 1),)) for _ in range(count)]


@contextlib.contextmanager
def mercato(
    sizes: Sizes, workdir: Path, run_id: str, console: Console, timeout: float
) -> Iterator[Target]:
    demo = _Demo(
        Options(
            orders=1,
            seed=sizes.seed,
            shares=Shares(),
            keep_running=False,
            workdir=workdir,
            timeout=timeout,
            run_id=run_id,
            marketing=False,
            platform=False,
            carrier_time_scale=1.0,
            instances=sizes.instances,
            instances_of=dict(sizes.instances_of),
        ),
        console,
    )
    demo.base_env = _base_env(workdir) | dict(sizes.settings)
    demo.base_env.setdefault(
        "IDENTITY_KEY_ENCRYPTION_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )
    demo.assign_addresses(_CORE)
    with Fleet(workdir, demo.base_env) as fleet:
        try:
            identity, _, apps = demo._start_identity(fleet)
            demo._start_services(fleet, apps)
            sellers = open_shops(
                identity,
                demo.channels["catalog"],
                catalogue_for(sizes.seed, sizes.sellers, sizes.products_per_shop),
                stock=sizes.stock,
                run_key=demo.run_key,
            )
            buyers = [
                identity.register(f"buyer{n + 1}@buyers.mercato.example", accounts_pb2.ROLE_BUYER)
                for n in range(sizes.buyers)
            ]
            skus = [(sku.product_id, sku.sku_id) for seller in sellers for sku in seller.skus]
            console.print(
                f"✓ seeded sellers: {len(sellers)}, SKUs: {len(skus)} of {sizes.stock} each, "
                f"buyers: {len(buyers)}"
            )
            instances = {name: demo.count(name) for name in ("identity", *_CORE)}
            if max(instances.values()) > 1:
                console.print(
                    "✓ instances: " + ", ".join(f"{n} x{c}" for n, c in instances.items())
                )
            yield Target(
                name="mercato",
                orders_address=demo.addresses["orders"],
                specs=_specs([b.metadata for b in buyers], skus),
                group_prefixes=[demo.group_prefix(name) for name in _CORE],
                ledger_prefix=demo.group_prefix("ledger"),
                # One instance's per service: the outbox depth is its database's, the same in all.
                metrics={
                    p.service: fleet.metrics[p.name]
                    for p in fleet.processes
                    if p.service and p.instance == 1 and p.name in fleet.metrics
                },
                fleet=fleet,
            )
        finally:
            for channel in demo.channels.values():
                channel.close()


@contextlib.contextmanager
def passthrough(sizes: Sizes, workdir: Path, run_id: str, console: Console) -> Iterator[Target]:
    addresses = {role: free_address() for role in ROLES}
    prefix = f"passthrough-{run_id}"
    env = {f"PASSTHROUGH_{role.upper()}_ADDR": address for role, address in addresses.items()}
    env["PASSTHROUGH_GROUP_PREFIX"] = prefix
    with Fleet(workdir, _base_env(workdir)) as fleet:
        started = [
            fleet.spawn(
                f"passthrough-{role}",
                ["-m", "mercato_cli.load.passthrough", role],
                env,
                address,
            )
            for role, address in addresses.items()
        ]
        for process in started:
            fleet.wait_serving(process)
        console.print(f"✓ pass-through {', '.join(ROLES)} serving")
        rng = uuid.UUID(int=sizes.seed)  # made-up ids: nothing is looked up
        skus = [
            (str(uuid.uuid5(rng, f"product-{n // 2}")), str(uuid.uuid5(rng, f"sku-{n}")))
            for n in range(sizes.sellers * sizes.products_per_shop * 2)
        ]
        buyers = [bearer(f"buyer-{n}") for n in range(sizes.buyers)]
        yield Target(
            name="passthrough",
            orders_address=addresses["orders"],
            specs=_specs(buyers, skus),
            group_prefixes=[prefix],
            ledger_prefix=f"{prefix}.ledger",
            metrics={},
            fleet=fleet,
        )
