"""Seeding the demo over the public APIs only: the first operator (identity's own command line),
the orders service's app and the carrier apps, sellers with their shops and products, buyers.

Apart from the first operator (made the only way one can be), everything here is a gRPC call a
real client could make; nothing reads or writes a service's database. Which seller opens which
tier of shop and lists what at which price is decided by the seed (see `catalogue_for`), so two
runs with the same seed list the same products.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc

from mercato.catalog.v1 import catalog_pb2, catalog_service_pb2, catalog_service_pb2_grpc
from mercato.common.v1 import money_pb2
from mercato.identity.v1 import (
    accounts_pb2,
    accounts_pb2_grpc,
    apps_pb2,
    apps_pb2_grpc,
    grants_pb2,
    grants_pb2_grpc,
)
from mercato_cli.demo.launcher import DemoError

__all__ = [
    "CURRENCY",
    "ORDERS_APP_SCOPES",
    "PASSWORD",
    "App",
    "Identity",
    "ListedSku",
    "Seller",
    "SignedIn",
    "bearer",
    "catalogue_for",
    "create_operator",
    "open_shops",
]

CURRENCY = "CNY"
PASSWORD = "demo password, not a secret"  # noqa: S105 - the demo's made-up accounts
ORDERS_APP_SCOPES = ("catalog:reserve", "payments:capture", "logistics:ship")
"""What the order saga's calls require (catalog ReserveStock..., payments CapturePayment...,
logistics CreateShipment: their `@requires`)."""
TIMEOUT = 30.0

Metadata = list[tuple[str, str]]


def bearer(token: str) -> Metadata:
    return [("authorization", f"Bearer {token}")]


@dataclass(frozen=True)
class SignedIn:
    """An account and its access token."""

    account_id: str
    email: str
    token: str

    @property
    def metadata(self) -> Metadata:
        return bearer(self.token)


@dataclass(frozen=True)
class App:
    """A registered app, its secret (shown once) and, for carriers, an access token."""

    app_id: str
    secret: str
    token: str = ""

    @property
    def metadata(self) -> Metadata:
        return bearer(self.token)


class Identity:
    """The identity service as the demo's clients use it."""

    def __init__(self, channel: grpc.Channel, run_key: str) -> None:
        self._accounts = accounts_pb2_grpc.AccountServiceStub(channel)  # type: ignore[no-untyped-call]
        self._apps = apps_pb2_grpc.AppServiceStub(channel)  # type: ignore[no-untyped-call]
        self._grants = grants_pb2_grpc.GrantServiceStub(channel)  # type: ignore[no-untyped-call]
        self._run_key = run_key

    def sign_in(self, email: str) -> SignedIn:
        answer = self._accounts.SignIn(
            accounts_pb2.SignInRequest(email=email, password=PASSWORD), timeout=TIMEOUT
        )
        return SignedIn(answer.account.account_id, email, answer.tokens.access_token.token)

    def register(self, email: str, role: accounts_pb2.Role) -> SignedIn:
        """Register an account and sign it in."""
        self._accounts.RegisterAccount(
            accounts_pb2.RegisterAccountRequest(
                idempotency_key=f"{self._run_key}-register-{email}",
                email=email,
                password=PASSWORD,
                role=role,
            ),
            timeout=TIMEOUT,
        )
        return self.sign_in(email)

    def register_app(
        self, operator: SignedIn, kind: apps_pb2.AppKind, name: str, scopes: Sequence[str]
    ) -> App:
        answer = self._apps.RegisterApp(
            apps_pb2.RegisterAppRequest(
                idempotency_key=f"{self._run_key}-app-{name}",
                kind=kind,
                name=name,
                scopes=list(scopes),
            ),
            metadata=operator.metadata,
            timeout=TIMEOUT,
        )
        return App(answer.app.app_id, answer.app_secret)

    def with_token(self, app: App) -> App:
        """The app with an access token of its own (client credentials: every scope it holds)."""
        token = self._apps.IssueAppToken(
            apps_pb2.IssueAppTokenRequest(app_id=app.app_id, app_secret=app.secret),
            timeout=TIMEOUT,
        ).access_token.token
        return App(app.app_id, app.secret, token)

    def carrier(self, operator: SignedIn, name: str) -> App:
        """A carrier app and its access token (the simulator's credentials)."""
        app = self.register_app(operator, apps_pb2.APP_KIND_CARRIER, name, ["logistics:tracking"])
        return self.with_token(app)

    def grant(self, grantor: SignedIn, app_id: str, scopes: Sequence[str]) -> str:
        """The account grants the app `scopes` (identity's GrantAccess); the grant's id."""
        answer = self._grants.GrantAccess(
            grants_pb2.GrantAccessRequest(
                idempotency_key=f"{self._run_key}-grant-{grantor.account_id}-{app_id}",
                app_id=app_id,
                scopes=list(scopes),
            ),
            metadata=grantor.metadata,
            timeout=TIMEOUT,
        )
        grant_id: str = answer.grant.grant_id
        return grant_id


_ADMIN = (sys.executable, "-m", "mercato_identity.entrypoints.admin")


