"""The platform's domain without I/O: entitlement, partner projections, cursors, signatures
(checked by the standardwebhooks library), the address check, retries, rate limits, the tail."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from mercato_kit.errors import InvalidArgument
from mercato_platform.application.streams import FeedTail
from mercato_platform.domain import (
    AppView,
    Basis,
    DeliveryState,
    FeedEntry,
    MessageStatus,
    Owners,
    RetrySchedule,
    TokenBuckets,
    address_is_public,
    basis_for,
    check_endpoint_url,
    decode_cursor,
    encode_cursor,
    kind_of,
    new_endpoint_secret,
    partner_data,
    sign,
)

PLACED = "mercato.orders.v1.OrderPlaced"
CREATED = "mercato.logistics.v1.ShipmentCreated"
CLICKED = "mercato.marketing.v1.AdClicked"


def test_a_sellers_grant_entitles_to_the_kinds_its_scopes_cover() -> None:
    view = AppView("app", frozenset({"events:subscribe"}), {"s1": frozenset({"orders:read"})})

    assert basis_for(view, PLACED, Owners(seller_id="s1")) is Basis.SELLER_GRANT
    assert basis_for(view, PLACED, Owners(seller_id="s2")) is None
    assert basis_for(view, CREATED, Owners(seller_id="s1", carrier_id="c")) is None
    assert basis_for(view, "mercato.orders.v1.OrderPaymentDeclined", Owners("s1")) is None


def test_a_carrier_sees_its_own_parcels_and_a_publisher_its_own_clicks() -> None:
    carrier = AppView("c", frozenset({"events:subscribe", "logistics:tracking"}))
    publisher = AppView("p", frozenset({"events:subscribe", "marketing:ads"}))

    assert basis_for(carrier, CREATED, Owners("s1", carrier_id="c")) is Basis.CARRIER
    assert basis_for(carrier, CREATED, Owners("s1", carrier_id="other")) is None
    assert basis_for(AppView("c"), CREATED, Owners("s1", carrier_id="c")) is None
    assert basis_for(publisher, CLICKED, Owners(publisher_id="p")) is Basis.PUBLISHER
    assert basis_for(publisher, CLICKED, Owners(publisher_id="q")) is None
    assert not Basis.PUBLISHER.shows_address
    assert Basis.CARRIER.shows_address
    assert Basis.SELLER_GRANT.shows_address


def test_partner_data_never_shows_tokens_and_shows_the_address_only_when_allowed() -> None:
    kind = kind_of(PLACED)
    assert kind is not None
    data = {
        "sellerId": "s1",
        "attributionToken": "t",
        "shippingAddress": {"city": "Hangzhou"},
        "lines": [{"fingerprint": "f", "sku": "x"}],
    }

    full = partner_data(data, kind, with_address=True)
    redacted = partner_data(data, kind, with_address=False)

    assert full == {
        "sellerId": "s1",
        "shippingAddress": {"city": "Hangzhou"},
        "lines": [{"sku": "x"}],
    }
    assert redacted == {"sellerId": "s1", "lines": [{"sku": "x"}]}
    assert data["attributionToken"] == "t"


def test_cursors_round_trip_and_anything_else_names_the_field() -> None:
    assert decode_cursor(encode_cursor(12345)) == 12345
    for bad in ("", "garbage", encode_cursor(1)[:-2] + "!!"):
        with pytest.raises(InvalidArgument) as refused:
            decode_cursor(bad)
        assert refused.value.field == "cursor"


def test_signatures_verify_with_the_standard_webhooks_library_during_a_rotation() -> None:
    old, new = new_endpoint_secret(), new_endpoint_secret()
    body = b'{"id": "e1"}'
    now = datetime.now(UTC)
    headers = {
        "webhook-id": "e1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sign([new, old], "e1", int(now.timestamp()), body),
    }

    assert len(headers["webhook-signature"].split()) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
    assert Webhook(new).sign(
        "e1", datetime.fromtimestamp(int(now.timestamp()), UTC), body.decode()
    ) == sign([new], "e1", int(now.timestamp()), body)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("172.16.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("not an address", False),
    ],
)
def test_only_public_addresses_pass(address: str, public: bool) -> None:
    assert address_is_public(address) is public


def test_endpoint_urls_are_https_without_credentials() -> None:
    assert (
        check_endpoint_url("https://hooks.example.com/x", allow_private=False)
        == "hooks.example.com"
    )
    assert check_endpoint_url("http://127.0.0.1:8080/x", allow_private=True) == "127.0.0.1"
    for bad in (
        "http://hooks.example.com/x",
        "https://user:pw@example.com/",
        "ftp://x",
        "https:///x",
    ):
        with pytest.raises(InvalidArgument) as refused:
            check_endpoint_url(bad, allow_private=False)
        assert refused.value.field == "url"


def test_a_message_is_retried_on_the_schedule_then_failed_and_a_redelivery_starts_over() -> None:
    schedule = RetrySchedule((5, 300), jitter=0.1)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rng = random.Random(1)
    state = DeliveryState.new(now)

    state = state.after_attempt(
        delivered=False, status_code=500, now=now, schedule=schedule, rng=rng
    )
    assert state.status is MessageStatus.PENDING
    assert timedelta(seconds=4.5) <= state.next_attempt_at - now <= timedelta(seconds=5.5)
    state = state.after_attempt(delivered=False, status_code=0, now=now, schedule=schedule, rng=rng)
    assert timedelta(seconds=270) <= state.next_attempt_at - now <= timedelta(seconds=330)
    state = state.after_attempt(
        delivered=False, status_code=503, now=now, schedule=schedule, rng=rng
    )
    assert state.status is MessageStatus.FAILED
    assert (state.attempts, state.round_attempts, state.last_status_code) == (3, 3, 503)

    again = state.redelivered(now)
    delivered = again.after_attempt(delivered=True, status_code=204, now=now, schedule=schedule)
    assert delivered.status is MessageStatus.DELIVERED
    assert (delivered.attempts, delivered.round_attempts) == (4, 1)


def test_the_default_schedule_spans_about_a_day() -> None:
    schedule = RetrySchedule()
    assert schedule.attempts == 8
    assert 27 * 3600 < sum(schedule.delays) < 29 * 3600


def test_a_token_bucket_allows_a_burst_then_says_how_long_to_wait() -> None:
    buckets = TokenBuckets(rate=10, burst=3)
    assert [buckets.take("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", 0.0) == pytest.approx(0.1)
    assert buckets.take("b", 0.0) == 0.0
    assert buckets.take("a", 0.1) == 0.0


def _entry(position: int) -> FeedEntry:
    return FeedEntry(position, f"e{position}", PLACED, "o", datetime.now(UTC), Owners("s"), "{}")


async def test_the_tail_serves_readers_at_or_after_its_base_and_wakes_them() -> None:
    tail = FeedTail(capacity=3)
    tail.reset(10)
    changed = tail.changed()
    tail.extend([_entry(11), _entry(13)], through=14)

    assert changed.is_set()
    assert tail.after(9, 10) is None
    entries, through = tail.after(10, 10) or ([], 0)
    assert [e.position for e in entries] == [11, 13]
    assert through == 14
    tail.extend([_entry(15), _entry(16)], through=16)
    assert tail.base == 11
    assert tail.after(10, 10) is None
    entries, through = tail.after(13, 1) or ([], 0)
    assert [e.position for e in entries] == [15]
    assert through == 15
    await asyncio.sleep(0)
