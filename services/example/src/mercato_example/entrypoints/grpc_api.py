"""gRPC in: request -> translator -> command -> handler (a mutation in `run_once`, a query in a
read-only unit of work) -> translator -> response."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from mercato.example.v1 import wishlist_pb2 as pb
from mercato.example.v1 import wishlist_pb2_grpc
from mercato_example.adapters import translator as tr
from mercato_example.adapters.unit_of_work import WishlistUnitOfWork
from mercato_example.application import add_item, create_wishlist, get_wishlist, list_wishlists
from mercato_kit.auth import public
from mercato_kit.idempotency import run_once


class WishlistService(wishlist_pb2_grpc.WishlistServiceServicer):
    """Requests arrive validated (the kit's edge); domain errors leave as status codes.

    The template has no accounts, so its RPCs are `@public`; a real service declares what each
    needs with `@requires("<scope>")` and checks ownership with `require_caller()`.
    `unit_of_work` makes the service's unit of work (bootstrap passes
    `context.units_of_work(WishlistUnitOfWork)`); queries ask for `read_only=True`.
    """

    def __init__(self, unit_of_work: Callable[..., WishlistUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    @public
    async def CreateWishlist(
        self, request: pb.CreateWishlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateWishlistResponse:
        command = tr.create_wishlist_command(request)

        async def decide(uow: WishlistUnitOfWork) -> pb.CreateWishlistResponse:
            return tr.created_response(await create_wishlist(command, uow))

        return await run_once(
            self._unit_of_work,
            "example.CreateWishlist",
            request,
            pb.CreateWishlistResponse,
            decide,
        )

    @public
    async def AddItem(
        self, request: pb.AddItemRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddItemResponse:
        command = tr.add_item_command(request)

        async def decide(uow: WishlistUnitOfWork) -> pb.AddItemResponse:
            return tr.item_added_response(await add_item(command, uow))

        return await run_once(
            self._unit_of_work, "example.AddItem", request, pb.AddItemResponse, decide
        )

    @public
    async def GetWishlist(
        self, request: pb.GetWishlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWishlistResponse:
        async with self._unit_of_work(read_only=True) as uow:
            wishlist = await get_wishlist(request.wishlist_id, uow)
        return pb.GetWishlistResponse(wishlist=tr.wishlist_message(wishlist))

    @public
    async def ListWishlists(
        self, request: pb.ListWishlistsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWishlistsResponse:
        async with self._unit_of_work(read_only=True) as uow:
            summaries = await list_wishlists(request.owner_id, uow)
        return pb.ListWishlistsResponse(wishlists=[tr.summary_message(s) for s in summaries])
