"""The one module that imports both the domain and the generated protobuf code."""

from __future__ import annotations

from google.protobuf.message import Message

from mercato.example.v1 import wishlist_pb2 as pb
from mercato_example.domain import Wishlist
from mercato_kit.domain import DomainEvent
from mercato_kit.events import EventEnvelope


class WishlistTranslator:
    """Wishlist events <-> mercato.example.v1 payloads (satisfies kit's EventTranslator)."""

    def to_payload(self, event: DomainEvent) -> Message:
        match event:
            case Wishlist.Created(owner_id=owner_id, name=name):
                return pb.WishlistCreated(owner_id=owner_id, name=name)
            case Wishlist.ItemAdded(sku=sku, quantity=quantity):
                return pb.ItemAdded(sku=sku, quantity=quantity)
        raise TypeError(f"no payload for {type(event).__name__}")

    def from_envelope(self, envelope: EventEnvelope) -> DomainEvent:
        if envelope.event_type == pb.WishlistCreated.DESCRIPTOR.full_name:
            created = envelope.unpack(pb.WishlistCreated)
            return Wishlist.Created(owner_id=created.owner_id, name=created.name)
        if envelope.event_type == pb.ItemAdded.DESCRIPTOR.full_name:
            added = envelope.unpack(pb.ItemAdded)
            return Wishlist.ItemAdded(sku=added.sku, quantity=added.quantity)
        raise TypeError(f"unknown wishlist event {envelope.event_type}")


def to_message(wishlist: Wishlist) -> pb.Wishlist:
    return pb.Wishlist(
        wishlist_id=wishlist.id,
        owner_id=wishlist.owner_id,
        name=wishlist.name,
        items=[pb.Item(sku=sku, quantity=qty) for sku, qty in sorted(wishlist.items.items())],
        version=wishlist.version,
    )
