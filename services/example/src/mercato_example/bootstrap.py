"""The composition root: the example service's adapters wired into the kit's runtime."""

from __future__ import annotations

from pathlib import Path

from mercato.example.v1 import wishlist_pb2, wishlist_pb2_grpc
from mercato_example.adapters.unit_of_work import WishlistUnitOfWork
from mercato_example.entrypoints.consumer import project_wishlist_event
from mercato_example.entrypoints.grpc_api import WishlistService
from mercato_example.settings import ExampleSettings
from mercato_kit.events import topic_for
from mercato_kit.runtime import ServiceContext

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"


def bootstrap(context: ServiceContext[ExampleSettings]) -> None:
    context.add_servicer(
        wishlist_pb2_grpc.add_WishlistServiceServicer_to_server,
        WishlistService(context.units_of_work(WishlistUnitOfWork)),
        wishlist_pb2.DESCRIPTOR.services_by_name["WishlistService"],
    )
    context.add_consumer(
        "wishlist-summaries", [topic_for("example.wishlist")], project_wishlist_event
    )
