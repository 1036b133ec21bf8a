"""The app store's listings: create and version (a vendor app), review (an operator), read and
search."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from mercato_kit.errors import NotFound
from mercato_kit.ids import new_id
from mercato_platform.domain.app_store import (
    CreateListing,
    Listing,
    ListingQuery,
    ReviewListing,
    checked_listing,
    checked_review,
)


class Listings(Protocol):
    async def get(self, listing_id: str) -> Listing | None: ...

    async def save(self, listing: Listing) -> None: ...

    async def of_vendor(self, vendor_app_id: str) -> list[Listing]: ...

    async def approved(self, query: ListingQuery) -> list[Listing]: ...


class AppStoreWork(Protocol):
    @property
    def listings(self) -> Listings: ...


async def create_listing(
    command: CreateListing,
    uow: AppStoreWork,
    *,
    vendor_app_id: str,
    grantable: Iterable[str],
    now: datetime,
) -> Listing:
    """A new listing, pending review; InvalidArgument (nothing stored) for bad input."""
    checked = checked_listing(command, grantable)
    listing = Listing.create(new_id(), vendor_app_id, checked, now)
    await uow.listings.save(listing)
    return listing


async def review_listing(command: ReviewListing, uow: AppStoreWork, *, now: datetime) -> Listing:
    checked = checked_review(command)
    listing = await uow.listings.get(checked.listing_id)
    if listing is None:
        raise NotFound(f"no listing {checked.listing_id!r}")
    listing.review(checked, now)
    await uow.listings.save(listing)
    return listing


async def publish_listing_version(
    listing_id: str,
    command: CreateListing,
    uow: AppStoreWork,
    *,
    vendor_app_id: str,
    grantable: Iterable[str],
    now: datetime,
) -> Listing:
    """A new version of the vendor's own listing, back to review; NotFound for another's."""
    checked = checked_listing(command, grantable)
    listing = await uow.listings.get(listing_id)
    if listing is None or listing.vendor_app_id != vendor_app_id:
        raise NotFound(f"no listing {listing_id!r}")
    listing.publish_version(checked, now)
    await uow.listings.save(listing)
    return listing


async def listing_for(listing_id: str, uow: AppStoreWork, *, app_id: str | None) -> Listing:
    """An approved listing, or the caller's own in any status; NotFound otherwise (another
    vendor's drafts are not even acknowledged)."""
    listing = await uow.listings.get(listing_id)
    if listing is None or not listing.visible_to(app_id):
        raise NotFound(f"no listing {listing_id!r}")
    return listing


async def vendor_listings(uow: AppStoreWork, *, vendor_app_id: str) -> list[Listing]:
    return await uow.listings.of_vendor(vendor_app_id)


async def search_listings(query: ListingQuery, uow: AppStoreWork) -> list[Listing]:
    found = [listing for listing in await uow.listings.approved(query) if listing.matches(query)]
    return found[: query.limit]
