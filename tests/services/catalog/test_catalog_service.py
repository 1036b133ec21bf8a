"""The catalog as a real process (`mercato serve catalog`), driven over gRPC, its events read
from Kafka like a partner would.

One service per backend for the whole module. Tests where the backend matters (stock under
concurrency, search, one reservation per order) run on SQLite and PostgreSQL; the others on
PostgreSQL only.
"""

from __future__ import annotations

import asyncio
import random
import uuid
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

POSTGRESQL_ONLY = pytest.mark.parametrize("catalog", ["postgresql"], indirect=True)


@dataclass
class Catalog:
    process: CatalogProcess
    stub: CatalogServiceStub
    issuer: LocalIssuer
    backend: str

    def seller(self, seller_id: str | None = None) -> list[tuple[str, str]]:
        """Call metadata of a seller account (a new one unless named)."""
        return self.issuer.metadata(
            subject=seller_id or str(uuid.uuid4()),
            roles=["seller"],
            scopes=["catalog:write", "orders:read"],
        )

    def orders(self) -> list[tuple[str, str]]:
        """Call metadata of the orders service (an app with catalog:reserve)."""
        return self.issuer.metadata(
            subject="orders-service", kind="app", roles=["service"], scopes=["catalog:reserve"]
        )

    def open_shop(self, seller: list[tuple[str, str]], name: str | None = None) -> res.Shop:
        request = api.OpenShopRequest(
            idempotency_key=key(),
            name=name or f"Shop {uuid.uuid4().hex[:10]}",
            tier=res.SHOP_TIER_STANDARD_BOOTH,
        )
        return self.stub.OpenShop(request, metadata=seller).shop

    def list_product(
        self,
        seller: list[tuple[str, str]],
        shop_id: str,
        *skus: api.SkuSpec,
        title: str = "Green tea",
        description: str = "Spring leaves from Yunnan",
    ) -> res.Product:
        request = api.ListProductRequest(
            idempotency_key=key(),
            shop_id=shop_id,
            title=title,
            description=description,
            skus=skus or [sku("TEA-1", 1999, 10)],
        )
        return self.stub.ListProduct(request, metadata=seller).product

    def product(self, product_id: str) -> res.Product:
        return self.stub.GetProduct(api.GetProductRequest(product_id=product_id)).product

    def reserve(self, order_id: str, *lines: tuple[str, int]) -> res.Reservation:
        request = api.ReserveStockRequest(
            idempotency_key=key(),
            order_id=order_id,
            lines=[api.ReserveLine(sku_id=sku_id, quantity=qty) for sku_id, qty in lines],
        )
        return self.stub.ReserveStock(request, metadata=self.orders()).reservation


def key() -> str:
    return uuid.uuid4().hex


def cny(minor_units: int) -> Money:
    return Money(currency="CNY", minor_units=minor_units)


def sku(
    code: str, price: int, stock: int, currency: str = "CNY", weight_grams: int = 0
) -> api.SkuSpec:
    return api.SkuSpec(
        code=code,
        price=Money(currency=currency, minor_units=price),
        stock=stock,
        weight_grams=weight_grams,
    )


def counts(product: res.Product) -> list[tuple[int, int]]:
    return [(s.available, s.reserved) for s in product.skus]


