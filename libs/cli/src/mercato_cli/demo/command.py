"""`mercato demo`: the order-to-cash ecosystem, each service its own process.

Needs a running Kafka (`KAFKA_BOOTSTRAP_SERVERS`; `make demo` starts an empty one). Each service
gets an SQLite file in the run's folder, or, when `DATABASE_URL` names a PostgreSQL server, a new
database of its own there (`mercato_demo_<run>_<service>`). In order:

1. identity; the first operator (identity's command line); the orders service's app and two
   carrier apps (one delivers, one loses every parcel it is handed); the partner apps: a
   publisher site (marketing) and a software vendor's app (the platform);
2. catalog, payments, logistics, the ledger, orders, marketing with its traffic worker, and the
   open platform, and one carrier simulator per carrier app (a service still being built —
   `mercato serve` exits 2 — is skipped, and the stages that need it say so);
3. sellers open shops (standard booths and flagship stores) and list products; buyers register;
4. the platform act (partners.py): one seller grants the vendor's app orders:read; the app
   follows that seller's orders over a gRPC stream and a signed webhook to a local receiver;
5. the marketing act (marketing.py): advertisers deposit and launch campaigns, visitors click
   the publisher site's ads (duplicates, a replay and a flood among them);
6. the scenario (scenario.py): orders placed (a share of them through a click), some declined,
   some lost, some refunded, a few left to auto-confirm, the rest confirmed; a progress bar
   until every order is final;
7. a payout batch for sellers; marketing settles the attributed orders' commissions and pays
   the publisher; the ledger's projections (with the month's ad revenue against expenditure),
   trial balance and audit; the replay audit; what marketing counted and what each partner
   received;
8. with --verify, `mercato verify`'s checks over the run's orders and products (captures once,
   ledger once, final escrow zero, reservations, trial balance and audit, consumer lag);
9. everything stopped, or, with --keep-running, left running until Ctrl-C with the operators'
   console (`mercato console`) beside them: its address is printed and in the summary.

With `--instances N` (or per service, `--instances-of orders=3,catalog=2`) each service runs as
N processes on the service's one database and consumer groups, its callers balancing over them
(see launcher.py); the summary's `instances` says what each process served (gRPC calls, events
applied), read from its metrics before it stops. Marketing's traffic worker stays one process
unless `--instances-of` names it.

What happened is also written to `<workdir>/summary.json`. Exit status 0 when every order ended
as seeded, the trial balance is zero, the audit passes, the replay matches and every check of
the marketing and platform acts holds; 1 otherwise (with where the logs are); 130 when
interrupted. Every process is stopped in every case.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import secrets
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import grpc
import typer
from rich.console import Console

from mercato.identity.v1 import accounts_pb2, apps_pb2
from mercato_cli.demo import report
from mercato_cli.demo.app_store import APP_STORE_SCOPES, AppStoreAct, app_store_settings
from mercato_cli.demo.launcher import (
    DemoError,
    Fleet,
    NotBuiltError,
    Process,
    balanced_target,
    client_channel,
    database_url,
    free_address,
    parse_instances,
    served_counts,
    stop_on_signals,
    variable_prefix,
)
from mercato_cli.demo.marketing import (
    MarketingAct,
    MarketingPlan,
    plan_marketing,
    products_of,
    traffic_settings,
)
from mercato_cli.demo.partners import (
    PUBLISHER_SCOPES,
    VENDOR_SCOPES,
    PartnersAct,
    granted_shop,
    platform_settings,
    publisher_expected,
)
from mercato_cli.demo.scenario import (
    LOSSY_REGION,
    Outcome,
    PlannedOrder,
    Shares,
    plan_orders,
    run_payouts,
    run_scenario,
    status_name,
    summary_table,
    yuan,
)
from mercato_cli.demo.seed import (
    ORDERS_APP_SCOPES,
    PASSWORD,
    App,
    Identity,
    Seller,
    SignedIn,
    catalogue_for,
    create_operator,
    open_shops,
)
from mercato_cli.services import service_commands
from mercato_cli.verify import Scope, print_findings, run_checks

__all__ = ["demo"]

_CORE = ("catalog", "payments", "logistics", "ledger", "orders")
_MARKETING = ("marketing", "marketing-traffic")
_PLATFORM = ("platform",)
_OPTIONAL = frozenset({"ledger", "orders", *_MARKETING, *_PLATFORM})
"""Services still being built: the demo goes as far as it can without them."""
_OPERATOR = "ops@operators.mercato.example"
_ONE_INSTANCE = frozenset({"marketing-traffic"})
"""Services `--instances` leaves at one process (`--instances-of` may still scale them)."""
_HTTP_FACES = {"marketing-http": "marketing", "platform-http": "platform"}


@dataclass(frozen=True)
class Options:
    orders: int
    seed: int
    shares: Shares
    keep_running: bool
    workdir: Path
    timeout: float
    run_id: str
    marketing: bool = True
    platform: bool = True
    clicks: int | None = None
    """Visitors' clicks besides the flood; None: two per order."""
    attributed_share: float = 0.3
    carrier_time_scale: float = 14400
    """Simulated seconds per real second of the carrier simulators (a parcel's 34 simulated
    hours take 8.5 s at 14400)."""
    auto_confirm_s: int = 10
    """Orders' auto-confirm deadline after delivery (`ORDERS_AUTO_CONFIRM_S`)."""
    instances: int = 1
    """Processes of each service (but those of `_ONE_INSTANCE`)."""
    instances_of: Mapping[str, int] = field(default_factory=dict)
    """Processes of the services named here, whatever `instances` says."""
    verify: bool = False
    """Run `mercato verify`'s checks over the run's orders at the end."""


