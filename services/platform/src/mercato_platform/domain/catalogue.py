"""The event types a partner may receive: whose they are, the scope that entitles an app to them,
and which of their fields carry a buyer's address.

Entitlement (protos/mercato/platform/v1/platform.proto):
  orders, payments, shipments of a seller's shop -> apps the seller granted orders:read,
    payments:read or logistics:read respectively;
  a shipment handed to a carrier                  -> that carrier app (logistics:tracking);
  a publisher's clicks and conversions            -> that publisher app (marketing:ads).
The saga's own steps, fees, payouts and budgets are nobody's partner events.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mercato_kit.errors import InvalidArgument, quoted


class Audience(enum.Enum):
    """Who, besides nobody, may see an event kind."""

    SELLER = "seller"
    """Apps the event's seller granted `seller_scope`."""
    SELLER_AND_CARRIER = "seller_and_carrier"
    """As SELLER, and the carrier app handling the parcel (with logistics:tracking)."""
    PUBLISHER = "publisher"
    """The publisher app whose click or conversion it is (with marketing:ads)."""


CARRIER_SCOPE = "logistics:tracking"
PUBLISHER_SCOPE = "marketing:ads"


@dataclass(frozen=True)
class EventKind:
    """One partner-visible event type."""

    type: str
    audience: Audience
    seller_scope: str | None
    description: str
    address_fields: tuple[str, ...] = ()
    """Top-level fields of the event's data (protobuf JSON names) holding a buyer's address."""
    remembers_owners: bool = False
    """The aggregate's later events may lack an owner: remember this one's owners for them."""

    @property
    def scope(self) -> str:
        """The scope that entitles an app (the seller's grant, or the app's own)."""
        if self.audience is Audience.PUBLISHER:
            return PUBLISHER_SCOPE
        return self.seller_scope or ""


def _orders(name: str, description: str, address_fields: tuple[str, ...] = ()) -> EventKind:
    return EventKind(
        f"mercato.orders.v1.{name}",
        Audience.SELLER,
        "orders:read",
        f"{description} (a seller's order; apps the seller granted orders:read)",
        address_fields=address_fields,
    )


def _payments(name: str, description: str) -> EventKind:
    return EventKind(
        f"mercato.payments.v1.{name}",
        Audience.SELLER,
        "payments:read",
        f"{description} (a seller's sale; apps the seller granted payments:read)",
        remembers_owners=True,
    )


def _shipments(name: str, description: str, address_fields: tuple[str, ...] = ()) -> EventKind:
    return EventKind(
        f"mercato.logistics.v1.{name}",
        Audience.SELLER_AND_CARRIER,
        "logistics:read",
        f"{description} (apps the seller granted logistics:read, and the carrier handling it)",
        address_fields=address_fields,
        remembers_owners=True,
    )


def _marketing(name: str, description: str) -> EventKind:
    return EventKind(
        f"mercato.marketing.v1.{name}",
        Audience.PUBLISHER,
        None,
        f"{description} (the publisher app's own, with marketing:ads)",
        remembers_owners=True,
    )


EVENT_KINDS: tuple[EventKind, ...] = (
    _orders("OrderPlaced", "a buyer placed an order", address_fields=("shippingAddress",)),
    _orders("OrderConfirmed", "the order's stock was reserved"),
    _orders("OrderPaid", "the buyer's payment is in escrow"),
    _orders("OrderShipped", "the carrier dispatched the parcel"),
    _orders("OrderDelivered", "the parcel was delivered"),
    _orders("OrderCompleted", "the escrow was released to the seller"),
    _orders("OrderCancelled", "the order was cancelled"),
    _orders("OrderRefunded", "the buyer was refunded"),
    _payments("PaymentCaptured", "the buyer's money is in escrow"),
    _payments("PaymentDeclined", "a capture attempt was declined"),
    _payments("PaymentVoided", "the payment was voided before any capture"),
    _payments("RefundIssued", "money went back from escrow to the buyer"),
    _payments("EscrowReleased", "the escrow went to the seller, less commission"),
    _shipments(
        "ShipmentCreated", "a parcel was handed to a carrier", address_fields=("destination",)
    ),
    _shipments("ShipmentDispatched", "the carrier picked the parcel up"),
    _shipments("ShipmentInTransit", "the carrier scanned the parcel on its way"),
    _shipments("ShipmentDelivered", "the parcel was delivered"),
    _shipments("ShipmentLost", "the carrier lost the parcel"),
    _shipments("ShipmentCancelled", "the shipment was cancelled before pick-up"),
    _marketing("AdClicked", "an accepted click on the publisher's site"),
    _marketing("ClickRejected", "a click that was refused"),
    _marketing("ClickInvalidated", "an accepted click found invalid later"),
    _marketing("ConversionAttributed", "an order attributed to the publisher's click"),
    _marketing("CommissionCharged", "the publisher's commission was charged"),
    _marketing("ConversionLapsed", "the attributed order was cancelled"),
    _marketing("ConversionReversed", "the attributed order was refunded"),
)
"""Every partner-visible event type, in catalogue order."""

_BY_TYPE = {kind.type: kind for kind in EVENT_KINDS}
PARTNER_TYPES: frozenset[str] = frozenset(_BY_TYPE)


def kind_of(event_type: str) -> EventKind | None:
    """The catalogue entry of a partner-visible event type; None for any other type."""
    return _BY_TYPE.get(event_type)


def source_of(event_type: str) -> str:
    """The CloudEvent `source` of an event type: "/mercato/<service>"."""
    parts = event_type.split(".")
    service = parts[1] if len(parts) > 2 and parts[0] == "mercato" else "unknown"
    return f"/mercato/{service}"


def require_partner_types(types: list[str] | tuple[str, ...], field: str = "types") -> list[str]:
    """The types, each a partner-visible one, without repeats (in the order given); otherwise
    InvalidArgument naming the first that is not (`types[2]`)."""
    seen: list[str] = []
    for index, name in enumerate(types):
        if name not in _BY_TYPE:
            raise InvalidArgument(
                f"{field}[{index}]",
                f"{quoted(name)} is not an event type partners may receive (ListEventTypes)",
            )
        if name not in seen:
            seen.append(name)
    return seen
