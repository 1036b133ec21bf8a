"""The app store's listings, end to end on the platform process: a vendor app lists, an
operator reviews, anyone searches; bad input names the field and stores nothing; a vendor
never sees another vendor's drafts."""

from __future__ import annotations

import uuid

import grpc
import pytest

from mercato.common.v1 import money_pb2
from mercato.platform.v1 import app_store_pb2 as pb
from mercato.platform.v1 import app_store_pb2_grpc
from mercato_kit.testing import LocalIssuer
from tests.services.platform._support import (
    TIMEOUT,
    Partner,
    PlatformProcess,
    key,
    new_partner,
    operator_metadata,
)


@pytest.fixture(scope="module")
def store(platform: PlatformProcess) -> app_store_pb2_grpc.AppStoreServiceStub:
    return app_store_pb2_grpc.AppStoreServiceStub(platform.channel)


def cny(minor_units: int, currency: str = "CNY") -> money_pb2.Money:
    return money_pb2.Money(minor_units=minor_units, currency=currency)


def monthly(price: money_pb2.Money, *scopes: str, plan_id: str = "pro") -> pb.AppPlan:
    return pb.AppPlan(
        plan_id=plan_id,
        period=pb.BILLING_PERIOD_MONTHLY,
        price=price,
        trial_days=14,
        scopes=list(scopes or ("orders:read",)),
    )


def free(*scopes: str) -> pb.AppPlan:
    return pb.AppPlan(
        plan_id="free", period=pb.BILLING_PERIOD_FREE, scopes=list(scopes or ("orders:read",))
    )


def listing_request(**overrides: object) -> pb.CreateListingRequest:
    fields: dict[str, object] = {
        "idempotency_key": key(),
        "name": "Order Helper",
        "description": "Prints packing slips for every order.",
        "category": f"cat-{uuid.uuid4().hex[:8]}",
        "scopes": ["orders:read", "logistics:read"],
        "plans": [free(), monthly(cny(999), "orders:read", "logistics:read")],
    }
    fields.update(overrides)
    return pb.CreateListingRequest(**fields)  # type: ignore[arg-type]


def create(store: app_store_pb2_grpc.AppStoreServiceStub, vendor: Partner, **overrides: object):
    return store.CreateListing(
        listing_request(**overrides), metadata=vendor.metadata, timeout=TIMEOUT
    ).listing


def review(
    store: app_store_pb2_grpc.AppStoreServiceStub,
    issuer: LocalIssuer,
    listing_id: str,
    *,
    approve: bool = True,
    reason: str = "",
) -> pb.AppListing:
    return store.ReviewListing(
        pb.ReviewListingRequest(
            idempotency_key=key(), listing_id=listing_id, approve=approve, reason=reason
        ),
        metadata=operator_metadata(issuer),
        timeout=TIMEOUT,
    ).listing


def search(store: app_store_pb2_grpc.AppStoreServiceStub, **fields: object) -> list[pb.AppListing]:
    request = pb.SearchListingsRequest(**fields)  # type: ignore[arg-type]
    return list(store.SearchListings(request, timeout=TIMEOUT).listings)


