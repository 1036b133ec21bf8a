"""Checking requested scopes against what a grantor, app or consent may hold."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mercato_kit.errors import InvalidArgument

_SCOPE = re.compile(r"[a-z]+:[a-z_]+")
_MAX_SCOPE_LENGTH = 64


def check_scopes(
    field: str,
    requested: Iterable[str],
    allowed: frozenset[str],
    known: frozenset[str],
    refusal: str,
) -> tuple[str, ...]:
    """The scopes, sorted and without repeats; InvalidArgument naming the first bad one.

    `known` is the catalogue, `allowed` the part of it this request may have; `refusal` says
    why an allowed-but-not-here scope is refused ("is not one a seller may grant").
    """
    for index, scope in enumerate(requested):
        path = f"{field}[{index}]"
        if len(scope) > _MAX_SCOPE_LENGTH or not _SCOPE.fullmatch(scope):
            raise InvalidArgument(path, "must be a scope name like orders:read")
        if scope not in known:
            raise InvalidArgument(path, f"{scope} is not a Mercato scope")
        if scope not in allowed:
            raise InvalidArgument(path, f"{scope} {refusal}")
    return tuple(sorted(set(requested)))


def narrowed(held: Iterable[str], requested: Iterable[str]) -> frozenset[str]:
    """What a token may carry: the held scopes that were asked for (all of them if none were)."""
    wanted = frozenset(requested)
    return frozenset(held) & wanted if wanted else frozenset(held)
