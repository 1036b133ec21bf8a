"""The demo's app store act (issue 15): two vendors list apps, an operator approves them, sellers
subscribe; the platform charges them through payments and grants the apps through identity,
with its own service app (payments:app_store, grants:manage).

- The order desk (the partner act's vendor app) is bought yearly by the partner act's seller:
  the subscription's grant is what lets the app follow that seller's orders over its stream.
- The label printer (a second vendor's app): one seller starts a 1-day trial with a card that
  is declined: the first charge after the trial fails, is retried each billing day of the grace
  period and the subscription is suspended (its grant revoked); another seller buys a year and
  cancels it at once (a pro-rata refund, the split reversed).
- Afterwards the vendors are paid their shares (payments' RunVendorPayoutBatch), and the report
  shows each vendor's subscribers, revenue and churn as the platform tells it, the payouts, and
  the ledger's app-store revenue.

Billing days are `DAY_SECONDS` long (PLATFORM_APP_STORE_DAY_SECONDS): a trial day and the grace
days pass during the orders scenario; a year (730 s) outlasts the demo, so nothing renews
while the ledger is audited and replayed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from rich.console import Console
from rich.table import Table

from mercato.common.v1 import money_pb2
from mercato.payments.v1 import payments_pb2, payments_pb2_grpc
from mercato.platform.v1 import app_store_pb2 as pb
from mercato.platform.v1 import app_store_pb2_grpc
from mercato_cli.demo.launcher import DemoError
from mercato_cli.demo.scenario import yuan
from mercato_cli.demo.seed import App, Identity, Seller, SignedIn

__all__ = [
    "APP_STORE_SCOPES",
    "DAY_SECONDS",
    "AppStoreAct",
    "app_store_settings",
]

APP_STORE_SCOPES = ("payments:app_store", "grants:manage")
"""The platform's own service app: it charges sellers and grants apps for them."""
DAY_SECONDS = 2.0
APPROVED, DECLINED = "4242424242424242", "4000000000000002"
_TIMEOUT = 30.0
_SUSPENDED = pb.APP_SUBSCRIPTION_STATUS_SUSPENDED


def app_store_settings(app: App, payments_address: str) -> dict[str, str]:
    """The platform's app-store settings for the demo: its service app, payments, short days."""
    return {
        "PLATFORM_APP_ID": app.app_id,
        "PLATFORM_APP_SECRET": app.secret,
        "PLATFORM_APP_STORE_PAYMENTS_ADDR": payments_address,
        "PLATFORM_APP_STORE_DAY_SECONDS": str(DAY_SECONDS),
        "PLATFORM_APP_STORE_GRACE_DAYS": "3",
        "PLATFORM_APP_STORE_RENEWAL_INTERVAL": "0.5",
    }


def _cny(yuan_fen: int) -> money_pb2.Money:
    return money_pb2.Money(minor_units=yuan_fen, currency="CNY")


@dataclass
class _Vendor:
    name: str
    app: App
    listing: pb.AppListing | None = None


