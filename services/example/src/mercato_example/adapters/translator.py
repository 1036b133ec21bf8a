"""The one module that imports both the domain and the generated protobuf code.

Events <-> payloads (the kit's EventTranslator, for the event store and the consumer), requests
-> commands, and the domain's values -> response messages.
"""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import Message

from mercato.example.v1 import wishlist_pb2 as pb
from mercato_example.domain import AddItem, CreateWishlist, Wishlist, WishlistSummary
from mercato_kit.domain import DomainEvent
from mercato_kit.events import EventEnvelope

# --- events <-> payloads -------------------------------------------------------------------


def _created(envelope: EventEnvelope) -> DomainEvent:
    created = envelope.unpack(pb.WishlistCreated)
    return Wishlist.Created(owner_id=created.owner_id, name=created.name)


def _item_added(envelope: EventEnvelope) -> DomainEvent:
    added = envelope.unpack(pb.ItemAdded)
    return Wishlist.ItemAdded(sku=added.sku, quantity=added.quantity)


_EVENTS: dict[str, Callable[[EventEnvelope], DomainEvent]] = {
    pb.WishlistCreated.DESCRIPTOR.full_name: _created,
    pb.ItemAdded.DESCRIPTOR.full_name: _item_added,
}


class WishlistTranslator:
    """Wishlist events <-> mercato.example.v1 payloads (satisfies the kit's EventTranslator)."""

    def to_payload(self, event: DomainEvent) -> Message:
        match event:
            case Wishlist.Created(owner_id=owner_id, name=name):
                return pb.WishlistCreated(owner_id=owner_id, name=name)
            case Wishlist.ItemAdded(sku=sku, quantity=quantity):
                return pb.ItemAdded(sku=sku, quantity=quantity)
        raise TypeError(f"no payload for {type(event).__name__}")

    def from_envelope(self, envelope: EventEnvelope) -> DomainEvent:
        """The stored event (the event store holds only types this service wrote)."""
        event = self.decode(envelope)
        if event is None:
            raise TypeError(f"unknown wishlist event {envelope.event_type}")
        return event

    def decode(self, envelope: EventEnvelope) -> DomainEvent | None:
        """A consumed event; None for a type this service does not know (a newer producer's)."""
        decode = _EVENTS.get(envelope.event_type)
        return None if decode is None else decode(envelope)


# --- requests -> commands ------------------------------------------------------------------


def create_wishlist_command(request: pb.CreateWishlistRequest) -> CreateWishlist:
    return CreateWishlist(owner_id=request.owner_id, name=request.name)


def add_item_command(request: pb.AddItemRequest) -> AddItem:
    return AddItem(wishlist_id=request.wishlist_id, sku=request.sku, quantity=request.quantity)


# --- domain -> responses -------------------------------------------------------------------


def created_response(wishlist: Wishlist) -> pb.CreateWishlistResponse:
    return pb.CreateWishlistResponse(wishlist_id=wishlist.id, version=wishlist.version)


def item_added_response(wishlist: Wishlist) -> pb.AddItemResponse:
    return pb.AddItemResponse(version=wishlist.version)


def wishlist_message(wishlist: Wishlist) -> pb.Wishlist:
    return pb.Wishlist(
        wishlist_id=wishlist.id,
        owner_id=wishlist.owner_id,
        name=wishlist.name,
        items=[pb.Item(sku=sku, quantity=qty) for sku, qty in sorted(wishlist.items.items())],
        version=wishlist.version,
    )


def summary_message(summary: WishlistSummary) -> pb.WishlistSummary:
    return pb.WishlistSummary(
        wishlist_id=summary.wishlist_id, name=summary.name, item_count=summary.item_count
    )
