"""AppStoreService (gRPC in): listings. Vendor apps (kind vendor_app, their own token) create
and read their listings, operators review them, anyone searches the approved ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mercato.platform.v1 import app_store_pb2 as pb
from mercato.platform.v1 import app_store_pb2_grpc
from mercato_kit.auth import Caller, public, requires, seller_grantable_scopes
from mercato_kit.errors import PermissionDenied
from mercato_kit.idempotency import run_once
from mercato_platform.adapters import translator as tr
from mercato_platform.adapters.app_store import AppStoreUnitOfWork
from mercato_platform.application.app_store import (
    Billing,
    cancel_subscription,
    create_listing,
    listing_for,
    review_listing,
    search_listings,
    seller_subscriptions,
    subscribe_to_app,
    vendor_listings,
)
from mercato_platform.entrypoints.grpc_api._edge import Edge, now

VENDOR = "vendor_app"
SELLER = "seller"


class AppStoreService(app_store_pb2_grpc.AppStoreServiceServicer):
    def __init__(
        self, edge: Edge, unit_of_work: Callable[..., AppStoreUnitOfWork], billing: Billing
    ) -> None:
        self._edge = edge
        self._unit_of_work = unit_of_work
        self._billing = billing

    def _seller(self) -> Caller:
        caller = self._edge.admitted()
        if caller is None or caller.kind != "account" or SELLER not in caller.roles:
            raise PermissionDenied("this call is for a seller with its own token")
        return caller

    def _vendor(self) -> Caller:
        caller = self._edge.partner_app()
        if VENDOR not in caller.roles:
            raise PermissionDenied("this call is for a vendor app (kind vendor_app)")
        return caller

    @requires(roles=(VENDOR,))
    async def CreateListing(
        self, request: pb.CreateListingRequest, context: Any
    ) -> pb.CreateListingResponse:
        vendor = self._vendor()
        command = tr.create_listing_command(request)

        async def decide(uow: AppStoreUnitOfWork) -> pb.CreateListingResponse:
            listing = await create_listing(
                command,
                uow,
                vendor_app_id=vendor.subject,
                grantable=seller_grantable_scopes(),
                now=now(),
            )
            return pb.CreateListingResponse(listing=tr.listing_message(listing))

        return await run_once(
            self._unit_of_work, "platform.CreateListing", request, pb.CreateListingResponse, decide
        )

    @requires(roles=("operator",))
    async def ReviewListing(
        self, request: pb.ReviewListingRequest, context: Any
    ) -> pb.ReviewListingResponse:
        self._edge.admitted()
        command = tr.review_listing_command(request)

        async def decide(uow: AppStoreUnitOfWork) -> pb.ReviewListingResponse:
            listing = await review_listing(command, uow, now=now())
            return pb.ReviewListingResponse(listing=tr.listing_message(listing))

        return await run_once(
            self._unit_of_work, "platform.ReviewListing", request, pb.ReviewListingResponse, decide
        )

    @public
    async def GetListing(
        self, request: pb.GetListingRequest, context: Any
    ) -> pb.GetListingResponse:
        caller = self._edge.admitted()
        app_id = caller.subject if caller is not None and caller.kind == "app" else None
        if caller is not None and caller.on_behalf_of:
            app_id = None
        async with self._unit_of_work(read_only=True) as uow:
            listing = await listing_for(request.listing_id, uow, app_id=app_id)
        return pb.GetListingResponse(listing=tr.listing_message(listing))

    @requires(roles=(VENDOR,))
    async def ListVendorListings(
        self, request: pb.ListVendorListingsRequest, context: Any
    ) -> pb.ListVendorListingsResponse:
        vendor = self._vendor()
        async with self._unit_of_work(read_only=True) as uow:
            listings = await vendor_listings(uow, vendor_app_id=vendor.subject)
        return pb.ListVendorListingsResponse(listings=[tr.listing_message(x) for x in listings])

    @public
    async def SearchListings(
        self, request: pb.SearchListingsRequest, context: Any
    ) -> pb.SearchListingsResponse:
        self._edge.admitted()
        query = tr.listing_query(request)
        async with self._unit_of_work(read_only=True) as uow:
            listings = await search_listings(query, uow)
        return pb.SearchListingsResponse(listings=[tr.listing_message(x) for x in listings])

    @requires(roles=(SELLER,))
    async def SubscribeToApp(
        self, request: pb.SubscribeToAppRequest, context: Any
    ) -> pb.SubscribeToAppResponse:
        seller = self._seller()
        command = tr.subscribe_to_app_command(request)

        async def decide(uow: AppStoreUnitOfWork) -> pb.SubscribeToAppResponse:
            subscription = await subscribe_to_app(
                command, uow, seller_id=seller.subject, billing=self._billing, now=now()
            )
            return pb.SubscribeToAppResponse(subscription=tr.app_subscription_message(subscription))

        return await run_once(
            self._unit_of_work,
            "platform.SubscribeToApp",
            request,
            pb.SubscribeToAppResponse,
            decide,
        )

    @requires(roles=(SELLER,))
    async def CancelSubscription(
        self, request: pb.CancelSubscriptionRequest, context: Any
    ) -> pb.CancelSubscriptionResponse:
        seller = self._seller()
        command = tr.cancel_subscription_command(request)

        async def decide(uow: AppStoreUnitOfWork) -> pb.CancelSubscriptionResponse:
            subscription = await cancel_subscription(
                command, uow, seller_id=seller.subject, billing=self._billing, now=now()
            )
            return pb.CancelSubscriptionResponse(
                subscription=tr.app_subscription_message(subscription)
            )

        return await run_once(
            self._unit_of_work,
            "platform.CancelSubscription",
            request,
            pb.CancelSubscriptionResponse,
            decide,
        )

    @requires(roles=(SELLER,))
    async def ListSellerSubscriptions(
        self, request: pb.ListSellerSubscriptionsRequest, context: Any
    ) -> pb.ListSellerSubscriptionsResponse:
        seller = self._seller()
        async with self._unit_of_work(read_only=True) as uow:
            found = await seller_subscriptions(uow, seller_id=seller.subject)
        return pb.ListSellerSubscriptionsResponse(
            subscriptions=[tr.app_subscription_message(x) for x in found]
        )