def test_list_review_then_public_search(
    store: app_store_pb2_grpc.AppStoreServiceStub, issuer: LocalIssuer
) -> None:
    vendor = new_partner(issuer)
    category = f"cat-{uuid.uuid4().hex[:8]}"
    listing = create(store, vendor, category=category)
    assert listing.status == pb.LISTING_STATUS_PENDING_REVIEW
    assert listing.vendor_app_id == vendor.app_id
    assert [p.plan_id for p in listing.plans] == ["free", "pro"]
    assert listing.plans[1].price == cny(999)
    assert not listing.plans[0].HasField("price")
    assert search(store, category=category) == []  # not public before review

    rejected = create(store, vendor, category=category, name="Spammy")
    assert review(
        store, issuer, rejected.listing_id, approve=False, reason="misleading"
    ).status == (pb.LISTING_STATUS_REJECTED)
    approved = review(store, issuer, listing.listing_id)
    assert approved.status == pb.LISTING_STATUS_APPROVED
    assert approved.HasField("reviewed_at")

    found = search(store, category=category)
    assert [x.listing_id for x in found] == [listing.listing_id]
    assert found[0].install_count == 0
    assert [x.listing_id for x in search(store, category=category, scope="logistics:read")] == [
        listing.listing_id
    ]
    assert search(store, category=category, scope="catalog:write") == []
    # a free plan matches any maximum price in the currency; a paid-only listing does not
    paid = create(store, vendor, category=category, plans=[monthly(cny(5000))])
    review(store, issuer, paid.listing_id)
    cheap = {x.listing_id for x in search(store, category=category, max_price=cny(1000))}
    assert cheap == {listing.listing_id}
    everything = {x.listing_id for x in search(store, category=category, max_price=cny(5000))}
    assert everything == {listing.listing_id, paid.listing_id}
    # an anonymous reader gets an approved listing, not a rejected one
    assert store.GetListing(
        pb.GetListingRequest(listing_id=listing.listing_id), timeout=TIMEOUT
    ).listing.name == ("Order Helper")
    with pytest.raises(grpc.RpcError) as raised:
        store.GetListing(pb.GetListingRequest(listing_id=rejected.listing_id), timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    # a listing is reviewed once
    with pytest.raises(grpc.RpcError) as raised:
        review(store, issuer, listing.listing_id, approve=False, reason="changed my mind")
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_create_is_idempotent_by_key(
    store: app_store_pb2_grpc.AppStoreServiceStub, issuer: LocalIssuer
) -> None:
    vendor = new_partner(issuer)
    request = listing_request()
    first = store.CreateListing(request, metadata=vendor.metadata, timeout=TIMEOUT)
    again = store.CreateListing(request, metadata=vendor.metadata, timeout=TIMEOUT)
    assert first.listing.listing_id == again.listing.listing_id
    mine = store.ListVendorListings(
        pb.ListVendorListingsRequest(), metadata=vendor.metadata, timeout=TIMEOUT
    ).listings
    assert [x.listing_id for x in mine] == [first.listing.listing_id]


BAD_LISTINGS = [
    ({"plans": [monthly(cny(-1))]}, "plans[0].price.minor_units"),
    ({"plans": [monthly(cny(0))]}, "plans[0].price.minor_units"),
    ({"plans": [monthly(cny(100, "XYZ"))]}, "plans[0].price.currency"),
    (
        {
            "plans": [
                pb.AppPlan(plan_id="p", period=pb.BILLING_PERIOD_MONTHLY, scopes=["orders:read"])
            ]
        },
        "plans[0].price",
    ),
    ({"plans": [pb.AppPlan(plan_id="p", period=pb.BILLING_PERIOD_FREE)]}, "plans[0].scopes"),
    ({"plans": [free("catalog:write")]}, "plans[0].scopes[0]"),
    ({"plans": [free(), free()]}, "plans[1].plan_id"),
    ({"plans": []}, "plans"),
    ({"scopes": ["orders:read", "catalog:reserve"]}, "scopes[1]"),
    ({"scopes": ["no:such"]}, "scopes[0]"),
    ({"description": "x" * 2001}, "description"),
    ({"name": ""}, "name"),
    ({"plans": [pb.AppPlan(plan_id="p", scopes=["orders:read"])]}, "plans[0].period"),
    ({"plans": [monthly(cny(100)), free()], "category": ""}, "category"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_LISTINGS)
def test_bad_listing_names_the_field_and_stores_nothing(
    store: app_store_pb2_grpc.AppStoreServiceStub,
    issuer: LocalIssuer,
    overrides: dict[str, object],
    field: str,
) -> None:
    vendor = new_partner(issuer)
    with pytest.raises(grpc.RpcError) as raised:
        create(store, vendor, **overrides)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details().startswith(f"{field}:"), raised.value.details()
    mine = store.ListVendorListings(
        pb.ListVendorListingsRequest(), metadata=vendor.metadata, timeout=TIMEOUT
    ).listings
    assert list(mine) == []


def test_bad_review_and_search_name_the_field(
    store: app_store_pb2_grpc.AppStoreServiceStub, issuer: LocalIssuer
) -> None:
    vendor = new_partner(issuer)
    listing = create(store, vendor)
    with pytest.raises(grpc.RpcError) as raised:
        review(store, issuer, listing.listing_id, approve=False, reason="")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details().startswith("reason:")
    with pytest.raises(grpc.RpcError) as raised:
        review(store, issuer, "")
    assert raised.value.details().startswith("listing_id:")
    with pytest.raises(grpc.RpcError) as raised:
        search(store, max_price=cny(100, "XYZ"))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details().startswith("max_price.currency:")
    with pytest.raises(grpc.RpcError) as raised:
        search(store, limit=101)
    assert raised.value.details().startswith("limit:")
    with pytest.raises(grpc.RpcError) as raised:
        review(store, issuer, str(uuid.uuid4()))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    mine = store.GetListing(
        pb.GetListingRequest(listing_id=listing.listing_id),
        metadata=vendor.metadata,
        timeout=TIMEOUT,
    ).listing
    assert mine.status == pb.LISTING_STATUS_PENDING_REVIEW  # the failed review changed nothing


def test_vendor_isolation_and_who_may_call(
    store: app_store_pb2_grpc.AppStoreServiceStub, issuer: LocalIssuer
) -> None:
    a, b = new_partner(issuer), new_partner(issuer)
    draft = create(store, a)
    # b cannot see a's draft, nor list it
    with pytest.raises(grpc.RpcError) as raised:
        store.GetListing(
            pb.GetListingRequest(listing_id=draft.listing_id), metadata=b.metadata, timeout=TIMEOUT
        )
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert (
        list(
            store.ListVendorListings(
                pb.ListVendorListingsRequest(), metadata=b.metadata, timeout=TIMEOUT
            ).listings
        )
        == []
    )
    own = store.GetListing(
        pb.GetListingRequest(listing_id=draft.listing_id), metadata=a.metadata, timeout=TIMEOUT
    ).listing
    assert own.listing_id == draft.listing_id
    # other kinds of app, a seller and a vendor may not create or review
    carrier = new_partner(issuer, "carrier", "logistics:tracking")
    seller = issuer.metadata(subject=str(uuid.uuid4()), roles=["seller"])
    for metadata in (carrier.metadata, seller):
        with pytest.raises(grpc.RpcError) as raised:
            store.CreateListing(listing_request(), metadata=metadata, timeout=TIMEOUT)
        assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as raised:
        store.ReviewListing(
            pb.ReviewListingRequest(
                idempotency_key=key(), listing_id=draft.listing_id, approve=True
            ),
            metadata=a.metadata,
            timeout=TIMEOUT,
        )
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as raised:
        store.CreateListing(listing_request(), timeout=TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
