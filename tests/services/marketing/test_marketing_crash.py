"""SIGKILL of marketing in the middle of a stream of clicks and conversions, then a restart:
nothing is charged twice and nothing is lost.

A publisher clicks CPC ads one after another (retrying a click the dead service did not answer,
with the same token, as a browser would) while orders' events for CPS conversions keep arriving
on Kafka. Marketing is killed mid-stream and started again on the same database. Afterwards the
sum of the AdClicked costs on the topic (each click id once) equals the advertiser's spend and
the campaign's, every order's commission is charged once, and the publisher's earnings are the
sum of the shares.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from mercato.marketing.v1 import events_pb2 as ev
from mercato.marketing.v1 import marketing_pb2 as pb
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from tests.services.marketing._support import (
    Advertiser,
    Events,
    MarketingWorld,
    Publisher,
    eventually,
    of_type,
    start_marketing,
)
from tests.support.services import ServiceProcess, service_database

CPC_CLICKS = 100
ORDERS = 12
BID = 100
GOODS = 2_000
RATE_BPS = 1_000
# What a call to a dead (or restarting) service answers; anything else is a failure.
_RETRIED = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNKNOWN,
    }
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    backend = request.param
    postgres_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else ""
    folder = tmp_path_factory.mktemp(f"marketing-crash-{backend}")
    with service_database(backend, postgres_url, folder, "marketing") as url:
        yield url, folder


def test_a_killed_marketing_charges_nothing_twice_and_loses_nothing(
    database: tuple[str, Path],
    issuer: LocalIssuer,
    events: Events,
    catalog: ServiceProcess,
    catalog_api: object,
    kafka_bootstrap_servers: str,
) -> None:
    url, folder = database
    addresses = {
        "grpc_addr": f"127.0.0.1:{free_port()}",
        "http_addr": f"127.0.0.1:{free_port()}",
    }

    def start() -> ServiceProcess:
        return start_marketing(
            url, kafka_bootstrap_servers, issuer, folder, catalog_addr=catalog.address, **addresses
        )

    world = MarketingWorld(start(), addresses["http_addr"], catalog_api, issuer, events)
    try:
        cpc, cps = world.advertiser(), world.advertiser()
        site = world.publisher()
        world.deposit(cpc, 1_000_000)
        world.deposit(cps, 1_000_000)
        cpc_campaign = world.launch_cpc(cpc, bid=BID)
        world.launch_cps(cps, bps=RATE_BPS)
        tokens = [world.one_ad(site, cpc.word).click_token for _ in range(CPC_CLICKS)]
        attributions = [
            world.click(site, world.one_ad(site, cps.word).click_token, f"buyer-{i}")
            for i in range(ORDERS)
        ]
        assert all(click.accepted for click in attributions)

        answers: dict[str, pb.Click] = {}
        ordered: list[str] = []
        clicking = threading.Thread(target=_click_all, args=(world, site, tokens, answers))
        ordering = threading.Thread(target=_order_all, args=(world, cps, attributions, ordered))
        clicking.start()
        ordering.start()
        eventually(lambda: len(answers) >= CPC_CLICKS // 4, what="clicks under way")
        world.process.process.kill()  # SIGKILL: no drain, no flush
        world.process.process.wait(timeout=30)
        killed_at = len(answers)
        world.restarted(start())
        clicking.join(timeout=180)
        ordering.join(timeout=180)
        assert not clicking.is_alive()
        assert not ordering.is_alive()
        assert 0 < killed_at < CPC_CLICKS, "the kill did not land mid-stream"

        # Every token was clicked once: accepted, or a replay of its accepted first click.
        assert len(answers) == CPC_CLICKS
        replays = sum(not answer.accepted for answer in answers.values())
        print(f"\nkilled after {killed_at} of {CPC_CLICKS} clicks; {replays} answered as replays")
        click_ids = {answer.click_id for answer in answers.values()}
        assert len(click_ids) == CPC_CLICKS
        for answer in answers.values():
            assert answer.accepted or answer.rejection == pb.CLICK_REJECTION_REPLAYED, answer
        clicked = world.marketing_events("marketing.click", click_ids, CPC_CLICKS, timeout=90)
        adclicked = of_type(clicked, ev.AdClicked)
        assert sorted(e.aggregate_id for e in adclicked) == sorted(click_ids)  # each once
        costs = sum(e.unpack(ev.AdClicked).cost.minor_units for e in adclicked)
        assert costs == CPC_CLICKS * BID
        assert world.balance(cpc).spent.minor_units == costs
        assert world.campaign(cpc, cpc_campaign.campaign_id).spent.minor_units == costs

        # Every order's commission was charged once.
        order_ids = list(ordered)
        assert len(order_ids) == ORDERS
        conversions = world.marketing_events(
            "marketing.conversion", order_ids, 2 * ORDERS, timeout=90
        )
        charged = of_type(conversions, ev.CommissionCharged)
        assert sorted(e.aggregate_id for e in charged) == sorted(order_ids)
        commission = GOODS * RATE_BPS // 10_000
        assert {e.unpack(ev.CommissionCharged).commission.minor_units for e in charged} == {
            commission
        }
        eventually(
            lambda: world.balance(cps).spent.minor_units == ORDERS * commission,
            what="every commission charged",
        )
        assert world.balance(cps).held.minor_units == 0
        [money] = world.report(site).money
        assert money.earned.minor_units == (CPC_CLICKS * BID + ORDERS * commission) // 2
    finally:
        world.channel.close()
        world.process.stop()
    assert "Traceback" not in world.process.logs()


def _click_all(
    world: MarketingWorld, site: Publisher, tokens: list[str], answers: dict[str, pb.Click]
) -> None:
    """Click each token until the service answers (a dead service's refusals are retried)."""
    for index, token in enumerate(tokens):
        deadline = time.monotonic() + 120
        while True:
            try:
                answers[token] = world.click(site, token, f"visitor-{index}")
                break
            except grpc.RpcError as error:
                if error.code() not in _RETRIED or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def _order_all(
    world: MarketingWorld, advertiser: Advertiser, clicks: list[pb.Click], ordered: list[str]
) -> None:
    """orders' events, as orders publishes them: each order placed, then completed."""
    for click in clicks:
        order_id = str(uuid.uuid4())
        world.order_placed(advertiser, click.attribution_token, goods=GOODS, order_id=order_id)
        ordered.append(order_id)
        time.sleep(0.05)
    for order_id in list(ordered):
        world.order_completed(advertiser, order_id, GOODS)
        time.sleep(0.05)
