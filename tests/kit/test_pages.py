"""Opaque position tokens: round trip, kinds apart, a forged token named by its field."""

from __future__ import annotations

import pytest

from mercato_kit.errors import InvalidArgument
from mercato_kit.pages import position_token, token_position


def test_a_token_names_its_position_and_an_empty_one_the_first_page() -> None:
    assert token_position(position_token("after", 42), "after", field="page_token") == 42
    assert token_position("", "after", field="page_token") is None


@pytest.mark.parametrize("token", ["not base64!", position_token("before", 7), "YWZ0ZXI6LTE"])
def test_a_token_of_another_kind_or_made_up_is_refused_naming_the_field(token: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        token_position(token, "after", field="cursor")
    assert refused.value.field == "cursor"
