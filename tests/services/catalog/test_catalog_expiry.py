"""Reservations not committed in time expire by themselves: two catalog processes on one
database (so two sweepers), a one-second reservation TTL, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from mercato.catalog.v1 import catalog_pb2 as res
from mercato.catalog.v1 import catalog_service_pb2 as api
from mercato.catalog.v1 import events_pb2 as events
from mercato.catalog.v1.catalog_service_pb2_grpc import CatalogServiceStub
from mercato.common.v1.money_pb2 import Money
from mercato_kit.testing import LocalIssuer
from tests.support.catalog_service import (
    CatalogProcess,
    catalog_database,
    events_of,
    start_catalog,
)


@dataclass
class Instances:
    processes: list[CatalogProcess]
    stubs: list[CatalogServiceStub]
    issuer: LocalIssuer

    def orders(self) -> list[tuple[str, str]]:
        return self.issuer.metadata(
            subject="orders-service", kind="app", scopes=["catalog:reserve"]
        )

    def product_with_stock(self, stock: int) -> res.Product:
        seller = self.issuer.metadata(
            subject=str(uuid.uuid4()), roles=["seller"], scopes=["catalog:write"]
        )
        shop = (
            self.stubs[0]
            .OpenShop(
                api.OpenShopRequest(
                    idempotency_key=uuid.uuid4().hex, name=f"Shop {uuid.uuid4().hex}", tier=1
                ),
                metadata=seller,
            )
            .shop
        )
        return (
            self.stubs[0]
            .ListProduct(
                api.ListProductRequest(
                    idempotency_key=uuid.uuid4().hex,
                    shop_id=shop.shop_id,
                    title="Tea",
                    skus=[
                        api.SkuSpec(
                            code="T", price=Money(currency="CNY", minor_units=100), stock=stock
                        )
                    ],
                ),
                metadata=seller,
            )
            .product
        )

    def reserve(
        self, instance: int, order_id: str, sku_id: str, quantity: int, **metadata: str
    ) -> res.Reservation:
        request = api.ReserveStockRequest(
            idempotency_key=uuid.uuid4().hex,
            order_id=order_id,
            lines=[api.ReserveLine(sku_id=sku_id, quantity=quantity)],
        )
        extra = list(metadata.items())
        return (
            self.stubs[instance]
            .ReserveStock(request, metadata=[*self.orders(), *extra])
            .reservation
        )

    def reservation(self, order_id: str) -> res.Reservation:
        return (
            self.stubs[1]
            .GetReservation(api.GetReservationRequest(order_id=order_id), metadata=self.orders())
            .reservation
        )

    def counts(self, product_id: str) -> list[tuple[int, int]]:
        product = self.stubs[1].GetProduct(api.GetProductRequest(product_id=product_id)).product
        return [(s.available, s.reserved) for s in product.skus]

    def wait_until_expired(self, order_ids: list[str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        waiting = list(order_ids)
        while waiting and time.monotonic() < deadline:
            waiting = [
                order_id
                for order_id in waiting
                if self.reservation(order_id).status != res.RESERVATION_STATUS_EXPIRED
            ]
            if waiting:
                time.sleep(0.2)
        assert not waiting, f"{len(waiting)} reservations never expired"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def instances(
    request: pytest.FixtureRequest,
    kafka_bootstrap_servers: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Instances]:
    backend = request.param
    postgres_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else ""
    folder = tmp_path_factory.mktemp(f"catalog-expiry-{backend}")
    issuer = LocalIssuer()
    settings = {"reservation_ttl": "1", "expiry_interval": "0.2"}
    with catalog_database(backend, postgres_url, folder) as url:
        processes: list[CatalogProcess] = []
        channels: list[grpc.Channel] = []
        try:
            for _ in range(2):
                processes.append(
                    start_catalog(url, kafka_bootstrap_servers, issuer, folder, **settings)
                )
                channels.append(grpc.insecure_channel(processes[-1].address))
            yield Instances(processes, [CatalogServiceStub(c) for c in channels], issuer)
        finally:
            for channel in channels:
                channel.close()
            statuses = [process.stop() for process in processes]
            for process in processes:
                assert "Traceback" not in process.logs(), process.logs()[-4000:]
            assert statuses == [0] * len(processes)


def test_an_expired_reservation_returns_its_stock_and_publishes_reservation_expired(
    instances: Instances, kafka_bootstrap_servers: str
) -> None:
    product = instances.product_with_stock(10)
    sku_id = product.skus[0].sku_id
    order_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())

    held = instances.reserve(0, order_id, sku_id, 3, **{"x-correlation-id": correlation_id})
    held_counts = instances.counts(product.product_id)
    instances.wait_until_expired([order_id])
    with pytest.raises(grpc.RpcError) as too_late:
        instances.stubs[0].CommitReservation(
            api.CommitReservationRequest(idempotency_key=uuid.uuid4().hex, order_id=order_id),
            metadata=instances.orders(),
        )

    assert held.status == res.RESERVATION_STATUS_HELD
    assert held_counts == [(7, 3)]
    assert instances.counts(product.product_id) == [(10, 0)]
    assert too_late.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    reserved, expired = events_of(
        kafka_bootstrap_servers, "catalog.reservation", {held.reservation_id}, 2
    )
    assert (reserved.event_type, reserved.aggregate_version) == (
        "mercato.catalog.v1.StockReserved",
        1,
    )
    assert (expired.event_type, expired.aggregate_version) == (
        "mercato.catalog.v1.ReservationExpired",
        2,
    )
    payload = expired.unpack(events.ReservationExpired)
    assert payload.order_id == order_id
    assert [(line.sku_id, line.quantity) for line in payload.lines] == [(sku_id, 3)]
    # The expiry belongs to the order's flow, not to whichever sweep found it.
    assert expired.correlation_id == correlation_id


def test_two_instances_sweeping_one_database_expire_each_reservation_once(
    instances: Instances, kafka_bootstrap_servers: str
) -> None:
    product = instances.product_with_stock(100)
    sku_id = product.skus[0].sku_id
    order_ids = [str(uuid.uuid4()) for _ in range(40)]

    reservations = [
        instances.reserve(n % 2, order_id, sku_id, 2) for n, order_id in enumerate(order_ids)
    ]
    instances.wait_until_expired(order_ids)

    assert {r.status for r in reservations} == {res.RESERVATION_STATUS_HELD}
    assert instances.counts(product.product_id) == [(100, 0)]
    ids = {r.reservation_id for r in reservations}
    published = events_of(kafka_bootstrap_servers, "catalog.reservation", ids, 2 * len(ids))
    # Kafka is at-least-once: a record may repeat, an event (one event id) may not.
    distinct = {e.event_id: e for e in published}.values()
    expiries = Counter(
        e.aggregate_id for e in distinct if e.event_type.endswith("ReservationExpired")
    )
    assert expiries == Counter({reservation_id: 1 for reservation_id in ids})
