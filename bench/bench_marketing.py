"""Ad serving (ServeAds) and accepted CPC clicks (RecordClick) through the running marketing
service, against an empty gRPC handler measured in the same run.

    .venv/bin/python -m bench.bench_marketing [--backends sqlite,postgresql] [--campaigns 5]
        [--requests 300] [--concurrency 8] [--repeats 3]

Catalog (SQLite) and, for each backend (SQLite: a file in a temporary directory; PostgreSQL,
when DATABASE_URL is set: a fresh database on its server, dropped at the end), marketing are
started as real processes (`mercato serve catalog|marketing`, configured by environment
variables only, Kafka-backed) exactly as marketing's tests start them. Marketing is then
seeded the way its tests do: `--campaigns` sellers each open a shop and list two "Green tea"
products in catalog, payments' BudgetDeposited (enough for every click of the run) and one
publisher site (identity's AppRegistered) are published to Kafka and awaited, and each seller
launches a CPC campaign on both products targeting the keyword "tea" (bids 100, 110, ...
minor units; caps as large as the deposit).

Within every repeat, back to back:

- **ServeAds**: a slot asking 3 ads for the keyword "tea" (every campaign's two products fit,
  so every call ranks all of them, checks each advertiser's budget, counts impressions and
  signs three click tokens, one ad per campaign), called by the publisher with its token;
- **empty grpc.aio handler (the baseline)**: `mercato.kittest.v1.EchoService/Echo` answering
  an empty response on a bare `grpc.aio.server()` in its own process (bench_catalog's);
- **RecordClick (accepted CPC)**: one click per ServeAds answer of this repeat, on its first
  ad's token, each from a fingerprint of its own (no replay, no duplicate, no self-click):
  every click must be accepted and charged (checked) — the budget check, the charge, the
  publisher's share, the outbox. Clicks/s counts accepted clicks only.

Each measurement is a closed loop of `--concurrency` callers on one grpc.aio channel sending
`--requests` calls after a warm-up of a tenth as many: p50 and p99 of the per-call latency and
calls per second (calls / wall time). Tables quote medians over the repeats; "ratio" is the
median rate over the baseline's median rate, "paired" the median of the per-repeat ratios.
The marketing-traffic (faust) worker is not running: its windows are bench_traffic's part.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc

from bench._harness import fresh_postgres, load, machine, median
from bench.bench_catalog import Call, Sample, echo, echo_server, measure
from mercato.marketing.v1 import marketing_pb2 as pb
from mercato.marketing.v1 import marketing_pb2_grpc
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from tests.services.marketing._support import (
    Advertiser,
    Events,
    MarketingWorld,
    Publisher,
    catalog_stub,
    cny,
    start_marketing,
)
from tests.support.catalog_service import start_catalog

KEYWORD = "tea"
ADS_PER_SLOT = 3
BID = 100


class Measured:
    """The samples of one target over the repeats."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.samples: list[Sample] = []

    def rate(self) -> float:
        return median([s.per_second for s in self.samples])

    def row(self, baseline: Measured) -> str:
        p50 = median([s.percentile(50) * 1000 for s in self.samples])
        p99 = median([s.percentile(99) * 1000 for s in self.samples])
        rate, base = self.rate(), baseline.rate()
        paired = median(
            [
                s.per_second / b.per_second
                for s, b in zip(self.samples, baseline.samples, strict=True)
            ]
        )
        return (
            f"| {self.name} | {p50:.2f} | {p99:.2f} | {rate:,.0f} | {rate / base:.3f} "
            f"| {paired:.3f} |"
        )

    def raw(self) -> str:
        return f"{self.name}: " + ", ".join(
            f"p50 {s.percentile(50) * 1000:.2f} ms / p99 {s.percentile(99) * 1000:.2f} ms / "
            f"{s.per_second:,.0f}/s"
            for s in self.samples
        )


def seed(world: MarketingWorld, campaigns: int, budget: int) -> Publisher:
    """`campaigns` funded CPC campaigns on the keyword "tea", and one publisher site."""
    site = world.publisher()
    sellers: list[Advertiser] = [world.advertiser(products=2) for _ in range(campaigns)]
    for seller in sellers:
        world.deposit(seller, budget)
    for number, seller in enumerate(sellers):
        world.launch_cpc(
            seller,
            bid=BID + 10 * number,
            product_ids=seller.product_ids,
            total_cap=cny(budget),
            daily_cap=cny(budget),
            targeting=pb.Targeting(keywords=[KEYWORD]),
        )
    ads = world.serve(site, KEYWORD, count=ADS_PER_SLOT)
    assert len(ads) == min(ADS_PER_SLOT, campaigns), ads  # one ad per campaign
    return site


def serve_ads(site: Publisher, tokens: list[str]) -> Callable[[grpc.aio.Channel], Call]:
    """ServeAds for the slot; the first ad's click token of every answer goes to `tokens`."""

    def bind(channel: grpc.aio.Channel) -> Call:
        stub = marketing_pb2_grpc.AdServiceStub(channel)  # type: ignore[no-untyped-call]
        request = pb.ServeAdsRequest(slot="sidebar", keywords=[KEYWORD], count=ADS_PER_SLOT)

        async def send(_chooser: Any) -> Any:
            answer = await stub.ServeAds(request, metadata=site.metadata, timeout=60)
            if not answer.ads:
                raise AssertionError("served no ad")
            tokens.append(answer.ads[0].click_token)
            return answer

        return send

    return bind


