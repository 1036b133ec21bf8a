"""Calls to other services: catalog's products, asked when a campaign is launched.

Catalog's GetProduct is public, so marketing needs no token of its own for it. A product
catalog does not know (NOT_FOUND) or no longer sells is None; catalog not answering is
Unavailable (the caller may retry the launch with the same idempotency key).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc

from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato.catalog.v1 import catalog_service_pb2_grpc
from mercato_kit.errors import Unavailable
from mercato_marketing.adapters.translator import promoted_product
from mercato_marketing.domain import PromotedProduct

_CALL_TIMEOUT_S = 5.0
_UNKNOWN = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT})


class CatalogProducts:
    """The ProductLookup port over catalog's gRPC API (on MARKETING_CATALOG_ADDR's channel)."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        stub: Any = catalog_service_pb2_grpc.CatalogServiceStub  # generated, untyped
        self._stub = stub(channel)

    async def product(self, product_id: str) -> PromotedProduct | None:
        try:
            answer = await self._stub.GetProduct(
                catalog_api.GetProductRequest(product_id=product_id), timeout=_CALL_TIMEOUT_S
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in _UNKNOWN:
                return None
            raise Unavailable("catalog did not answer; try again") from error
        return promoted_product(answer.product)

    async def prefetch(self, product_ids: Iterable[str]) -> PrefetchedProducts:
        """Ask catalog for every product first, so the launch's transaction waits on no call."""
        return PrefetchedProducts(
            {pid: await self.product(pid) for pid in dict.fromkeys(product_ids)}
        )


class PrefetchedProducts:
    """A ProductLookup answering from what catalog said just before."""

    def __init__(self, products: dict[str, PromotedProduct | None]) -> None:
        self._products = products

    async def product(self, product_id: str) -> PromotedProduct | None:
        return self._products.get(product_id)