def demo(
    orders: int = typer.Option(60, "--orders", min=1, max=2000, help="How many orders."),
    seed: int = typer.Option(7, "--seed", help="Decides every choice of the scenario."),
    decline_share: float = typer.Option(
        0.1, "--decline-share", min=0, max=1, help="Share of orders whose payment is declined."
    ),
    loss_share: float = typer.Option(
        0.1, "--loss-share", min=0, max=1, help="Share of orders whose parcel is lost."
    ),
    refund_share: float = typer.Option(
        0.1, "--refund-share", min=0, max=1, help="Share refunded on the buyer's request."
    ),
    auto_share: float = typer.Option(
        0.1, "--auto-share", min=0, max=1, help="Share left to the auto-confirm deadline."
    ),
    keep_running: bool = typer.Option(
        False, "--keep-running", help="Leave the services running at the end, until Ctrl-C."
    ),
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", help="Logs and databases (default .mercato/demo/<time>/)."),
    ] = None,
    timeout: float = typer.Option(
        300, "--timeout", min=10, help="Seconds for every order to become final."
    ),
    marketing: bool = typer.Option(
        True,
        "--marketing/--no-marketing",
        help="The marketing act: advertisers, a publisher site, visitors' clicks, orders "
        "through clicks (marketing and its traffic worker).",
    ),
    platform: bool = typer.Option(
        True,
        "--platform/--no-platform",
        help="The platform act: a partner app following one seller's orders over a gRPC "
        "stream and a signed webhook.",
    ),
    clicks: Annotated[
        int | None,
        typer.Option(
            "--clicks",
            min=0,
            max=5000,
            help="Visitors' clicks on ads, besides the flood (default: two per order).",
        ),
    ] = None,
    attributed_share: float = typer.Option(
        0.3,
        "--attributed-share",
        min=0,
        max=1,
        help="Share of orders placed through a click (from advertising shops).",
    ),
    instances: int = typer.Option(
        1,
        "--instances",
        min=1,
        max=8,
        help="Processes of each service (on its one database and consumer groups; callers "
        "balance over them). Marketing's traffic worker stays one unless --instances-of says.",
    ),
    instances_of: str = typer.Option(
        "",
        "--instances-of",
        help="Processes of particular services, e.g. orders=3,catalog=2 (over --instances).",
    ),
    verify: bool = typer.Option(
        False,
        "--verify",
        help="At the end, `mercato verify`'s checks over this run's orders and products.",
    ),
) -> None:
    """Run the order-to-cash ecosystem end to end: every service its own process, a seeded
    scenario with a progress bar, a marketing act (campaigns, clicks, orders through clicks)
    and a platform act (a partner app following a seller's orders), revenue and balance
    projections, the replay audit."""
    console = Console()
    per_service = parse_instances(instances_of)
    shares = Shares(decline_share, loss_share, refund_share, auto_share)
    try:
        shares.counts(orders)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        console.print(
            "[red]mercato demo: KAFKA_BOOTSTRAP_SERVERS is not set[/] "
            '(`make demo` starts Kafka; or `eval "$(mercato infra up --kafka-only)"` first)'
        )
        raise typer.Exit(code=2)
    started = datetime.now(UTC)
    folder = workdir or Path(".mercato") / "demo" / started.strftime("%Y%m%dT%H%M%S")
    options = Options(
        orders,
        seed,
        shares,
        keep_running,
        folder.resolve(),
        timeout,
        run_id=started.strftime("%Y%m%d%H%M%S") + secrets.token_hex(2),
        marketing=marketing,
        platform=platform,
        clicks=clicks,
        attributed_share=attributed_share,
        instances=instances,
        instances_of=per_service,
        verify=verify,
    )
    run = _Demo(options, console)
    try:
        with stop_on_signals():
            ok = run.run()
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: every process was stopped[/]")
        raise typer.Exit(code=130) from None
    except (DemoError, grpc.RpcError) as exc:
        run.summary["failure"] = _describe(exc)
        console.print(f"[red]the demo failed:[/] {_describe(exc)}")
        console.print(f"logs: {options.workdir}/*.log")
        raise typer.Exit(code=1) from None
    finally:
        run.write_summary()
    seconds = (datetime.now(UTC) - started).total_seconds()
    if not ok:
        console.print(f"[red]the demo found problems[/] ({seconds:.0f} s); logs: {options.workdir}")
        raise typer.Exit(code=1)
    console.print(f"[green]the demo ran clean[/] in {seconds:.0f} s; logs: {options.workdir}")