def record_clicks(
    site: Publisher, tokens: list[str], clicks: list[pb.Click]
) -> Callable[[grpc.aio.Channel], Call]:
    """RecordClick on each token once, from a fingerprint of its own."""

    def bind(channel: grpc.aio.Channel) -> Call:
        stub = marketing_pb2_grpc.AdServiceStub(channel)  # type: ignore[no-untyped-call]

        async def send(_chooser: Any) -> Any:
            token = tokens.pop()
            request = pb.RecordClickRequest(
                click_token=token,
                visitor=pb.Visitor(fingerprint=f"fp-{uuid.uuid4().hex}", region="CN"),
            )
            answer = await stub.RecordClick(request, metadata=site.metadata, timeout=60)
            clicks.append(answer.click)
            return answer

        return send

    return bind


async def run_repeats(
    address: str, echo_address: str, site: Publisher, args: argparse.Namespace
) -> tuple[Measured, Measured, Measured]:
    serving = Measured("ServeAds (3 ads of 'tea')")
    baseline = Measured("empty grpc.aio handler (baseline)")
    clicking = Measured("RecordClick, accepted CPC")
    for repeat in range(args.repeats):
        tokens: list[str] = []
        serving.samples.append(
            await measure(address, serve_ads(site, tokens), args.requests, args.concurrency, repeat)
        )
        baseline.samples.append(
            await measure(echo_address, echo, args.requests, args.concurrency, repeat)
        )
        clicks: list[pb.Click] = []
        sample = await measure(
            address, record_clicks(site, tokens, clicks), args.requests, args.concurrency, repeat
        )
        rejected = [
            click for click in clicks if not click.accepted or not click.charged.minor_units
        ]
        if rejected:
            reasons = sorted({pb.ClickRejection.Name(click.rejection) for click in rejected})
            raise AssertionError(f"{len(rejected)} of {len(clicks)} clicks not charged: {reasons}")
        clicking.samples.append(sample)
        print(
            f"  repeat {repeat + 1}: serve {serving.samples[-1].per_second:,.0f}/s, "
            f"empty {baseline.samples[-1].per_second:,.0f}/s, "
            f"clicks {sample.per_second:,.0f}/s ({len(clicks)} accepted incl. warm-up); "
            f"{load()}",
            file=sys.stderr,
        )
    return serving, baseline, clicking


@contextmanager
def database(backend: str, server_url: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'marketing.db'}"
    else:
        with fresh_postgres(server_url, prefix="bench_marketing") as url:
            yield url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        help="default: sqlite, and postgresql when DATABASE_URL is set",
    )
    parser.add_argument(
        "--campaigns", type=int, default=5, help="funded CPC campaigns (at least 3: 3 ads a slot)"
    )
    parser.add_argument("--requests", type=int, default=300, help="calls per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="callers in flight")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not kafka:
        from bench._harness import infra_endpoints

        kafka, _ = infra_endpoints()
    server_url = os.environ.get("DATABASE_URL", "")
    backends = args.backends.split(",")
    if "postgresql" in backends and not server_url:
        parser.error("postgresql needs DATABASE_URL")
    # Every click of the run, warm-ups included, could go to one advertiser, at the top bid.
    clicks = args.repeats * (args.requests + max(1, args.requests // 10)) + 10
    budget = clicks * (BID + 10 * args.campaigns) * 2

    command = shlex.join([".venv/bin/python", "-m", "bench.bench_marketing", *sys.argv[1:]])
    print(f"machine: {machine()}; {load()} at start")
    print(f"command: {command}")
    print(
        f"{args.campaigns} CPC campaigns x 2 products on the keyword; {args.requests} calls per "
        f"measurement after {max(1, args.requests // 10)} warm-up calls; {args.concurrency} "
        f"callers in flight; {args.repeats} repeats (medians quoted)\n"
    )
    with tempfile.TemporaryDirectory(prefix="bench-marketing-") as tmp:
        workdir = Path(tmp)
        issuer = LocalIssuer()
        events = Events(kafka)
        catalog = start_catalog(
            f"sqlite:///{workdir / 'catalog.db'}", kafka, issuer, workdir / "catalog"
        )
        try:
            with (
                echo_server("bare", workdir) as bare,
                grpc.insecure_channel(catalog.address) as catalog_channel,
            ):
                for backend in backends:
                    with database(backend, server_url, workdir) as url:
                        http_addr = f"127.0.0.1:{free_port()}"
                        process = start_marketing(
                            url,
                            kafka,
                            issuer,
                            workdir / backend,
                            catalog_addr=catalog.address,
                            http_addr=http_addr,
                        )
                        world = MarketingWorld(
                            process, http_addr, catalog_stub(catalog_channel), issuer, events
                        )
                        try:
                            site = seed(world, args.campaigns, budget)
                            print(f"{backend}: seeded; {load()}", file=sys.stderr)
                            serving, baseline, clicking = asyncio.run(
                                run_repeats(process.address, bare, site, args)
                            )
                        finally:
                            world.channel.close()
                            status = process.stop()
                            logs = process.logs()
                        if status != 0 or "Traceback" in logs:
                            print(logs[-4000:], file=sys.stderr)
                            raise SystemExit(f"marketing on {backend} stopped badly ({status})")
                    print(f"### marketing on {backend}\n")
                    print("| target | p50 (ms) | p99 (ms) | calls/s | ratio to baseline | paired |")
                    print("|---|---|---|---|---|---|")
                    for target in (serving, clicking, baseline):
                        print(target.row(baseline))
                    print()
                    for target in (serving, clicking, baseline):
                        print(f"- raw, {target.raw()}")
                    print(f"\n({load()} after {backend})\n")
        finally:
            catalog.stop()
            events.close()
    print(f"{load()} at end")


if __name__ == "__main__":
    main()
