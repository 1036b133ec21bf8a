"""What identity's servicers share: the collaborators bootstrap hands them, the clock, and the
caller's network address."""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc

from mercato_identity.adapters.unit_of_work import SqlUnitOfWorkFactory
from mercato_identity.application.passwords import Passwords
from mercato_identity.application.ports import SigningKeys
from mercato_identity.application.tokens import Tokens
from mercato_identity.domain import ThrottlePolicy

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Dependencies:
    unit_of_work: SqlUnitOfWorkFactory
    passwords: Passwords
    tokens: Tokens
    throttle: ThrottlePolicy
    ring: SigningKeys
    trusted_proxies: Sequence[Network] = ()


def now() -> datetime:
    return datetime.now(UTC)


def source_address(context: grpc.aio.ServicerContext, trusted: Sequence[Network]) -> str:
    """The caller's address: the gRPC peer's, or — when the peer is a trusted edge (a load
    balancer, the platform's HTTP face) — the last address in `x-forwarded-for` that is not one
    of the trusted edges (the one the outermost of them saw). An untrusted peer's header is
    ignored: anyone could write one."""
    peer = _peer_ip(context.peer() or "")
    if peer is None or not _trusted(peer, trusted):
        return peer or "unknown"
    forwarded = dict(context.invocation_metadata() or ()).get("x-forwarded-for", "")
    hops = [hop.strip() for hop in str(forwarded).split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            address = str(ipaddress.ip_address(hop))
        except ValueError:
            return peer  # a mangled header: count the edge itself
        if not _trusted(address, trusted):
            return address
    return peer


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in trusted)


def _peer_ip(peer: str) -> str | None:
    """`ipv4:127.0.0.1:5000` or `ipv6:[::1]:5000` -> the address; None for others (unix)."""
    kind, _, rest = urllib.parse.unquote(peer).partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]")
    return None
