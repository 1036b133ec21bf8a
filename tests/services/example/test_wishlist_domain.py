"""The Wishlist aggregate, with no infrastructure at all."""

from __future__ import annotations

import pytest

from mercato_example.domain import Wishlist
from mercato_kit.errors import FailedPrecondition


def test_a_new_wishlist_records_its_creation() -> None:
    wishlist = Wishlist.create("w-1", owner_id="o-1", name="Tea")

    assert wishlist.pending_events() == [Wishlist.Created(owner_id="o-1", name="Tea")]
    assert (wishlist.version, wishlist.saved_version) == (1, 0)


def test_adding_the_same_sku_twice_sums_the_quantities() -> None:
    wishlist = Wishlist.create("w-1", owner_id="o-1", name="Tea")

    wishlist.add_item("TEA-1", 2)
    wishlist.add_item("TEA-1", 3)

    assert wishlist.items == {"TEA-1": 5}


def test_a_wishlist_refuses_a_51st_sku() -> None:
    wishlist = Wishlist.create("w-1", owner_id="o-1", name="Tea")
    for i in range(Wishlist.MAX_SKUS):
        wishlist.add_item(f"SKU-{i}", 1)

    with pytest.raises(FailedPrecondition):
        wishlist.add_item("ONE-MORE", 1)
    assert len(wishlist.items) == Wishlist.MAX_SKUS


def test_rehydrating_from_history_gives_the_same_state() -> None:
    original = Wishlist.create("w-1", owner_id="o-1", name="Tea")
    original.add_item("TEA-1", 2)

    rebuilt = Wishlist.rehydrate("w-1", original.pending_events())

    assert (rebuilt.owner_id, rebuilt.name, rebuilt.items) == ("o-1", "Tea", {"TEA-1": 2})
    assert (rebuilt.version, rebuilt.pending_events()) == (2, [])
