"""The gRPC servicer: translate requests, run handlers in a unit of work, translate responses."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from mercato.example.v1 import wishlist_pb2 as pb
from mercato.example.v1 import wishlist_pb2_grpc
from mercato_example.adapters.projection import summaries_of
from mercato_example.adapters.translator import WishlistTranslator, to_message
from mercato_example.application import add_item, create_wishlist, get_wishlist
from mercato_example.domain import AddItem, CreateWishlist
from mercato_kit.auth import public
from mercato_kit.idempotency import run_once
from mercato_kit.store import SqlUnitOfWork

_CONFLICT_RETRIES = 3


class WishlistService(wishlist_pb2_grpc.WishlistServiceServicer):
    """Requests arrive validated (the kit's edge); domain errors leave as status codes.

    The template has no accounts, so its RPCs are `@public`; a real service declares what each
    needs with `@requires("<scope>")` and checks ownership with `require_caller()`.
    """

    def __init__(self, unit_of_work: Callable[[], SqlUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work
        self._translator = WishlistTranslator()

    @public
    async def CreateWishlist(
        self, request: pb.CreateWishlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateWishlistResponse:
        command = CreateWishlist(owner_id=request.owner_id, name=request.name)

        async def create(uow: SqlUnitOfWork) -> pb.CreateWishlistResponse:
            wishlist = await create_wishlist(uow, self._translator, command)
            return pb.CreateWishlistResponse(wishlist_id=wishlist.id, version=wishlist.version)

        return await run_once(
            self._unit_of_work,
            "example.CreateWishlist",
            request,
            pb.CreateWishlistResponse,
            create,
            conflict_retries=_CONFLICT_RETRIES,
        )

    @public
    async def AddItem(
        self, request: pb.AddItemRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddItemResponse:
        command = AddItem(request.wishlist_id, request.sku, request.quantity)

        async def add(uow: SqlUnitOfWork) -> pb.AddItemResponse:
            wishlist = await add_item(uow, self._translator, command)
            return pb.AddItemResponse(version=wishlist.version)

        return await run_once(
            self._unit_of_work,
            "example.AddItem",
            request,
            pb.AddItemResponse,
            add,
            conflict_retries=_CONFLICT_RETRIES,
        )

    @public
    async def GetWishlist(
        self, request: pb.GetWishlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWishlistResponse:
        async with self._unit_of_work() as uow:
            wishlist = await get_wishlist(uow, self._translator, request.wishlist_id)
        return pb.GetWishlistResponse(wishlist=to_message(wishlist))

    @public
    async def ListWishlists(
        self, request: pb.ListWishlistsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWishlistsResponse:
        async with self._unit_of_work() as uow:
            summaries = await summaries_of(uow.session, request.owner_id)
        return pb.ListWishlistsResponse(wishlists=summaries)
