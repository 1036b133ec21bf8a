"""GetProduct and SearchProducts through the running catalog service, against empty gRPC
handlers measured in the same run.

    .venv/bin/python -m bench.bench_catalog [--backends postgresql,sqlite] [--products 300]
        [--requests 1000] [--concurrency 8] [--repeats 3]

For each backend (PostgreSQL: a fresh database on the server of DATABASE_URL, dropped at the
end; SQLite: a file in a temporary directory) a catalog process is started with `mercato serve
catalog` (as in production: the kit's interceptors, auth, access log to a file) and seeded over
gRPC with `--products` products of 2 SKUs, titles and descriptions drawn from a small
vocabulary. Four targets are then measured, each in its own process, interleaved within every
repeat so that the machine's noise hits them alike:

- GetProduct: a random product by id (public, no token);
- SearchProducts: one or two random words of the vocabulary, first page of 20;
- empty grpc.aio (the baseline): `mercato.kittest.v1.EchoService/Echo` answering an empty
  response, served by a bare `grpc.aio.server()` with no interceptors;
- empty kit edge: the same no-op handler served by the kit's `create_server` (health,
  reflection, correlation, JSON access log to a file, error mapping, validation; no auth), to
  show what the edge costs before any catalog code runs;
- empty kit edge with metrics: the same with the kit's metrics on (`create_server(...,
  metrics=...)`: every call observed in `mercato_rpc_duration_seconds`), measured in the same
  run, so the two rows' ratio is what metrics cost a call. `--backends none` measures only the
  three empty handlers (~1 min).

Each measurement is a closed loop of `--concurrency` callers on one grpc.aio channel sending
`--requests` calls (after a warm-up of a tenth as many): p50 and p99 of the per-call latency
and requests per second (calls / wall time). The tables quote the median over the repeats.

With `ghz` (a Go gRPC load tool; `make ghz` builds it into .tools/bin, `--ghz PATH` names
another) GetProduct and the empty grpc.aio handler are also measured by ghz, interleaved, in
the same run, so the ratio does not rest on our own client alone: `--concurrency` workers,
`--requests` calls after as many warm-up calls again skipped from the statistics, the product
ids round-robin from a data file, the request types from protos/. By hand, against any running
catalog (and the same against the bare Echo server with `--proto
protos/mercato/kittest/v1/echo.proto --call mercato.kittest.v1.EchoService/Echo -d '{}'`):

    .tools/bin/ghz --insecure --import-paths protos \
        --proto protos/mercato/catalog/v1/catalog_service.proto \
        --call mercato.catalog.v1.CatalogService/GetProduct \
        -d '{"product_id": "<an id>"}' -c 8 -n 2000 --skipFirst 200 127.0.0.1:<port>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from bench._harness import fresh_postgres, infra_endpoints, load, machine, median
from mercato.catalog.v1 import catalog_service_pb2 as api
from mercato.catalog.v1.catalog_service_pb2_grpc import CatalogServiceStub
from mercato.common.v1.money_pb2 import Money
from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from tests.support.catalog_service import CatalogProcess, start_catalog

VOCABULARY = [
    "green",
    "black",
    "white",
    "oolong",
    "jasmine",
    "puer",
    "tea",
    "leaves",
    "spring",
    "autumn",
    "yunnan",
    "fujian",
    "zhejiang",
    "loose",
    "bag",
    "tin",
    "gift",
    "organic",
    "smoky",
    "floral",
    "roasted",
    "fresh",
    "aged",
    "brick",
    "cake",
    "cup",
    "pot",
    "silk",
    "porcelain",
    "bamboo",
]

Call = Callable[[random.Random], Awaitable[Any]]

SERVER_PIDS: dict[str, int] = {}
"""The process serving each measured address, for its CPU time per call."""


def cpu_seconds(address: str) -> float | None:
    """User + system CPU seconds the process serving `address` has used (Linux /proc)."""
    pid = SERVER_PIDS.get(address)
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ms_per_call(used: list[float | None]) -> float | None:
    known = [value for value in used if value is not None]
    return median(known) * 1000 if known else None


def cpu_columns(target: float | None, baseline: float | None) -> str:
    if target is None or baseline is None:
        return "n/a | n/a"
    return f"{target:.3f} | {baseline / target:.2f}"


@dataclass
class Sample:
    """One measurement: per-call latencies (seconds) and the wall time of all the calls."""

    latencies: list[float]
    elapsed: float
    cpu_per_call: float | None = None
    """CPU seconds the server used per call (user + system), warm-up excluded."""

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed


@dataclass
class Target:
    name: str
    address: str
    call: Callable[[grpc.aio.Channel], Call]
    samples: list[Sample] = field(default_factory=list)

    def row(self, baseline: Target) -> str:
        p50 = median([s.percentile(50) * 1000 for s in self.samples])
        p99 = median([s.percentile(99) * 1000 for s in self.samples])
        rate = median([s.per_second for s in self.samples])
        base = median([s.per_second for s in baseline.samples])
        cpu = cpu_columns(self.cpu_ms(), baseline.cpu_ms())
        return f"| {self.name} | {p50:.2f} | {p99:.2f} | {rate:,.0f} | {rate / base:.2f} | {cpu} |"

    def cpu_ms(self) -> float | None:
        return cpu_ms_per_call([sample.cpu_per_call for sample in self.samples])

    def raw(self) -> str:
        return f"{self.name}: " + ", ".join(
            f"p50 {s.percentile(50) * 1000:.2f} ms / p99 {s.percentile(99) * 1000:.2f} ms / "
            f"{s.per_second:,.0f} req/s"
            for s in self.samples
        )


async def measure(
    address: str,
    call: Callable[[grpc.aio.Channel], Call],
    requests: int,
    concurrency: int,
    seed: int,
) -> Sample:
    """A closed loop of `concurrency` callers sending `requests` calls in all."""
    async with grpc.aio.insecure_channel(address) as channel:
        send = call(channel)
        chooser = random.Random(seed)
        for _ in range(max(1, requests // 10)):
            await send(chooser)
        latencies: list[float] = []
        remaining = requests

        async def caller() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                await send(chooser)
                latencies.append(time.perf_counter() - started)

        cpu_before = cpu_seconds(address)
        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu_after = cpu_seconds(address)
        cpu = None
        if cpu_before is not None and cpu_after is not None:
            cpu = (cpu_after - cpu_before) / requests
        return Sample(latencies, elapsed, cpu)


def get_product(product_ids: list[str]) -> Callable[[grpc.aio.Channel], Call]:
    def bind(channel: grpc.aio.Channel) -> Call:
        stub = CatalogServiceStub(channel)

        async def send(chooser: random.Random) -> Any:
            request = api.GetProductRequest(product_id=chooser.choice(product_ids))
            return await stub.GetProduct(request, timeout=30)

        return send

    return bind


def search_products(channel: grpc.aio.Channel) -> Call:
    stub = CatalogServiceStub(channel)

    async def send(chooser: random.Random) -> Any:
        words = chooser.sample(VOCABULARY, chooser.choice((1, 2)))
        request = api.SearchProductsRequest(query=" ".join(words), page_size=20)
        return await stub.SearchProducts(request, timeout=30)

    return send


def echo(channel: grpc.aio.Channel) -> Call:
    stub = echo_pb2_grpc.EchoServiceStub(channel)

    async def send(chooser: random.Random) -> Any:
        return await stub.Echo(echo_pb2.EchoRequest(text="x"), timeout=30)

    return send


async def seed(address: str, issuer: LocalIssuer, products: int, rng: random.Random) -> list[str]:
    """Open a shop and list `products` products (2 SKUs each) through the API."""
    seller_id = str(uuid.uuid4())
    seller = issuer.metadata(subject=seller_id, roles=["seller"], scopes=["catalog:write"])
    async with grpc.aio.insecure_channel(address) as channel:
        stub = CatalogServiceStub(channel)
        shop = await stub.OpenShop(
            api.OpenShopRequest(idempotency_key="bench-shop", name="Bench tea house", tier=1),
            metadata=seller,
        )
        queue = list(range(products))
        product_ids: list[str] = []

        async def lister() -> None:
            while queue:
                number = queue.pop()
                title = " ".join(rng.sample(VOCABULARY, 3))
                description = " ".join(rng.choices(VOCABULARY, k=20))
                listed = await stub.ListProduct(
                    api.ListProductRequest(
                        idempotency_key=f"bench-{number}",
                        shop_id=shop.shop.shop_id,
                        title=title.capitalize(),
                        description=description,
                        skus=[
                            api.SkuSpec(
                                code=f"S{size}",
                                price=Money(currency="CNY", minor_units=rng.randint(100, 99999)),
                                stock=rng.randint(0, 50),
                            )
                            for size in (1, 2)
                        ],
                    ),
                    metadata=seller,
                    timeout=60,
                )
                product_ids.append(listed.product.product_id)

        await asyncio.gather(*(lister() for _ in range(8)))
    return product_ids


@contextmanager
def echo_server(edge: str, workdir: Path) -> Iterator[str]:  # edge: bare, kit, kit-metrics
    """An empty Echo server in its own process (see `serve_echo`); yields its address."""
    address = f"127.0.0.1:{free_port()}"
    log = workdir / f"echo-{edge}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_catalog", "--serve-echo", address, "--edge", edge],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    SERVER_PIDS[address] = process.pid
    try:
        _wait_answering(address, process, log)
        yield address
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _wait_answering(address: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180  # a loaded machine starts Python slowly
    with grpc.insecure_channel(address) as channel:
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"echo server exited:\n{log.read_text()[-2000:]}")
            try:
                stub.Echo(echo_pb2.EchoRequest(text="x"), timeout=1)
                return
            except grpc.RpcError:
                time.sleep(0.2)
    raise RuntimeError(f"echo server never answered:\n{log.read_text()[-2000:]}")


class EmptyEcho(echo_pb2_grpc.EchoServiceServicer):
    """A handler that does nothing: what any gRPC call costs at the least."""

    async def Echo(self, request: echo_pb2.EchoRequest, context: Any) -> echo_pb2.EchoResponse:  # noqa: N802
        return echo_pb2.EchoResponse()


async def serve_echo(address: str, edge: str) -> None:
    """Serve EmptyEcho until SIGTERM: on a bare grpc.aio server, or on the kit's edge."""
    if edge == "bare":
        server = grpc.aio.server()
        echo_pb2_grpc.add_EchoServiceServicer_to_server(EmptyEcho(), server)
        server.add_insecure_port(address)
        await server.start()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await server.stop(1)
        return
    from mercato_kit.grpc import create_server, serve
    from mercato_kit.logging import configure_logging
    from mercato_kit.metrics import Metrics, install_metrics

    configure_logging("bench-echo", "INFO")
    metrics = Metrics("bench-echo") if edge == "kit-metrics" else None
    install_metrics(metrics)
    kit_server = create_server(address, metrics=metrics)
    kit_server.add_service(echo_pb2_grpc.add_EchoServiceServicer_to_server, EmptyEcho())
    await serve(kit_server)