def create_operator(env: Mapping[str, str], email: str, workdir: Path) -> None:
    """The first operator, with identity's command line on identity's database (`env` is the
    identity service's environment): over gRPC only an operator registers an operator."""
    done = subprocess.run(
        [*_ADMIN, "create-operator", "--email", email],
        env={**os.environ, **env, "IDENTITY_OPERATOR_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=workdir,
        check=False,
    )
    if done.returncode != 0:
        raise DemoError(f"creating the operator failed: {done.stderr.strip()[-2000:]}")


# What the sellers sell: a title, a variant attribute, and each variant's price (fen), weight.
_GOODS: tuple[tuple[str, str, tuple[tuple[str, int, int], ...]], ...] = (
    ("West Lake Longjing tea", "weight", (("100 g", 6800, 150), ("250 g", 15800, 320))),
    ("Silk scarf", "colour", (("jade", 19900, 120), ("crimson", 19900, 120))),
    ("Bamboo steamer", "diameter", (("20 cm", 4500, 600), ("26 cm", 5900, 850))),
    ("Porcelain tea set", "pieces", (("6", 32800, 2100),)),
    ("Wireless earbuds", "colour", (("white", 29900, 180), ("black", 29900, 180))),
    ("Sichuan pepper", "weight", (("100 g", 2600, 120),)),
    ("Down jacket", "size", (("M", 59900, 900), ("L", 59900, 950), ("XL", 62900, 1000))),
    ("Hiking backpack", "volume", (("30 l", 25900, 1100), ("45 l", 32900, 1400))),
    ("LED desk lamp", "colour", (("grey", 13900, 1300),)),
    ("Mechanical keyboard", "switches", (("red", 44900, 1200), ("brown", 44900, 1200))),
    ("Yixing clay teapot", "volume", (("200 ml", 38800, 400),)),
    ("Paper-cut lantern", "colour", (("red", 3900, 200), ("gold", 4200, 200))),
)


@dataclass(frozen=True)
class ListedSku:
    """A SKU on sale: its product, its shop and its price."""

    shop_index: int
    product_id: str
    sku_id: str
    title: str
    price_fen: int


@dataclass(frozen=True)
class Seller:
    """A signed-in seller, their shop and what it sells."""

    who: SignedIn
    shop_id: str
    tier: str
    skus: tuple[ListedSku, ...]


@dataclass(frozen=True)
class ShopPlan:
    """What one seller opens and lists."""

    name: str
    tier: str
    goods: tuple[int, ...]


def catalogue_for(seed: int, sellers: int, products_per_shop: int) -> list[ShopPlan]:
    """Which seller opens which shop and lists which goods, decided by the seed alone. Every
    other shop is a flagship store; the rest are standard booths."""
    rng = random.Random(f"catalogue:{seed}")
    plans = []
    for index in range(sellers):
        goods = tuple(rng.sample(range(len(_GOODS)), k=min(products_per_shop, len(_GOODS))))
        tier = "flagship" if index % 2 else "standard"
        name = f"Demo {'Flagship Store' if tier == 'flagship' else 'Booth'} {index + 1}"
        plans.append(ShopPlan(name, tier, goods))
    return plans


_TIERS = {
    "standard": catalog_pb2.SHOP_TIER_STANDARD_BOOTH,
    "flagship": catalog_pb2.SHOP_TIER_FLAGSHIP,
}


def open_shops(
    identity: Identity,
    catalog_channel: grpc.Channel,
    plans: Sequence[ShopPlan],
    *,
    stock: int,
    run_key: str,
) -> list[Seller]:
    """Each seller registers, signs in, opens their shop and lists their goods."""
    catalog = catalog_service_pb2_grpc.CatalogServiceStub(catalog_channel)  # type: ignore[no-untyped-call]
    sellers = []
    for index, plan in enumerate(plans):
        seller = identity.register(
            f"seller{index + 1}@sellers.mercato.example", accounts_pb2.ROLE_SELLER
        )
        shop = catalog.OpenShop(
            catalog_service_pb2.OpenShopRequest(
                idempotency_key=f"{run_key}-shop-{index}",
                name=plan.name,
                description="A shop of the Mercato demo.",
                tier=_TIERS[plan.tier],
            ),
            metadata=seller.metadata,
            timeout=TIMEOUT,
        ).shop
        listed: list[ListedSku] = []
        for goods in plan.goods:
            title, attribute, variants = _GOODS[goods]
            product = catalog.ListProduct(
                catalog_service_pb2.ListProductRequest(
                    idempotency_key=f"{run_key}-product-{index}-{goods}",
                    shop_id=shop.shop_id,
                    title=title,
                    description=f"{title}, sold by {plan.name}.",
                    skus=[
                        catalog_service_pb2.SkuSpec(
                            code=f"G{goods:02d}-V{number}",
                            attributes=[catalog_pb2.Attribute(name=attribute, value=value)],
                            price=money_pb2.Money(currency=CURRENCY, minor_units=price),
                            stock=stock,
                            weight_grams=weight,
                        )
                        for number, (value, price, weight) in enumerate(variants)
                    ],
                ),
                metadata=seller.metadata,
                timeout=TIMEOUT,
            ).product
            listed.extend(
                ListedSku(
                    index,
                    product.product_id,
                    sku.sku_id,
                    f"{title} ({sku.attributes[0].value})",
                    sku.price.minor_units,
                )
                for sku in product.skus
            )
        sellers.append(Seller(seller, shop.shop_id, plan.tier, tuple(listed)))
    return sellers