def _describe(error: BaseException) -> str:
    if isinstance(error, grpc.RpcError) and isinstance(error, grpc.Call):
        return f"a call failed: {error.code().name}: {error.details()}"
    return str(error)


@dataclass
class _Demo:
    """One run of the demo: its processes, channels, the people it seeded, what happened."""

    options: Options
    console: Console
    summary: dict[str, Any] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    channels: dict[str, grpc.Channel] = field(default_factory=dict)
    base_env: dict[str, str] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    listen: dict[str, list[str]] = field(default_factory=dict)
    """Where each instance of a service (and of an HTTP face) listens, by service."""

    def count(self, service: str) -> int:
        """How many processes of `service` this run starts."""
        if service in self.options.instances_of:
            return self.options.instances_of[service]
        owner = _HTTP_FACES.get(service, service)
        if owner != service:
            return self.count(owner)
        return 1 if service in _ONE_INSTANCE else self.options.instances

    def assign_addresses(self, services: Sequence[str]) -> None:
        """A free port for every instance of identity and `services` (and of the HTTP faces),
        each service's address for its callers (`balanced_target`: all its instances),
        IDENTITY_GRPC_ADDR in the base environment, and the demo's own channels to them.
        Enough partitions for the instances (`KAFKA_TOPIC_PARTITIONS`, for the topics this
        run creates: a topic that exists keeps its count)."""
        for name in ("identity", *services, *_HTTP_FACES):
            self.listen[name] = [free_address() for _ in range(self.count(name))]
            # An HTTP face's callers are given one instance's address (clicks carry their own).
            first = self.listen[name][:1] if name in _HTTP_FACES else self.listen[name]
            self.addresses[name] = balanced_target(first)
        self.base_env["IDENTITY_GRPC_ADDR"] = self.addresses["identity"]
        most = max(self.count(name) for name in ("identity", *services))
        partitions = int(self.base_env.get("KAFKA_TOPIC_PARTITIONS") or 3)
        if most > partitions:
            self.base_env["KAFKA_TOPIC_PARTITIONS"] = str(most)
        self.channels = {
            name: client_channel(address)
            for name, address in self.addresses.items()
            if name not in _HTTP_FACES
        }

    def listening(self, name: str) -> list[str]:
        """Where the instances of `name` listen (one, on its address, unless
        `assign_addresses` gave it more)."""
        return self.listen.get(name) or [self.addresses[name]]

    @property
    def run_key(self) -> str:
        return f"demo-{self.options.run_id}"

    def own_env(self, service: str) -> dict[str, str]:
        """The service's own database for this run, and consumer groups of its own (on a
        shared broker, another deployment's instances would otherwise split the partitions).
        Marketing's traffic worker (faust) has neither: its group and local store instead."""
        if service == "marketing-traffic":
            return {
                "MARKETING_TRAFFIC_GROUP": self.group_prefix(service),
                "MARKETING_TRAFFIC_DATA_DIR": str(self.options.workdir / service),
            }
        url = database_url(
            service, self.options.workdir, os.environ.get("DATABASE_URL"), self.options.run_id
        )
        prefix = variable_prefix(service)
        return {
            f"{prefix}_DATABASE_URL": url,
            f"{prefix}_CONSUMER_GROUP_PREFIX": self.group_prefix(service),
        }

    def group_prefix(self, service: str) -> str:
        return f"{service}-demo-{self.options.run_id}"

    @property
    def services(self) -> tuple[str, ...]:
        """The services this run starts besides identity."""
        return (
            _CORE
            + (_MARKETING if self.options.marketing else ())
            + (_PLATFORM if self.options.platform else ())
        )

    def write_summary(self) -> None:
        self.options.workdir.mkdir(parents=True, exist_ok=True)
        (self.options.workdir / "summary.json").write_text(json.dumps(self.summary, indent=2))

    def run(self) -> bool:
        options, console = self.options, self.console
        options.workdir.mkdir(parents=True, exist_ok=True)
        shared = os.environ.get("DATABASE_URL")
        databases = (
            f"PostgreSQL databases mercato_demo_{options.run_id}_<service> (DATABASE_URL)"
            if shared
            else "SQLite files"
        )
        console.print(
            f"[bold]Mercato demo[/]: seed {options.seed}, {options.orders} orders; logs in "
            f"{options.workdir}; {databases}, one per service"
        )
        self.summary.update(seed=options.seed, orders=options.orders, ok=False)
        self.base_env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "AUTH_TRUSTED_KEYS"}
            and not key.endswith("_DATABASE_URL")
        }
        self.base_env.update(MERCATO_DATA_DIR=str(options.workdir))
        self.base_env.setdefault("LOG_LEVEL", "INFO")
        self.assign_addresses(self.services)
        with Fleet(options.workdir, self.base_env) as fleet:
            self.summary["processes"] = {}
            try:
                ok = self._stages(fleet)
                fleet.check_alive()
                if options.keep_running:
                    self._keep_running(fleet)
            finally:
                for process in fleet.processes:
                    self.summary["processes"][process.name] = process.popen.pid
                self.summary["instances"] = self.served(fleet)
                for channel in self.channels.values():
                    channel.close()
            statuses = fleet.stop_all()
        unclean = {name: code for name, code in statuses.items() if code != 0}
        if unclean:
            console.print(f"[red]not every process stopped cleanly (exit statuses):[/] {unclean}")
            ok = False
        else:
            console.print(f"✓ stopped all {len(statuses)} processes")
        self.summary["ok"] = ok
        return ok

    def _stages(self, fleet: Fleet) -> bool:
        identity, operator, apps = self._start_identity(fleet)
        self._start_services(fleet, apps)
        sellers, buyers = self._seed(identity)
        ok, settled, outcomes = True, list[str](), list[Outcome]()
        marketing: MarketingAct | None = None
        partners: PartnersAct | None = None
        try:
            if "orders" not in self.running:
                self.console.print("[yellow]- orders is not built yet: no scenario to run[/]")
            else:
                planned = plan_orders(
                    self.options.seed,
                    self.options.orders,
                    len(buyers),
                    [len(seller.skus) for seller in sellers],
                    self.options.shares,
                )
                partners = self._partners(identity, operator, planned, sellers, apps)
                marketing = self._marketing(planned, sellers, operator, apps)
                if marketing is not None:
                    if partners is not None:
                        partners.follow_publisher(apps["publisher"])
                    marketing.prepare()
                    marketing.click()
                tokens = marketing.tokens if marketing is not None else {}
                ok, settled, outcomes = self._scenario(
                    fleet, operator, sellers, buyers, planned, tokens
                )
                if partners is not None and partners.app_store is not None:
                    settled += partners.app_store.settle()
                if marketing is not None:
                    settled += marketing.settle(outcomes)
            view, findings = None, None
            if "ledger" not in self.running:
                self.console.print(
                    "[yellow]- ledger not built: no projections, trial balance or replay audit[/]"
                )
            else:
                view = report.LedgerView(self.channels["ledger"], operator.metadata)
                findings = report.ledger_stage(
                    view, self.console, settled_accounts=settled, replay=self._replay()
                )
                self.summary["ledger"] = findings.as_dict()
                ok = findings.ok and ok
            publisher_counts = None
            if self.options.verify:
                ok = self._verify(operator, outcomes, sellers) and ok
            if marketing is not None:
                self.console.rule("Marketing")
                found = marketing.report(outcomes, view, findings.months if findings else ())
                self.summary["marketing"] = found
                publisher_counts = publisher_expected(found)
                ok = found["ok"] and ok
            if partners is not None:
                self.console.rule("Partners")
                found = partners.report(outcomes, sellers, publisher_counts)
                self.summary["platform"] = found
                ok = found["ok"] and ok
            if partners is not None and partners.app_store is not None:
                self.console.rule("App store")
                share = None
                if findings is not None:
                    share = sum(m.by_stream.get("app_store_share", 0) for m in findings.months)
                found = partners.app_store.report(share)
                self.summary["app_store"] = found
                ok = found["ok"] and ok
        finally:
            if partners is not None:
                partners.close()
        return ok

    def _start_identity(self, fleet: Fleet) -> tuple[Identity, SignedIn, dict[str, App]]:
        env = {
            **self.own_env("identity"),
            # A cheaper scrypt than production's 2**17: the demo signs many people in.
            "IDENTITY_PASSWORD_HASH_LOG2_N": "14",
            "IDENTITY_ACCESS_TOKEN_TTL": "3600",
            # The KEK sealing its signing keys: this run's database is this run's alone.
            "IDENTITY_KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(
                secrets.token_bytes(32)
            ).decode(),
        }
        addresses = self.listening("identity")
        for numbers in ([1], range(2, len(addresses) + 1)):  # the first migrates alone
            for process in fleet.serve_instances(
                "identity", env, addresses=addresses, numbers=numbers
            ):
                self._wait(fleet, process)
        self.running.add("identity")
        identity = Identity(self.channels["identity"], self.run_key)
        create_operator({**self.base_env, **env}, _OPERATOR, self.options.workdir)
        operator = identity.sign_in(_OPERATOR)
        apps = {
            "orders": identity.register_app(
                operator, apps_pb2.APP_KIND_SERVICE, "Mercato orders", ORDERS_APP_SCOPES
            ),
            "swift": identity.carrier(operator, "Swift Express"),
            "longhaul": identity.carrier(operator, "Long Haul Freight"),
        }
        partners = []
        if self.options.marketing:
            apps["publisher"] = identity.with_token(
                identity.register_app(
                    operator,
                    apps_pb2.APP_KIND_PUBLISHER_SITE,
                    "Demo Partner Site",
                    PUBLISHER_SCOPES,
                )
            )
            partners.append("a publisher site")
        if self.options.platform:
            apps["vendor"] = identity.register_app(
                operator, apps_pb2.APP_KIND_VENDOR_APP, "Demo Order Desk", VENDOR_SCOPES
            )
            apps["label-printer"] = identity.register_app(
                operator, apps_pb2.APP_KIND_VENDOR_APP, "Demo Label Printer", VENDOR_SCOPES
            )
            apps["app-store"] = identity.register_app(
                operator, apps_pb2.APP_KIND_SERVICE, "Mercato app store", APP_STORE_SCOPES
            )
            partners.append("two software vendors' apps, the app store's service app")
        self.console.print(
            "✓ the first operator, the orders service's app, two carrier apps"
            + "".join(f", {partner}" for partner in partners)
        )
        return identity, operator, apps

    def _start_services(self, fleet: Fleet, apps: dict[str, App]) -> None:
        rules = [
            {"carrier": apps["longhaul"].app_id, "regions": [LOSSY_REGION]},
            {"carrier": apps["swift"].app_id},
        ]
        settings: dict[str, dict[str, str]] = {
            "logistics": {"LOGISTICS_CARRIER_RULES": json.dumps(rules)},
            "orders": {
                "ORDERS_CATALOG_ADDR": self.addresses["catalog"],
                "ORDERS_PAYMENTS_ADDR": self.addresses["payments"],
                "ORDERS_LOGISTICS_ADDR": self.addresses["logistics"],
                "ORDERS_APP_ID": apps["orders"].app_id,
                "ORDERS_APP_SECRET": apps["orders"].secret,
                "ORDERS_AUTO_CONFIRM_S": str(self.options.auto_confirm_s),
                "ORDERS_SWEEP_INTERVAL_S": "1",
            },
            "marketing": {
                "MARKETING_CLICK_SECRET": secrets.token_urlsafe(32),
                "MARKETING_CATALOG_ADDR": self.addresses["catalog"],
            },
            "marketing-traffic": traffic_settings(),
            "platform": {
                **platform_settings(),
                **(
                    app_store_settings(apps["app-store"], self.addresses["payments"])
                    if "app-store" in apps
                    else {}
                ),
            },
        }
        # Every service's first instance (which migrates its database), then the others.
        for first in (True, False):
            started = [
                process
                for name in self.services
                if first or name in self.running
                for process in fleet.serve_instances(
                    name,
                    {**self.own_env(name), **settings.get(name, {})},
                    addresses=self.listening(name),
                    per_instance=functools.partial(self._per_instance, name),
                    numbers=[1] if first else range(2, self.count(name) + 1),
                )
            ]
            for process in started:
                try:
                    self._wait(fleet, process)
                    self.running.add(process.service)
                except NotBuiltError:
                    if process.service not in _OPTIONAL:
                        raise
                    fleet.processes.remove(process)
                    self.console.print(f"[yellow]- {process.name} is not built yet: skipped[/]")
        self.summary["services"] = sorted(self.running)
        for name, app, loss_rate in (
            ("swift", apps["swift"], 0),
            ("longhaul", apps["longhaul"], 1),
        ):
            fleet.spawn(
                f"carrier-{name}",
                ["-m", "mercato_logistics.simulator"],
                {
                    "LOGISTICS_SIMULATOR_TOKEN": app.token,
                    "LOGISTICS_GRPC_ADDR": self.addresses["logistics"],
                    "LOGISTICS_SIMULATOR_TIME_SCALE": str(self.options.carrier_time_scale),
                    "LOGISTICS_SIMULATOR_LOSS_RATE": str(loss_rate),
                    "LOGISTICS_SIMULATOR_SEED": str(self.options.seed),
                    "LOGISTICS_SIMULATOR_POLL_INTERVAL": "0.5",
                },
            )
        self.console.print(
            "✓ carrier simulators: Swift Express (delivers), Long Haul Freight (loses every "
            f"parcel it is handed: those to {LOSSY_REGION})"
        )

    def _per_instance(self, service: str, number: int) -> dict[str, str]:
        """What the n-th instance of `service` has of its own besides its ports: its HTTP face's
        address (marketing, the platform), its local store (the traffic worker)."""
        if service == "marketing-traffic" and number > 1:
            return {"MARKETING_TRAFFIC_DATA_DIR": str(self.options.workdir / f"{service}-{number}")}
        for face, owner in _HTTP_FACES.items():
            if owner == service:
                return {f"{variable_prefix(owner)}_HTTP_ADDR": self.listening(face)[number - 1]}
        return {}

    def served(self, fleet: Fleet) -> dict[str, dict[str, Any]]:
        """What each running service process served so far (`served_counts`), by process name."""
        return {
            process.name: {
                "service": process.service,
                "instance": process.instance,
                "address": process.address,
                **served_counts(fleet.metrics[process.name]),
            }
            for process in fleet.processes
            if process.service and process.name in fleet.metrics and process.alive()
        }

    def _verify(self, operator: SignedIn, outcomes: list[Outcome], sellers: list[Seller]) -> bool:
        """`mercato verify`'s checks over this run's orders and products; True when all hold."""
        if "ledger" not in self.running:
            self.console.print("[yellow]- ledger not built: nothing to verify against[/]")
            return True
        self.console.rule("mercato verify")
        findings = run_checks(
            os.environ["KAFKA_BOOTSTRAP_SERVERS"],
            self.addresses["ledger"],
            self.addresses["catalog"],
            operator.metadata,
            settle=60,
            group_prefixes=[self.group_prefix(name) for name in sorted(self.running)],
            scope=Scope(
                order_ids=frozenset(o.order_id for o in outcomes),
                product_ids=frozenset(sku.product_id for s in sellers for sku in s.skus),
            ),
        )
        print_findings(self.console, findings)
        self.summary["verify"] = {
            f.check: {"checked": f.checked, "violations": f.violations[:5]} for f in findings
        }
        return all(f.holds for f in findings)

    def _seed(self, identity: Identity) -> tuple[list[Seller], list[SignedIn]]:
        began = time.monotonic()
        orders = self.options.orders
        sellers = open_shops(
            identity,
            self.channels["catalog"],
            catalogue_for(self.options.seed, max(2, min(8, orders // 10)), products_per_shop=3),
            stock=10 * orders,
            run_key=self.run_key,
        )
        buyers = [
            identity.register(f"buyer{n + 1}@buyers.mercato.example", accounts_pb2.ROLE_BUYER)
            for n in range(max(2, min(16, orders // 3)))
        ]
        tiers = " and ".join(sorted({seller.tier for seller in sellers}))
        self.console.print(
            f"✓ {len(sellers)} sellers opened shops ({tiers}) and listed "
            f"{sum(len(s.skus) for s in sellers)} SKUs; {len(buyers)} buyers registered "
            f"({time.monotonic() - began:.1f} s)"
        )
        return sellers, buyers

    def _partners(
        self,
        identity: Identity,
        operator: SignedIn,
        planned: list[PlannedOrder],
        sellers: list[Seller],
        apps: dict[str, App],
    ) -> PartnersAct | None:
        """The platform act, set up before the first order (None when it does not run): the
        app store opens (vendors list, sellers subscribe) and the order desk follows the
        orders of the seller whose subscription granted it."""
        if not self.options.platform:
            return None
        if "platform" not in self.running:
            self.console.print("[yellow]- the platform is not built yet: no partner act[/]")
            return None
        act = PartnersAct(
            self.channels["platform"],
            identity,
            kafka=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
            group_prefix=self.group_prefix("platform"),
            console=self.console,
            run_key=self.run_key,
        )
        try:
            first = granted_shop(planned, len(sellers))
            grant_id = ""
            if "payments" in self.running:
                act.app_store = AppStoreAct(
                    self.channels["platform"],
                    self.channels["payments"],
                    identity,
                    operator,
                    self.console,
                    self.run_key,
                )
                grant_id = act.app_store.open(apps["vendor"], apps["label-printer"], sellers, first)
            act.follow_orders(apps["vendor"], sellers[first], grant_id)
        except BaseException:
            act.close()
            raise
        return act

    def _marketing(
        self,
        planned: list[PlannedOrder],
        sellers: list[Seller],
        operator: SignedIn,
        apps: dict[str, App],
    ) -> MarketingAct | None:
        """The marketing act, planned (None when it does not run)."""
        if not self.options.marketing:
            return None
        missing = [name for name in _MARKETING if name not in self.running]
        if missing:
            self.console.print(f"[yellow]- {', '.join(missing)} not built yet: no marketing act[/]")
            return None
        plan: MarketingPlan = plan_marketing(
            self.options.seed,
            planned,
            [len(products_of(seller)) for seller in sellers],
            clicks=2 * self.options.orders if self.options.clicks is None else self.options.clicks,
            attributed_share=self.options.attributed_share,
        )
        return MarketingAct(
            plan,
            planned,
            sellers,
            apps["publisher"],
            operator,
            marketing=self.channels["marketing"],
            payments=self.channels["payments"],
            kafka=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
            run_key=self.run_key,
            console=self.console,
        )

    def _scenario(
        self,
        fleet: Fleet,
        operator: SignedIn,
        sellers: list[Seller],
        buyers: list[SignedIn],
        planned: list[PlannedOrder],
        tokens: dict[int, str],
    ) -> tuple[bool, list[str], list[Outcome]]:
        """Run the orders (those in `tokens` through an ad's click); True when each ended as
        seeded; the accounts the ledger must have settled (each paid order's escrow, each
        paid-out seller's payable); how each order went."""
        outcomes = run_scenario(
            self.channels["orders"],
            planned,
            buyers,
            sellers,
            run_key=self.run_key,
            console=self.console,
            timeout=self.options.timeout,
            check_alive=fleet.check_alive,
            attribution_tokens=tokens,
        )
        self.summary["outcomes"] = [_outcome_dict(o, sellers, tokens) for o in outcomes]
        self.console.print(summary_table(outcomes))
        astray = [o for o in outcomes if not o.as_planned]
        if astray:
            self.console.print(f"[red]✗ {len(astray)} orders did not end as seeded[/]")
        batch = run_payouts(self.channels["payments"], operator, str(uuid.uuid4()))
        self.summary["payouts"] = {p.seller_id: p.amount.minor_units for p in batch.payouts}
        self.console.print(
            f"✓ payout batch: {len(batch.payouts)} sellers paid "
            f"{yuan(batch.total.minor_units)} {batch.total.currency or 'CNY'}"
        )
        settled = [
            f"liability:escrow:{o.order_id}" for o in outcomes if o.planned.fate != "decline"
        ]
        settled += [f"liability:seller_payable:{p.seller_id}" for p in batch.payouts]
        return not astray, settled, outcomes

    def _replay(self) -> report.Replay | None:
        """`mercato ledger replay` on this run's ledger (its database, this Kafka), when an
        installed package provides `mercato ledger` (the ledger's `mercato.commands` entry)."""
        if "ledger" not in service_commands():
            return None
        ledger_env = self.own_env("ledger")

        def replay() -> tuple[bool, str]:
            from mercato_cli.app import app  # the demo is one of app's commands: no cycle

            with _environment(ledger_env, without=("DATABASE_URL",)):
                code = typer.main.get_command(app).main(
                    ["ledger", "replay"], prog_name="mercato", standalone_mode=False
                )
            if code:
                return False, f"`mercato ledger replay` exited {code}"
            return True, "the ledger rebuilt from offset zero matches the live ledger"

        return replay

    def _start_console(self, fleet: Fleet, timeout: float = 120.0) -> str | None:
        """`mercato console` on this run's services (when a package provides it); its URL,
        also in the summary."""
        if "console" not in service_commands():
            return None
        address = free_address()
        env = {
            "CONSOLE_HTTP_ADDR": address,
            **{
                f"{variable_prefix(name)}_GRPC_ADDR": self.addresses[name]
                for name in self.running
                if name in self.addresses
            },
            **{
                f"{variable_prefix(name)}_CONSUMER_GROUP_PREFIX": self.group_prefix(name)
                for name in self.running
            },
            **{
                f"{variable_prefix(process.service)}_METRICS_ADDR": fleet.metrics[process.name]
                for process in fleet.processes
                if process.service and process.instance == 1 and process.name in fleet.metrics
            },
        }
        process = fleet.spawn("console", ["-m", "mercato_cli", "console"], env, address)
        url = f"http://{address}/"
        deadline = time.monotonic() + timeout
        while not _answers(f"{url}signin"):
            if not process.alive() or time.monotonic() > deadline:
                self.console.print(
                    f"[yellow]- the console did not start; the end of {process.log}:[/]\n"
                    f"{process.log_tail()}"
                )
                fleet.stop(process)
                fleet.processes.remove(process)  # the services run on without it
                return None
            time.sleep(0.2)
        self.summary["console"] = {"url": url, "operator": _OPERATOR}
        self.write_summary()
        return url

    def _wait(self, fleet: Fleet, process: Process) -> None:
        began = time.monotonic()
        fleet.wait_serving(process)
        self.console.print(
            f"✓ {process.name} serving on {process.address} ({time.monotonic() - began:.1f} s)"
        )

    def _keep_running(self, fleet: Fleet) -> None:
        url = self._start_console(fleet)
        self.console.print("the services keep running; Ctrl-C stops them:")
        for process in fleet.processes:
            if process.address and process.name != "console":
                self.console.print(f"  {process.name:<10} {process.address}")
        if url:
            self.console.print(
                f"[bold]the operators' console: {url}[/] (sign in as {_OPERATOR}, password "
                f"{PASSWORD!r}; the address is in {self.options.workdir / 'summary.json'})"
            )
        try:
            while True:
                fleet.check_alive()
                time.sleep(1)
        except KeyboardInterrupt:
            self.console.print("stopping")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (our own http URL)
            return bool(answer.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def _environment(values: dict[str, str], *, without: tuple[str, ...] = ()) -> Iterator[None]:
    """These environment variables set (and those unset) while the block runs."""
    saved = dict(os.environ)
    os.environ.update(values)
    for name in without:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _outcome_dict(
    outcome: Outcome, sellers: list[Seller], tokens: dict[int, str]
) -> dict[str, Any]:
    planned = outcome.planned
    return {
        "order_id": outcome.order_id,
        "seller_id": sellers[planned.shop].who.account_id,
        "fate": planned.fate,
        "card": planned.card,
        "region": planned.region,
        "expected": status_name(planned.expected),
        "status": status_name(outcome.status),
        "total_fen": outcome.total_fen,
        "reason": outcome.reason,
        "through_click": planned.number in tokens,
    }
