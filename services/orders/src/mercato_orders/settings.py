"""The orders service's settings: the kit's ServiceSettings under the ORDERS_ prefix.

- `ORDERS_CATALOG_ADDR`, `ORDERS_PAYMENTS_ADDR`, `ORDERS_LOGISTICS_ADDR`: where the saga calls
  the other services (host:port, or several instances: "a:1,b:2", "dns:///catalog:50052"; the
  kit's channel balances round robin over them).
- How long each saga step may wait before the order gives up on it, in seconds (> 0):
  `ORDERS_RESERVE_TIMEOUT_S` (5 min), `ORDERS_CAPTURE_TIMEOUT_S` (10 min),
  `ORDERS_DISPATCH_TIMEOUT_S` (3 days), `ORDERS_DELIVERY_TIMEOUT_S` (30 days); and
  `ORDERS_AUTO_CONFIRM_S` (7 days): after delivery, receipt is confirmed for the buyer.
- `ORDERS_SWEEP_INTERVAL_S` (5 s): how often the sweep gives up overdue steps and sends again
  the commands left unanswered; `ORDERS_RESEND_AFTER_S` (15 s, more than a call's 10 s
  timeout): how long a command goes unanswered before the sweep sends it again. The sweep reads
  only the orders due by then (each order's summary row keeps when it is next due).
- `ORDERS_MAX_IN_FLIGHT` (0: no limit): PlaceOrder answers RESOURCE_EXHAUSTED (retry after 1 s,
  same idempotency key; nothing placed) while this many orders are in flight, i.e. still need
  catalog, payments or logistics to answer. The count is of the database, so with several
  instances it is the fabric's figure, not one instance's (docs/operations.md).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mercato_kit.grpc import PeerAddress
from mercato_kit.runtime import ServiceSettings
from mercato_orders.domain import Timeouts

_DAY = 24 * 3600


class OrdersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_")

    grpc_addr: str = "127.0.0.1:50053"
    catalog_addr: PeerAddress = Field("127.0.0.1:50052", min_length=3)
    payments_addr: PeerAddress = Field("127.0.0.1:50054", min_length=3)
    logistics_addr: PeerAddress = Field("127.0.0.1:50055", min_length=3)
    reserve_timeout_s: float = Field(300, gt=0)
    capture_timeout_s: float = Field(600, gt=0)
    dispatch_timeout_s: float = Field(3 * _DAY, gt=0)
    delivery_timeout_s: float = Field(30 * _DAY, gt=0)
    auto_confirm_s: float = Field(7 * _DAY, gt=0)
    sweep_interval_s: float = Field(5, gt=0, le=3600)
    resend_after_s: float = Field(15, gt=0, le=3600)
    max_in_flight: int = Field(0, ge=0)

    def timeouts(self) -> Timeouts:
        return Timeouts(
            reserve_stock=timedelta(seconds=self.reserve_timeout_s),
            capture_payment=timedelta(seconds=self.capture_timeout_s),
            dispatch=timedelta(seconds=self.dispatch_timeout_s),
            delivery=timedelta(seconds=self.delivery_timeout_s),
            auto_confirm=timedelta(seconds=self.auto_confirm_s),
            resend=timedelta(seconds=self.resend_after_s),
        )