@dataclass
class AppStoreAct:
    """The act against the running platform and payments (see the module's docstring)."""

    platform: grpc.Channel
    payments: grpc.Channel
    identity: Identity
    operator: SignedIn
    console: Console
    run_key: str
    vendors: list[_Vendor] = field(default_factory=list)
    subscriptions: dict[str, tuple[Seller, pb.AppSubscription]] = field(default_factory=dict)
    payouts: dict[str, int] = field(default_factory=dict)
    """Vendor app id -> what the payout batch paid it."""

    def __post_init__(self) -> None:
        self._store = app_store_pb2_grpc.AppStoreServiceStub(self.platform)  # type: ignore[no-untyped-call]
        self._payments = payments_pb2_grpc.PaymentServiceStub(self.payments)  # type: ignore[no-untyped-call]

    def _key(self, name: str) -> str:
        return f"{self.run_key}-store-{name}"

    def open(self, order_desk: App, label_printer: App, sellers: list[Seller], first: int) -> str:
        """Both vendors list their apps, the operator approves, the sellers subscribe; the
        grant id of the order desk's subscription (seller `first`)."""
        began = time.monotonic()
        desk = self._list(
            "order desk",
            self.identity.with_token(order_desk),
            [
                pb.AppPlan(plan_id="monthly", period=pb.BILLING_PERIOD_MONTHLY, price=_cny(2990)),
                pb.AppPlan(plan_id="yearly", period=pb.BILLING_PERIOD_YEARLY, price=_cny(29900)),
            ],
        )
        printer = self._list(
            "label printer",
            self.identity.with_token(label_printer),
            [
                pb.AppPlan(
                    plan_id="trial",
                    period=pb.BILLING_PERIOD_MONTHLY,
                    price=_cny(1990),
                    trial_days=1,
                ),
                pb.AppPlan(plan_id="yearly", period=pb.BILLING_PERIOD_YEARLY, price=_cny(19900)),
            ],
        )
        n = len(sellers)
        buyer, failing, leaving = sellers[first], sellers[(first + 1) % n], sellers[(first + 2) % n]
        bought = self._subscribe("desk", buyer, desk, "yearly", APPROVED)
        self._subscribe("trial", failing, printer, "trial", DECLINED)
        self._subscribe("leaving", leaving, printer, "yearly", APPROVED)
        if bought.status != pb.APP_SUBSCRIPTION_STATUS_ACTIVE or not bought.grant_id:
            raise DemoError(f"the order desk's subscription did not start: {bought}")
        self.console.print(
            "✓ app store: two vendors listed apps, the operator approved them; "
            f"{buyer.who.email} bought the order desk for a year (granted "
            f"{', '.join(bought.granted_scopes)}), {failing.who.email} started a label-printer "
            f"trial with a card that will be declined, {leaving.who.email} bought the label "
            f"printer for a year ({time.monotonic() - began:.1f} s)"
        )
        return bought.grant_id

    def _list(self, name: str, vendor: App, plans: list[pb.AppPlan]) -> pb.AppListing:
        for plan in plans:
            plan.scopes.append("orders:read")
        created = self._store.CreateListing(
            pb.CreateListingRequest(
                idempotency_key=self._key(f"list-{name}"),
                name=name.title(),
                description=f"The demo's {name}.",
                category="operations",
                scopes=["orders:read"],
                plans=plans,
            ),
            metadata=vendor.metadata,
            timeout=_TIMEOUT,
        ).listing
        approved: pb.AppListing = self._store.ReviewListing(
            pb.ReviewListingRequest(
                idempotency_key=self._key(f"review-{name}"),
                listing_id=created.listing_id,
                approve=True,
            ),
            metadata=self.operator.metadata,
            timeout=_TIMEOUT,
        ).listing
        self.vendors.append(_Vendor(name, vendor, approved))
        return approved

    def _subscribe(
        self, name: str, seller: Seller, listing: pb.AppListing, plan: str, card: str
    ) -> pb.AppSubscription:
        answer: pb.AppSubscription = self._store.SubscribeToApp(
            pb.SubscribeToAppRequest(
                idempotency_key=self._key(f"subscribe-{name}"),
                listing_id=listing.listing_id,
                plan_id=plan,
                instrument=card,
            ),
            metadata=seller.who.metadata,
            timeout=_TIMEOUT,
        ).subscription
        self.subscriptions[name] = (seller, answer)
        return answer

    def _current(self, name: str) -> pb.AppSubscription:
        seller, subscription = self.subscriptions[name]
        found = self._store.ListSellerSubscriptions(
            pb.ListSellerSubscriptionsRequest(), metadata=seller.who.metadata, timeout=_TIMEOUT
        ).subscriptions
        current: pb.AppSubscription = next(
            s for s in found if s.subscription_id == subscription.subscription_id
        )
        return current

    def settle(self, timeout: float = 60.0) -> list[str]:
        """After the orders: the trial's renewal has failed past its grace period (suspended),
        the yearly label-printer subscription is cancelled at once, and the vendors are paid
        out; the ledger accounts that must then be settled (each vendor's payable)."""
        _wait(lambda: self._current("trial").status == _SUSPENDED, timeout, "a suspension")
        seller, leaving = self.subscriptions["leaving"]
        self._store.CancelSubscription(
            pb.CancelSubscriptionRequest(
                idempotency_key=self._key("cancel"),
                subscription_id=leaving.subscription_id,
                at_once=True,
            ),
            metadata=seller.who.metadata,
            timeout=_TIMEOUT,
        )
        _wait(lambda: not self._current("leaving").grant_id, timeout, "the cancel's revoke")
        batch = self._payments.RunVendorPayoutBatch(
            payments_pb2.RunVendorPayoutBatchRequest(
                idempotency_key=self._key("payout"),
                batch_id=str(uuid.uuid4()),
                currency="CNY",
                max_payouts=1000,
            ),
            metadata=self.operator.metadata,
            timeout=_TIMEOUT,
        ).batch
        self.payouts = {p.vendor_id: p.amount.minor_units for p in batch.payouts}
        self.console.print(
            f"✓ vendor payout batch: {len(batch.payouts)} vendors paid "
            f"{yuan(batch.total.minor_units)} CNY"
        )
        return [f"liability:vendor_payable:{vendor_id}" for vendor_id in self.payouts]

    def report(self, app_store_revenue: int | None) -> dict[str, Any]:
        """Each vendor's view (subscribers, revenue, churn) and payout, and the ledger's
        app-store revenue (None: no ledger; each vendor's payable was settled to zero by the
        payout, which the ledger stage checks); summary.json's `app_store`, with `ok`."""
        table = Table(title="App store: what each vendor sees (GetVendorRevenue)")
        for column in ("vendor", "subscribers", "gross", "platform", "vendor share", "refunded"):
            table.add_column(column, justify="left" if column == "vendor" else "right")
        table.add_column("churn (cancelled/suspended)")
        table.add_column("paid out", justify="right")
        found: dict[str, Any] = {"vendors": {}}
        platform_share = 0
        for vendor in self.vendors:
            assert vendor.listing is not None
            view = self._store.GetVendorRevenue(
                pb.GetVendorRevenueRequest(listing_id=vendor.listing.listing_id),
                metadata=vendor.app.metadata,
                timeout=_TIMEOUT,
            )
            money = {r.currency: r for r in view.revenue}.get("CNY") or pb.VendorRevenue(
                currency="CNY"
            )
            cancelled = sum(c.cancelled for c in view.churn)
            suspended = sum(c.suspended for c in view.churn)
            paid = self.payouts.get(vendor.app.app_id, 0)
            platform_share += money.platform_share.minor_units - (
                money.refunded.minor_units - money.vendor_refunded.minor_units
            )
            table.add_row(
                vendor.name,
                str(view.active_subscribers),
                yuan(money.gross.minor_units),
                yuan(money.platform_share.minor_units),
                yuan(money.vendor_share.minor_units),
                yuan(money.refunded.minor_units),
                f"{cancelled}/{suspended}",
                yuan(paid),
            )
            found["vendors"][vendor.name] = {
                "vendor_app": vendor.app.app_id,
                "active_subscribers": view.active_subscribers,
                "gross": money.gross.minor_units,
                "platform_share": money.platform_share.minor_units,
                "vendor_share": money.vendor_share.minor_units,
                "refunded": money.refunded.minor_units,
                "vendor_refunded": money.vendor_refunded.minor_units,
                "cancelled": cancelled,
                "suspended": suspended,
                "paid_out": paid,
            }
        self.console.print(table)
        checks = {
            "trial_suspended": self._current("trial").status == _SUSPENDED,
            "suspended_grant_revoked": not self._current("trial").grant_id,
            "cancelled_refunded": found["vendors"]["label printer"]["refunded"] > 0,
            "vendors_paid_their_share": all(
                v["paid_out"] == v["vendor_share"] - v["vendor_refunded"]
                for v in found["vendors"].values()
            ),
            # the ledger holds every app-store charge on this broker (other runs' too)
            "ledger_app_store_revenue_covers_this_run": app_store_revenue is None
            or app_store_revenue >= platform_share,
        }
        found |= {
            "platform_share": platform_share,
            "ledger_app_store_share": app_store_revenue,
            "checks": checks,
            "ok": all(checks.values()),
        }
        line = (
            f"app-store revenue {yuan(platform_share)} CNY (the platform's shares less refunds)"
            + (
                ""
                if app_store_revenue is None
                else f"; the ledger (every event on this broker): {yuan(app_store_revenue)}"
            )
        )
        if found["ok"]:
            self.console.print(f"✓ {line}")
        else:
            failed = ", ".join(name for name, held in checks.items() if not held)
            self.console.print(f"[red]✗ app store checks failed: {failed}[/] ({line})")
        return found


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise DemoError(f"the app store: no {what} within {timeout:.0f} s")
        time.sleep(0.3)
