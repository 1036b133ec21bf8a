"""AppStoreService (gRPC in). Vendor apps (kind vendor_app, their own token) create, version and
read their listings and see their subscribers and revenue, operators review listings, anyone
searches the approved ones, sellers (their own account token) subscribe, cancel, change the
instrument and consent to new scopes. A call that changes a subscription makes the calls to
payments and identity it needs at once and answers the state after them."""

from __future__ import annotations

import asyncio
import logging
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
    create_listing,
    listing_for,
    publish_listing_version,
    review_listing,
    search_listings,
    vendor_listings,
)
from mercato_platform.application.app_subscriptions import (
    cancel_subscription,
    consent_to_scopes,
    seller_subscriptions,
    subscribe_to_app,
    update_instrument,
    vendor_revenue,
    vendor_subscribers,
)
from mercato_platform.domain.app_subscriptions import SubscriptionStatus, Terms
from mercato_platform.entrypoints.app_store_renewals import AppStoreBilling
from mercato_platform.entrypoints.grpc_api._edge import Edge, now

logger = logging.getLogger(__name__)

_SETTLE_S = 15.0

VENDOR = "vendor_app"
SELLER = "seller"


class AppStoreService(app_store_pb2_grpc.AppStoreServiceServicer):
    def __init__(
        self,
        edge: Edge,
        unit_of_work: Callable[..., AppStoreUnitOfWork],
        terms: Terms,
        billing: AppStoreBilling,
    ) -> None:
        self._edge = edge
        self._unit_of_work = unit_of_work
        self._terms = terms
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

    @requires(roles=(VENDOR,))
    async def PublishListingVersion(
        self, request: pb.PublishListingVersionRequest, context: Any
    ) -> pb.PublishListingVersionResponse:
        vendor = self._vendor()
        command = tr.publish_version_command(request)

        async def decide(uow: AppStoreUnitOfWork) -> pb.PublishListingVersionResponse:
            listing = await publish_listing_version(
                request.listing_id,
                command,
                uow,
                vendor_app_id=vendor.subject,
                grantable=seller_grantable_scopes(),
                now=now(),
            )
            return pb.PublishListingVersionResponse(listing=tr.listing_message(listing))

        return await run_once(
            self._unit_of_work,
            "platform.PublishListingVersion",
            request,
            pb.PublishListingVersionResponse,
            decide,
        )

    # --- subscriptions ----------------------------------------------------------------------

    async def _settled(self, subscription_id: str) -> pb.AppSubscription:
        """The subscription once the calls it needs now were made (the billing worker makes
        what could not be made here), as its seller sees it."""
        try:
            await asyncio.wait_for(self._billing.advance(subscription_id), _SETTLE_S)
        except TimeoutError:
            logger.warning("app store: calls not finished in time", extra={"id": subscription_id})
        async with self._unit_of_work(read_only=True) as uow:
            subscription = await uow.app_subscriptions.get(subscription_id)
            assert subscription is not None
            listing = await uow.listings.get(subscription.listing_id)
        return tr.app_subscription_message(subscription, listing)

    @requires(roles=(SELLER,))
    async def SubscribeToApp(
        self, request: pb.SubscribeToAppRequest, context: Any
    ) -> pb.SubscribeToAppResponse:
        seller = self._seller()
        command = tr.subscribe_to_app_command(request)
        hashed = pb.SubscribeToAppRequest()
        hashed.CopyFrom(request)
        hashed.ClearField("instrument")  # never stored with the key

        async def decide(uow: AppStoreUnitOfWork) -> pb.SubscribeToAppResponse:
            subscription = await subscribe_to_app(
                command, uow, seller_id=seller.subject, terms=self._terms, now=now()
            )
            return pb.SubscribeToAppResponse(subscription=tr.app_subscription_message(subscription))

        saved = await run_once(
            self._unit_of_work, "platform.SubscribeToApp", hashed, pb.SubscribeToAppResponse, decide
        )
        settled = await self._settled(saved.subscription.subscription_id)
        return pb.SubscribeToAppResponse(subscription=settled)

    @requires(roles=(SELLER,))
    async def CancelSubscription(
        self, request: pb.CancelSubscriptionRequest, context: Any
    ) -> pb.CancelSubscriptionResponse:
        seller = self._seller()
        command = tr.cancel_subscription_command(request)

        async def decide(uow: AppStoreUnitOfWork) -> pb.CancelSubscriptionResponse:
            subscription = await cancel_subscription(
                command, uow, seller_id=seller.subject, terms=self._terms, now=now()
            )
            return pb.CancelSubscriptionResponse(
                subscription=tr.app_subscription_message(subscription)
            )

        await run_once(
            self._unit_of_work,
            "platform.CancelSubscription",
            request,
            pb.CancelSubscriptionResponse,
            decide,
        )
        settled = await self._settled(command.subscription_id)
        return pb.CancelSubscriptionResponse(subscription=settled)

    @requires(roles=(SELLER,))
    async def UpdatePaymentInstrument(
        self, request: pb.UpdatePaymentInstrumentRequest, context: Any
    ) -> pb.UpdatePaymentInstrumentResponse:
        seller = self._seller()
        command = tr.update_instrument_command(request)
        hashed = pb.UpdatePaymentInstrumentRequest()
        hashed.CopyFrom(request)
        hashed.ClearField("instrument")

        async def decide(uow: AppStoreUnitOfWork) -> pb.UpdatePaymentInstrumentResponse:
            subscription = await update_instrument(
                command, uow, seller_id=seller.subject, now=now()
            )
            return pb.UpdatePaymentInstrumentResponse(
                subscription=tr.app_subscription_message(subscription)
            )

        await run_once(
            self._unit_of_work,
            "platform.UpdatePaymentInstrument",
            hashed,
            pb.UpdatePaymentInstrumentResponse,
            decide,
        )
        settled = await self._settled(command.subscription_id)
        return pb.UpdatePaymentInstrumentResponse(subscription=settled)

    @requires(roles=(SELLER,))
    async def ConsentToScopes(
        self, request: pb.ConsentToScopesRequest, context: Any
    ) -> pb.ConsentToScopesResponse:
        seller = self._seller()
        command = tr.consent_command(request)

        async def decide(uow: AppStoreUnitOfWork) -> pb.ConsentToScopesResponse:
            subscription = await consent_to_scopes(command, uow, seller_id=seller.subject)
            return pb.ConsentToScopesResponse(
                subscription=tr.app_subscription_message(subscription)
            )

        await run_once(
            self._unit_of_work,
            "platform.ConsentToScopes",
            request,
            pb.ConsentToScopesResponse,
            decide,
        )
        settled = await self._settled(command.subscription_id)
        return pb.ConsentToScopesResponse(subscription=settled)

    @requires(roles=(SELLER,))
    async def ListSellerSubscriptions(
        self, request: pb.ListSellerSubscriptionsRequest, context: Any
    ) -> pb.ListSellerSubscriptionsResponse:
        seller = self._seller()
        async with self._unit_of_work(read_only=True) as uow:
            found = await seller_subscriptions(uow, seller_id=seller.subject)
            messages = [
                tr.app_subscription_message(x, await uow.listings.get(x.listing_id)) for x in found
            ]
        return pb.ListSellerSubscriptionsResponse(subscriptions=messages)

    @requires(roles=(VENDOR,))
    async def ListAppSubscribers(
        self, request: pb.ListAppSubscribersRequest, context: Any
    ) -> pb.ListAppSubscribersResponse:
        vendor = self._vendor()
        async with self._unit_of_work(read_only=True) as uow:
            found = await vendor_subscribers(
                uow, listing_id=request.listing_id, vendor_app_id=vendor.subject
            )
            listing = await uow.listings.get(request.listing_id)
        messages = [tr.app_subscription_message(x, listing) for x in found]
        for message in messages:
            message.ClearField("instrument_last4")  # the seller's, not the vendor's to see
        return pb.ListAppSubscribersResponse(subscriptions=messages)

    @requires(roles=(VENDOR,))
    async def GetVendorRevenue(
        self, request: pb.GetVendorRevenueRequest, context: Any
    ) -> pb.GetVendorRevenueResponse:
        vendor = self._vendor()
        async with self._unit_of_work(read_only=True) as uow:
            revenue, churn = await vendor_revenue(
                uow, listing_id=request.listing_id, vendor_app_id=vendor.subject
            )
            subscribers = await uow.app_subscriptions.of_listing(request.listing_id)
        active = sum(1 for x in subscribers if x.status is not SubscriptionStatus.ENDED)
        return tr.vendor_revenue_response(revenue, churn, active)