GHZ = Path(".tools/bin/ghz")
PROTOS = Path("protos")


@dataclass
class GhzTarget:
    """A target measured by ghz: one JSON report per repeat."""

    name: str
    address: str
    proto: str
    call: str
    data: list[dict[str, str]]
    reports: list[dict[str, Any]] = field(default_factory=list)
    cpu: list[float | None] = field(default_factory=list)

    def run(self, ghz: Path, args: argparse.Namespace, workdir: Path) -> None:
        data_file = workdir / f"ghz-{self.call.rpartition('/')[2]}.json"
        data_file.write_text(json.dumps(self.data))
        command = [
            str(ghz),
            "--insecure",
            "--import-paths",
            str(PROTOS),
            "--proto",
            str(PROTOS / self.proto),
            "--call",
            self.call,
            "--data-file",
            str(data_file),
            "--concurrency",
            str(args.concurrency),
            "--total",
            str(args.requests + max(1, args.requests // 10)),
            "--skipFirst",
            str(max(1, args.requests // 10)),
            "--format",
            "json",
            self.address,
        ]
        cpu_before = cpu_seconds(self.address)
        done = subprocess.run(command, capture_output=True, check=True, timeout=600)
        cpu_after = cpu_seconds(self.address)
        if cpu_before is not None and cpu_after is not None:
            # Per call sent, warm-up included (ghz reports without it).
            self.cpu.append(
                (cpu_after - cpu_before) / (args.requests + max(1, args.requests // 10))
            )
        report = json.loads(done.stdout)
        if set(report.get("statusCodeDistribution", {})) != {"OK"}:
            raise RuntimeError(f"ghz {self.name}: {report.get('errorDistribution')}")
        self.reports.append(report)

    def _latency_ms(self, report: dict[str, Any], percentage: int) -> float:
        for point in report["latencyDistribution"]:
            if point["percentage"] == percentage:
                return float(point["latency"]) / 1e6
        raise KeyError(percentage)

    def per_second(self) -> float:
        return median([float(report["rps"]) for report in self.reports])

    def row(self, baseline: GhzTarget) -> str:
        p50 = median([self._latency_ms(report, 50) for report in self.reports])
        p99 = median([self._latency_ms(report, 99) for report in self.reports])
        ratio = self.per_second() / baseline.per_second()
        cpu = cpu_columns(cpu_ms_per_call(self.cpu), cpu_ms_per_call(baseline.cpu))
        return (
            f"| ghz: {self.name} | {p50:.2f} | {p99:.2f} | {self.per_second():,.0f} | {ratio:.2f} "
            f"| {cpu} |"
        )

    def raw(self) -> str:
        rates = " / ".join(f"{float(report['rps']):,.0f}" for report in self.reports)
        return f"ghz {self.name}: {rates} req/s"


def bench_ghz(
    ghz: Path, catalog_address: str, bare_address: str, product_ids: list[str], args: Any
) -> list[GhzTarget]:
    """GetProduct and the empty grpc.aio handler measured by ghz, interleaved per repeat."""
    targets = [
        GhzTarget(
            "GetProduct",
            catalog_address,
            "mercato/catalog/v1/catalog_service.proto",
            "mercato.catalog.v1.CatalogService/GetProduct",
            [{"product_id": product_id} for product_id in product_ids],
        ),
        GhzTarget(
            "empty grpc.aio handler (baseline)",
            bare_address,
            "mercato/kittest/v1/echo.proto",
            "mercato.kittest.v1.EchoService/Echo",
            [{}],
        ),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-ghz-") as tmp:
        for _ in range(args.repeats):
            for target in targets:
                target.run(ghz, args, Path(tmp))
    return targets


async def bench_backend(
    catalog: CatalogProcess,
    issuer: LocalIssuer,
    echo_addresses: dict[str, str],
    args: argparse.Namespace,
) -> tuple[list[Target], list[str]]:
    rng = random.Random(7)
    product_ids = await seed(catalog.address, issuer, args.products, rng)
    targets = [
        Target("GetProduct", catalog.address, get_product(product_ids)),
        Target("SearchProducts", catalog.address, search_products),
        Target("empty grpc.aio handler (baseline)", echo_addresses["bare"], echo),
        Target("empty handler on the kit's edge", echo_addresses["kit"], echo),
    ]
    if args.get_product_only:
        del targets[1]
    for repeat in range(args.repeats):
        for target in targets:
            target.samples.append(
                await measure(
                    target.address, target.call, args.requests, args.concurrency, seed=repeat
                )
            )
    return targets, product_ids


async def bench_edges(echo_addresses: dict[str, str], args: argparse.Namespace) -> list[Target]:
    """The three empty handlers alone: bare grpc.aio, the kit's edge, the edge with metrics."""
    targets = [
        Target("empty grpc.aio handler (baseline)", echo_addresses["bare"], echo),
        Target("empty handler on the kit's edge, metrics off", echo_addresses["kit"], echo),
        Target("empty handler on the kit's edge, metrics on", echo_addresses["kit-metrics"], echo),
    ]
    for repeat in range(args.repeats):
        for target in targets:
            target.samples.append(
                await measure(
                    target.address, target.call, args.requests, args.concurrency, seed=repeat
                )
            )
    return targets


def report_edges(edges: list[Target]) -> None:
    print("### the kit's edge, metrics off and on\n")
    print(
        "| target | p50 (ms) | p99 (ms) | requests/s | requests/s vs baseline "
        "| server CPU ms/call | CPU/call, baseline ÷ target |"
    )
    print("|---|---|---|---|---|---|---|")
    for target in edges:
        print(target.row(edges[0]))
    on = median([s.per_second for s in edges[2].samples])
    off = median([s.per_second for s in edges[1].samples])
    print(f"\nmetrics on / off, requests/s: {on / off:.3f}\n")
    for target in edges:
        print(f"- raw, {target.raw()}")
    print()


@contextmanager
def database(backend: str, server_url: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'catalog.db'}"
    else:
        with fresh_postgres(server_url, prefix="bench_catalog") as url:
            yield url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--requests", type=int, default=1000, help="calls per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="callers in flight")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--ghz", type=Path, default=GHZ, help="the ghz binary (make ghz); skipped when missing"
    )
    parser.add_argument(
        "--get-product-only",
        action="store_true",
        help="leave SearchProducts (and the edges' metrics on/off table) out",
    )
    parser.add_argument("--serve-echo", metavar="ADDRESS", help=argparse.SUPPRESS)
    parser.add_argument(
        "--edge", choices=("bare", "kit", "kit-metrics"), default="bare", help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve_echo:
        asyncio.run(serve_echo(args.serve_echo, args.edge))
        return

    kafka, server_url = infra_endpoints()
    command = shlex.join([".venv/bin/python", "-m", "bench.bench_catalog", *sys.argv[1:]])
    print(f"machine: {machine()}; {load()} at start")
    print(f"command: {command}")
    print(
        f"{args.products} products x 2 SKUs; {args.requests} calls per measurement after "
        f"{max(1, args.requests // 10)} warm-up calls; {args.concurrency} callers in flight; "
        f"{args.repeats} repeats (medians quoted)\n"
    )
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        workdir = Path(tmp)
        with (
            echo_server("bare", workdir) as bare,
            echo_server("kit", workdir) as kit,
            echo_server("kit-metrics", workdir) as kit_metrics,
        ):
            if not args.get_product_only:
                report_edges(
                    asyncio.run(
                        bench_edges({"bare": bare, "kit": kit, "kit-metrics": kit_metrics}, args)
                    )
                )
            for backend in [b for b in args.backends.split(",") if b != "none"]:
                issuer = LocalIssuer()
                with database(backend, server_url, workdir) as url:
                    catalog = start_catalog(url, kafka, issuer, workdir / backend)
                    SERVER_PIDS[catalog.address] = catalog.process.pid
                    try:
                        targets, product_ids = asyncio.run(
                            bench_backend(catalog, issuer, {"bare": bare, "kit": kit}, args)
                        )
                        ghz_targets = (
                            bench_ghz(args.ghz, catalog.address, bare, product_ids, args)
                            if args.ghz.exists()
                            else []
                        )
                    finally:
                        catalog.stop()
                baseline = next(target for target in targets if "baseline" in target.name)
                print(f"### catalog on {backend}\n")
                print(
                    "| target | p50 (ms) | p99 (ms) | requests/s | requests/s vs baseline "
                    "| server CPU ms/call | CPU/call, baseline ÷ target |"
                )
                print("|---|---|---|---|---|---|---|")
                for target in targets:
                    print(target.row(baseline))
                for ghz_target in ghz_targets:
                    print(ghz_target.row(ghz_targets[1]))
                print()
                for target in targets:
                    print(f"- raw, {target.raw()}")
                for ghz_target in ghz_targets:
                    print(f"- raw, {ghz_target.raw()}")
                if not ghz_targets:
                    print(f"- ghz: not measured ({args.ghz} is missing: make ghz)")
                print()
    print(f"{load()} at end")


if __name__ == "__main__":
    main()