def refused(call: object, *args: object, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as error:
        call(*args, **kwargs)  # type: ignore[operator]
    return error.value


def named_field(error: grpc.RpcError) -> str | None:
    """The field an INVALID_ARGUMENT names (its message starts "<field>: ")."""
    if error.code() != grpc.StatusCode.INVALID_ARGUMENT:
        return None
    return error.details().split(":", 1)[0]


@pytest.fixture(scope="module")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalog(
    request: pytest.FixtureRequest,
    issuer: LocalIssuer,
    kafka_bootstrap_servers: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Catalog]:
    backend = request.param
    postgres_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else ""
    folder = tmp_path_factory.mktemp(f"catalog-{backend}")
    with catalog_database(backend, postgres_url, folder) as url:
        process = start_catalog(url, kafka_bootstrap_servers, issuer, folder)
        try:
            with grpc.insecure_channel(process.address) as channel:
                yield Catalog(process, CatalogServiceStub(channel), issuer, backend)
        finally:
            status = process.stop()
            assert status == 0, process.logs()[-4000:]
            assert "Traceback" not in process.logs()


@POSTGRESQL_ONLY
def test_a_seller_opens_a_shop_lists_a_product_and_anyone_reads_them(
    catalog: Catalog, kafka_bootstrap_servers: str
) -> None:
    seller_id = str(uuid.uuid4())
    seller = catalog.seller(seller_id)
    correlation_id = str(uuid.uuid4())

    shop = catalog.stub.OpenShop(
        api.OpenShopRequest(
            idempotency_key=key(), name=f"Flagship {seller_id[:8]}", tier=res.SHOP_TIER_FLAGSHIP
        ),
        metadata=[*seller, ("x-correlation-id", correlation_id)],
    ).shop
    product = catalog.list_product(
        seller, shop.shop_id, sku("TEA-100G", 1999, 10), sku("TEA-250G", 4500, 4)
    )
    read_shop = catalog.stub.GetShop(api.GetShopRequest(shop_id=shop.shop_id)).shop
    read = catalog.product(product.product_id)

    assert (shop.seller_id, shop.tier, shop.status) == (
        seller_id,
        res.SHOP_TIER_FLAGSHIP,
        res.SHOP_STATUS_OPEN,
    )
    assert read_shop == shop
    assert read == product
    assert [(s.code, s.price.minor_units, s.available) for s in read.skus] == [
        ("TEA-100G", 1999, 10),
        ("TEA-250G", 4500, 4),
    ]
    [opened] = events_of(kafka_bootstrap_servers, "catalog.shop", {shop.shop_id}, 1)
    [listed] = events_of(kafka_bootstrap_servers, "catalog.product", {product.product_id}, 1)
    assert opened.unpack(events.ShopOpened).tier == res.SHOP_TIER_FLAGSHIP
    assert opened.correlation_id == correlation_id
    assert (opened.producer, opened.aggregate_version) == ("catalog", 1)
    payload = listed.unpack(events.ProductListed)
    assert (payload.seller_id, payload.shop_id) == (seller_id, shop.shop_id)
    assert [s.sku_id for s in payload.skus] == [s.sku_id for s in product.skus]


def test_an_order_reads_each_skus_price_and_weight_and_its_shops_seller_and_tier(
    catalog: Catalog, kafka_bootstrap_servers: str
) -> None:
    seller_id = str(uuid.uuid4())
    seller = catalog.seller(seller_id)
    shop = catalog.open_shop(seller)
    product = catalog.list_product(
        seller,
        shop.shop_id,
        sku("TEA-100G", 1999, 10, weight_grams=120),
        sku("TEA-GIFT", 8800, 2),
        sku("TEA-CRATE", 99900, 1, weight_grams=1_000_000),
        title="Green tea",
    )

    read = catalog.product(product.product_id)
    read_shop = catalog.stub.GetShop(api.GetShopRequest(shop_id=read.shop_id)).shop

    assert [(s.code, s.price.minor_units, s.weight_grams) for s in read.skus] == [
        ("TEA-100G", 1999, 120),
        ("TEA-GIFT", 8800, 0),
        ("TEA-CRATE", 99900, 1_000_000),
    ]
    assert (read.title, read.seller_id, read.status) == (
        "Green tea",
        seller_id,
        res.PRODUCT_STATUS_ACTIVE,
    )
    assert (read_shop.seller_id, read_shop.tier) == (seller_id, res.SHOP_TIER_STANDARD_BOOTH)
    [listed] = events_of(kafka_bootstrap_servers, "catalog.product", {product.product_id}, 1)
    assert [s.weight_grams for s in listed.unpack(events.ProductListed).skus] == [120, 0, 1_000_000]


def test_a_delisted_product_still_reads_with_its_status_and_an_unknown_one_is_not_found(
    catalog: Catalog,
) -> None:
    seller = catalog.seller()
    shop = catalog.open_shop(seller)
    product = catalog.list_product(seller, shop.shop_id, sku("TEA-1", 1999, 3, weight_grams=250))
    catalog.stub.DelistProduct(
        api.DelistProductRequest(idempotency_key=key(), product_id=product.product_id),
        metadata=seller,
    )

    delisted = catalog.product(product.product_id)
    unknown = refused(catalog.product, str(uuid.uuid4()))

    assert delisted.status == res.PRODUCT_STATUS_DELISTED
    assert [(s.price.minor_units, s.weight_grams) for s in delisted.skus] == [(1999, 250)]
    assert unknown.code() == grpc.StatusCode.NOT_FOUND


@POSTGRESQL_ONLY
def test_a_repeated_command_answers_the_same_once_and_keys_belong_to_their_caller(
    catalog: Catalog,
) -> None:
    seller, other_seller = catalog.seller(), catalog.seller()
    request = api.OpenShopRequest(
        idempotency_key="open-my-shop", name=f"Tea {key()[:8]}", tier=res.SHOP_TIER_FLAGSHIP
    )

    first = catalog.stub.OpenShop(request, metadata=seller)
    again = catalog.stub.OpenShop(request, metadata=seller)
    reused = refused(
        catalog.stub.OpenShop,
        api.OpenShopRequest(idempotency_key="open-my-shop", name="Other", tier=1),
        metadata=seller,
    )
    others = catalog.stub.OpenShop(
        api.OpenShopRequest(idempotency_key="open-my-shop", name=f"Tea {key()[:8]}", tier=1),
        metadata=other_seller,
    )
    taken = refused(
        catalog.stub.OpenShop,
        api.OpenShopRequest(idempotency_key=key(), name=request.name.upper(), tier=1),
        metadata=other_seller,
    )

    assert again == first
    assert reused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reused.details().startswith("idempotency_key:")
    assert others.shop.shop_id != first.shop.shop_id
    assert taken.code() == grpc.StatusCode.ALREADY_EXISTS


@POSTGRESQL_ONLY
def test_details_prices_stock_and_delisting_change_and_publish_in_order(
    catalog: Catalog, kafka_bootstrap_servers: str
) -> None:
    seller = catalog.seller()
    shop = catalog.open_shop(seller)
    product = catalog.list_product(seller, shop.shop_id)
    sku_id = product.skus[0].sku_id

    catalog.stub.UpdateProduct(
        api.UpdateProductRequest(
            idempotency_key=key(),
            product_id=product.product_id,
            title="Green tea, first flush",
            description="Picked in April",
            attributes=[res.Attribute(name="origin", value="Yunnan")],
        ),
        metadata=seller,
    )
    catalog.stub.ChangePrice(
        api.ChangePriceRequest(
            idempotency_key=key(), product_id=product.product_id, sku_id=sku_id, price=cny(2599)
        ),
        metadata=seller,
    )
    catalog.stub.AdjustStock(
        api.AdjustStockRequest(
            idempotency_key=key(), product_id=product.product_id, sku_id=sku_id, delta=-4
        ),
        metadata=seller,
    )
    delisted = catalog.stub.DelistProduct(
        api.DelistProductRequest(idempotency_key=key(), product_id=product.product_id),
        metadata=seller,
    ).product

    assert delisted.status == res.PRODUCT_STATUS_DELISTED
    assert delisted.title == "Green tea, first flush"
    assert [(a.name, a.value) for a in delisted.attributes] == [("origin", "Yunnan")]
    assert (delisted.skus[0].price.minor_units, delisted.skus[0].available) == (2599, 6)
    assert delisted.version == 5
    published = events_of(kafka_bootstrap_servers, "catalog.product", {product.product_id}, 5)
    assert [(e.event_type.rsplit(".", 1)[1], e.aggregate_version) for e in published] == [
        ("ProductListed", 1),
        ("ProductUpdated", 2),
        ("PriceChanged", 3),
        ("StockAdjusted", 4),
        ("ProductDelisted", 5),
    ]
    changed = published[2].unpack(events.PriceChanged)
    assert (changed.old_price.minor_units, changed.new_price.minor_units) == (1999, 2599)
    assert published[3].unpack(events.StockAdjusted).available == 6


@POSTGRESQL_ONLY
def test_bad_input_is_refused_with_the_field_named_and_nothing_changes(
    catalog: Catalog,
) -> None:
    seller = catalog.seller()
    shop = catalog.open_shop(seller)
    product = catalog.list_product(seller, shop.shop_id)
    sku_id = product.skus[0].sku_id
    order_id = str(uuid.uuid4())

    def price_change(price: Money, sku: str = sku_id) -> grpc.RpcError:
        request = api.ChangePriceRequest(
            idempotency_key=key(), product_id=product.product_id, sku_id=sku, price=price
        )
        return refused(catalog.stub.ChangePrice, request, metadata=seller)

    def listing(*skus: api.SkuSpec, title: str = "Tea", description: str = "") -> grpc.RpcError:
        request = api.ListProductRequest(
            idempotency_key=key(),
            shop_id=shop.shop_id,
            title=title,
            description=description,
            skus=skus,
        )
        return refused(catalog.stub.ListProduct, request, metadata=seller)

    def reservation(*lines: tuple[str, int]) -> grpc.RpcError:
        return refused(catalog.reserve, order_id, *lines)

    answers = {
        "zero price": price_change(cny(0)),
        "negative price": price_change(cny(-100)),
        "unsupported currency": price_change(Money(currency="GBP", minor_units=100)),
        "megabyte currency": price_change(Money(currency="X" * 1_000_000, minor_units=100)),
        "unknown SKU of the product": price_change(cny(100), sku=str(uuid.uuid4())),
        "zero price listed": listing(sku("A", 0, 1)),
        "negative stock listed": listing(sku("A", 100, -1)),
        "negative weight listed": listing(sku("A", 100, 1, weight_grams=-1)),
        "weight over a tonne listed": listing(sku("A", 100, 1, weight_grams=1_000_001)),
        "currency listed": listing(sku("A", 100, 1, currency="JPY")),
        "oversized title": listing(sku("A", 100, 1), title="t" * 201),
        "oversized description": listing(sku("A", 100, 1), description="d" * 5001),
        "duplicate codes": listing(sku("A", 100, 1), sku("A", 200, 1)),
        "zero quantity": reservation((sku_id, 0)),
        "negative quantity": reservation((sku_id, -1)),
        "unknown SKU reserved": reservation((sku_id, 1), (str(uuid.uuid4()), 1)),
        "zero stock adjustment": refused(
            catalog.stub.AdjustStock,
            api.AdjustStockRequest(
                idempotency_key=key(), product_id=product.product_id, sku_id=sku_id, delta=0
            ),
            metadata=seller,
        ),
    }

    found = {what: (error.code(), named_field(error)) for what, error in answers.items()}
    bad = grpc.StatusCode.INVALID_ARGUMENT
    assert found == {
        "zero price": (bad, "price.minor_units"),
        "negative price": (bad, "price.minor_units"),
        "unsupported currency": (bad, "price.currency"),
        "megabyte currency": (bad, "price.currency"),
        "unknown SKU of the product": (grpc.StatusCode.NOT_FOUND, None),
        "zero price listed": (bad, "skus[0].price.minor_units"),
        "negative stock listed": (bad, "skus[0].stock"),
        "negative weight listed": (bad, "skus[0].weight_grams"),
        "weight over a tonne listed": (bad, "skus[0].weight_grams"),
        "currency listed": (bad, "skus[0].price.currency"),
        "oversized title": (bad, "title"),
        "oversized description": (bad, "description"),
        "duplicate codes": (bad, "skus[1].code"),
        "zero quantity": (bad, "lines[0].quantity"),
        "negative quantity": (bad, "lines[0].quantity"),
        "unknown SKU reserved": (bad, "lines[1].sku_id"),
        "zero stock adjustment": (bad, "delta"),
    }
    # An error quotes a bounded prefix of what it refuses, never the whole value.
    assert len(answers["megabyte currency"].details() or "") < 300
    assert catalog.product(product.product_id) == product
    shop_page = catalog.stub.ListShopProducts(api.ListShopProductsRequest(shop_id=shop.shop_id))
    assert [p.product_id for p in shop_page.products] == [product.product_id]
    missing = refused(
        catalog.stub.GetReservation,
        api.GetReservationRequest(order_id=order_id),
        metadata=catalog.orders(),
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND


@POSTGRESQL_ONLY
def test_only_the_shops_seller_or_an_app_it_granted_changes_its_products(
    catalog: Catalog,
) -> None:
    seller_id = str(uuid.uuid4())
    seller = catalog.seller(seller_id)
    shop = catalog.open_shop(seller)
    product = catalog.list_product(seller, shop.shop_id)

    def price_change(metadata: list[tuple[str, str]] | None, price: int) -> object:
        request = api.ChangePriceRequest(
            idempotency_key=key(),
            product_id=product.product_id,
            sku_id=product.skus[0].sku_id,
            price=cny(price),
        )
        return catalog.stub.ChangePrice(request, metadata=metadata)

    granted_app = catalog.issuer.metadata(
        subject="erp-app", kind="app", on_behalf_of=seller_id, scopes=["catalog:write"]
    )
    app_without_scope = catalog.issuer.metadata(
        subject="erp-app", kind="app", on_behalf_of=seller_id, scopes=["orders:read"]
    )
    app_for_another_seller = catalog.issuer.metadata(
        subject="erp-app", kind="app", on_behalf_of=str(uuid.uuid4()), scopes=["catalog:write"]
    )
    buyer = catalog.issuer.metadata(
        subject=str(uuid.uuid4()), roles=["buyer"], scopes=["catalog:write"]
    )

    answers = {
        "another seller": refused(price_change, catalog.seller(), 1).code(),
        "an app without catalog:write": refused(price_change, app_without_scope, 2).code(),
        "an app of another seller": refused(price_change, app_for_another_seller, 3).code(),
        "nobody": refused(price_change, None, 4).code(),
        "a buyer opening a shop": refused(catalog.open_shop, buyer).code(),
    }
    by_app = price_change(granted_app, 2222)
    by_seller = price_change(seller, 3333)
    opened_by_app = catalog.open_shop(granted_app)

    assert answers == {
        "another seller": grpc.StatusCode.PERMISSION_DENIED,
        "an app without catalog:write": grpc.StatusCode.PERMISSION_DENIED,
        "an app of another seller": grpc.StatusCode.PERMISSION_DENIED,
        "nobody": grpc.StatusCode.UNAUTHENTICATED,
        "a buyer opening a shop": grpc.StatusCode.PERMISSION_DENIED,
    }
    assert by_app.product.skus[0].price.minor_units == 2222  # type: ignore[attr-defined]
    assert by_seller.product.skus[0].price.minor_units == 3333  # type: ignore[attr-defined]
    assert opened_by_app.seller_id == seller_id
    assert catalog.product(product.product_id).version == 3


def test_search_matches_every_word_ranks_titles_first_and_filters(catalog: Catalog) -> None:
    seller = catalog.seller()
    shop = catalog.open_shop(seller)
    other_shop = catalog.open_shop(catalog.seller())
    batch = f"batch{uuid.uuid4().hex[:8]}"  # this test's own word: the database is shared

    def listed(title: str, description: str, *skus: api.SkuSpec, shop_id: str = "") -> str:
        owner = seller if not shop_id else catalog.seller(other_shop.seller_id)
        product = catalog.list_product(
            owner, shop_id or shop.shop_id, *skus, title=title, description=f"{description} {batch}"
        )
        return product.product_id

    in_title = listed("Oolong teas", "Rolled leaves", sku("A", 5000, 3))
    in_description = listed("Tin of leaves", "An oolong tea", sku("A", 1500, 0), sku("B", 900, 2))
    coffee = listed("Coffee beans", "Arabica", sku("A", 3000, 0))
    elsewhere = listed("Oolong tea", "Elsewhere", sku("A", 2000, 1), shop_id=other_shop.shop_id)
    delisted = listed("Oolong tea", "Gone", sku("A", 2000, 1))
    catalog.stub.DelistProduct(
        api.DelistProductRequest(idempotency_key=key(), product_id=delisted), metadata=seller
    )

    def search(query: str, **filters: object) -> list[str]:
        request = api.SearchProductsRequest(query=f"{query} {batch}", **filters)  # type: ignore[arg-type]
        return [p.product_id for p in catalog.stub.SearchProducts(request).products]

    def found(query: str, **filters: object) -> set[str]:
        return set(search(query, **filters))

    assert search("oolong tea", shop_id=shop.shop_id) == [in_title, in_description]
    assert found("oolong") == {in_title, in_description, elsewhere}
    assert found("coffee") == {coffee}
    assert found("", shop_id=shop.shop_id) == {in_title, in_description, coffee}
    everything_of_the_shop = api.SearchProductsRequest(shop_id=shop.shop_id)
    assert [p.product_id for p in catalog.stub.SearchProducts(everything_of_the_shop).products] == [
        in_title,
        in_description,
        coffee,
    ]
    assert found("", shop_id=shop.shop_id, in_stock=True) == {in_title, in_description}
    assert found("", min_price=cny(1000), max_price=cny(2500)) == {in_description, elsewhere}
    # In stock at that price: the SKU at 15.00 has none; the one at 9.00 is outside the range.
    assert found("", min_price=cny(1000), max_price=cny(2500), in_stock=True) == {elsewhere}
    assert found("", min_price=Money(currency="USD", minor_units=1)) == set()
    mixed = refused(
        catalog.stub.SearchProducts,
        api.SearchProductsRequest(query="tea", min_price=cny(1), max_price=Money(currency="USD")),
    )
    assert (mixed.code(), named_field(mixed)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "max_price.currency",
    )


def test_search_pages_with_an_opaque_token_that_only_continues_its_search(
    catalog: Catalog,
) -> None:
    seller = catalog.seller()
    shop = catalog.open_shop(seller)
    batch = f"batch{uuid.uuid4().hex[:8]}"
    listed = {
        catalog.list_product(
            seller, shop.shop_id, title=f"Tea number {n}", description=f"tea {batch}"
        ).product_id
        for n in range(7)
    }

    pages: list[list[str]] = []
    token = ""
    while len(pages) < 10:
        page = catalog.stub.SearchProducts(
            api.SearchProductsRequest(query=f"tea {batch}", page_size=3, page_token=token)
        )
        pages.append([p.product_id for p in page.products])
        token = page.next_page_token
        if not token:
            break
    first = catalog.stub.SearchProducts(
        api.SearchProductsRequest(query=f"tea {batch}", page_size=3)
    )
    foreign = refused(
        catalog.stub.SearchProducts,
        api.SearchProductsRequest(query="coffee", page_token=first.next_page_token),
    )
    garbage = refused(
        catalog.stub.SearchProducts, api.SearchProductsRequest(query="tea", page_token="x!")
    )

    assert [len(page) for page in pages] == [3, 3, 1]
    assert set().union(*pages) == listed
    assert (foreign.code(), named_field(foreign)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "page_token",
    )
    assert (garbage.code(), named_field(garbage)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "page_token",
    )


@POSTGRESQL_ONLY
def test_a_shops_products_page_oldest_first_and_a_closed_shop_leaves_search(
    catalog: Catalog,
) -> None:
    seller = catalog.seller()
    shop = catalog.open_shop(seller)
    batch = f"batch{uuid.uuid4().hex[:8]}"
    listed = [
        catalog.list_product(seller, shop.shop_id, description=batch).product_id for _ in range(5)
    ]

    first = catalog.stub.ListShopProducts(
        api.ListShopProductsRequest(shop_id=shop.shop_id, page_size=2)
    )
    second = catalog.stub.ListShopProducts(
        api.ListShopProductsRequest(
            shop_id=shop.shop_id, page_size=2, page_token=first.next_page_token
        )
    )
    catalog.stub.CloseShop(
        api.CloseShopRequest(idempotency_key=key(), shop_id=shop.shop_id), metadata=seller
    )
    found_after_closing = catalog.stub.SearchProducts(api.SearchProductsRequest(query=batch))
    closed_listing = refused(catalog.list_product, seller, shop.shop_id)
    unknown_shop = refused(
        catalog.stub.ListShopProducts, api.ListShopProductsRequest(shop_id=str(uuid.uuid4()))
    )

    assert [p.product_id for p in [*first.products, *second.products]] == listed[:4]
    assert list(found_after_closing.products) == []
    assert closed_listing.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert unknown_shop.code() == grpc.StatusCode.NOT_FOUND


@POSTGRESQL_ONLY
def test_a_reservation_holds_every_line_or_none_and_says_what_was_short(
    catalog: Catalog, kafka_bootstrap_servers: str
) -> None:
    seller = catalog.seller()
    shop = catalog.open_shop(seller)
    product = catalog.list_product(seller, shop.shop_id, sku("A", 100, 5), sku("B", 100, 1))
    a, b = (s.sku_id for s in product.skus)

    rejected = catalog.reserve(str(uuid.uuid4()), (a, 2), (b, 2))
    unchanged = catalog.product(product.product_id)
    held = catalog.reserve(str(uuid.uuid4()), (a, 2), (b, 1))

    assert rejected.status == res.RESERVATION_STATUS_REJECTED
    assert [(s.sku_id, s.requested, s.available, s.reason) for s in rejected.shortages] == [
        (b, 2, 1, res.SHORTAGE_REASON_INSUFFICIENT_STOCK)
    ]
    assert counts(unchanged) == [(5, 0), (1, 0)]
    assert held.status == res.RESERVATION_STATUS_HELD
    assert counts(catalog.product(product.product_id)) == [(3, 2), (0, 1)]
    [rejection] = events_of(
        kafka_bootstrap_servers, "catalog.reservation", {rejected.reservation_id}, 1
    )
    [reserved] = events_of(kafka_bootstrap_servers, "catalog.reservation", {held.reservation_id}, 1)
    assert rejection.unpack(events.ReservationRejected).order_id == rejected.order_id
    assert [line.quantity for line in reserved.unpack(events.StockReserved).lines] == [2, 1]


@POSTGRESQL_ONLY
def test_committing_sells_the_units_and_releasing_gives_them_back_once_even_after_a_commit(
    catalog: Catalog, kafka_bootstrap_servers: str
) -> None:
    seller = catalog.seller()
    product = catalog.list_product(seller, catalog.open_shop(seller).shop_id, sku("A", 100, 10))
    sku_id = product.skus[0].sku_id
    sold, returned = str(uuid.uuid4()), str(uuid.uuid4())
    orders = catalog.orders()

    def commit(order_id: str) -> res.Reservation:
        request = api.CommitReservationRequest(idempotency_key=key(), order_id=order_id)
        return catalog.stub.CommitReservation(request, metadata=orders).reservation

    def release(order_id: str) -> res.Reservation:
        request = api.ReleaseReservationRequest(idempotency_key=key(), order_id=order_id)
        return catalog.stub.ReleaseReservation(request, metadata=orders).reservation

    catalog.reserve(sold, (sku_id, 3))
    catalog.reserve(returned, (sku_id, 4))
    committed = commit(sold)
    commit(sold)
    released = release(returned)
    release(returned)

    assert committed.status == res.RESERVATION_STATUS_COMMITTED
    assert released.status == res.RESERVATION_STATUS_RELEASED
    assert counts(catalog.product(product.product_id)) == [(7, 0)]
    assert refused(commit, returned).code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refused(commit, str(uuid.uuid4())).code() == grpc.StatusCode.NOT_FOUND
    seller_cannot = refused(
        catalog.stub.CommitReservation,
        api.CommitReservationRequest(idempotency_key=key(), order_id=sold),
        metadata=seller,
    )
    assert seller_cannot.code() == grpc.StatusCode.PERMISSION_DENIED
    published = events_of(
        kafka_bootstrap_servers,
        "catalog.reservation",
        {committed.reservation_id, released.reservation_id},
        4,
    )
    assert sorted(e.event_type.rsplit(".", 1)[1] for e in published) == [
        "ReservationCommitted",
        "ReservationReleased",
        "StockReserved",
        "StockReserved",
    ]

    # The order that was sold is cancelled before its parcel left: its 3 go back on sale, once.
    restocked = release(sold)
    release(sold)
    assert restocked.status == res.RESERVATION_STATUS_RELEASED
    assert counts(catalog.product(product.product_id)) == [(10, 0)]
    [*_, back] = events_of(
        kafka_bootstrap_servers, "catalog.reservation", {committed.reservation_id}, 3
    )
    assert back.unpack(events.ReservationReleased).after_commit


async def test_asking_for_an_orders_reservation_again_and_again_reserves_once(
    catalog: Catalog,
) -> None:
    seller = catalog.seller()
    product = catalog.list_product(seller, catalog.open_shop(seller).shop_id, sku("A", 100, 10))
    sku_id = product.skus[0].sku_id
    order_id = str(uuid.uuid4())
    metadata = catalog.orders()

    async with grpc.aio.insecure_channel(catalog.process.address) as channel:
        stub = CatalogServiceStub(channel)
        answers = await asyncio.gather(
            *(
                stub.ReserveStock(
                    api.ReserveStockRequest(
                        idempotency_key=key(),
                        order_id=order_id,
                        lines=[api.ReserveLine(sku_id=sku_id, quantity=4)],
                    ),
                    metadata=metadata,
                )
                for _ in range(8)
            )
        )
        with pytest.raises(grpc.aio.AioRpcError) as different:
            await stub.ReserveStock(
                api.ReserveStockRequest(
                    idempotency_key=key(),
                    order_id=order_id,
                    lines=[api.ReserveLine(sku_id=sku_id, quantity=5)],
                ),
                metadata=metadata,
            )

    assert len({answer.reservation.reservation_id for answer in answers}) == 1
    assert {answer.reservation.status for answer in answers} == {res.RESERVATION_STATUS_HELD}
    assert counts(catalog.product(product.product_id)) == [(6, 4)]
    assert different.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_200_concurrent_reservations_for_the_last_10_units_reserve_exactly_10(
    catalog: Catalog,
) -> None:
    seller = catalog.seller()
    product = catalog.list_product(seller, catalog.open_shop(seller).shop_id, sku("A", 100, 10))
    sku_id = product.skus[0].sku_id
    metadata = catalog.orders()

    async with grpc.aio.insecure_channel(catalog.process.address) as channel:
        stub = CatalogServiceStub(channel)
        answers = await asyncio.gather(
            *(
                stub.ReserveStock(
                    api.ReserveStockRequest(
                        idempotency_key=key(),
                        order_id=str(uuid.uuid4()),
                        lines=[api.ReserveLine(sku_id=sku_id, quantity=1)],
                    ),
                    metadata=metadata,
                    timeout=120,
                )
                for _ in range(200)
            )
        )

    statuses = [answer.reservation.status for answer in answers]
    assert statuses.count(res.RESERVATION_STATUS_HELD) == 10
    assert statuses.count(res.RESERVATION_STATUS_REJECTED) == 190
    assert counts(catalog.product(product.product_id)) == [(0, 10)]


async def test_orders_that_want_the_same_two_skus_in_either_order_never_oversell_either(
    catalog: Catalog,
) -> None:
    seller = catalog.seller()
    product = catalog.list_product(
        seller, catalog.open_shop(seller).shop_id, sku("A", 100, 10), sku("B", 100, 10)
    )
    a, b = (s.sku_id for s in product.skus)
    metadata = catalog.orders()
    shuffled = random.Random(5)

    def lines() -> list[api.ReserveLine]:
        pair = [api.ReserveLine(sku_id=a, quantity=1), api.ReserveLine(sku_id=b, quantity=1)]
        shuffled.shuffle(pair)
        return pair

    async with grpc.aio.insecure_channel(catalog.process.address) as channel:
        stub = CatalogServiceStub(channel)
        answers = await asyncio.gather(
            *(
                stub.ReserveStock(
                    api.ReserveStockRequest(
                        idempotency_key=key(), order_id=str(uuid.uuid4()), lines=lines()
                    ),
                    metadata=metadata,
                    timeout=120,
                )
                for _ in range(60)
            )
        )

    statuses = [answer.reservation.status for answer in answers]
    assert statuses.count(res.RESERVATION_STATUS_HELD) == 10
    assert counts(catalog.product(product.product_id)) == [(0, 10), (0, 10)]
