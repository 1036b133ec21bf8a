"""HTTP in: the click endpoint a visitor's browser follows, in the service's own process.

    GET /c/<click token>   records the click like RecordClick (visitor fingerprint: SHA-256 of
                           the client address and User-Agent; region from the configured
                           header, when it holds a country code) and answers 302 to the
                           product page with `?mercato_attribution=<attribution token>`
                           (every recorded click gets one; only an accepted click's attributes).
                           A forged token answers 404 and records nothing; the database not
                           answering, 503.
    GET /healthz           200 "ok" while the endpoint serves.

The endpoint runs as one of the service's background tasks (`ClickEndpoint`, registered in
bootstrap): it starts with the consumers and stops with them, before the outbox relay's final
flush, so the events of the last clicks are published. aiohttp lets in-flight requests finish
(up to its shutdown timeout) when it stops.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from mercato_kit.errors import ConcurrencyError
from mercato_kit.logging import get_logger
from mercato_marketing.domain import Visitor
from mercato_marketing.domain.commands import RecordClick
from mercato_marketing.domain.tokens import MAX_TOKEN_LENGTH
from mercato_marketing.entrypoints.clicks import ClickRecorder

_log = get_logger(__name__)

ATTRIBUTION_PARAMETER = "mercato_attribution"
_REGION = re.compile(r"[A-Za-z]{2}")


def fingerprint_of(address: str, user_agent: str) -> str:
    return hashlib.sha256(f"{address}\n{user_agent}".encode()).hexdigest()


def product_url(template: str, product_id: str, attribution_token: str) -> str:
    url = template.format(product_id=product_id)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({ATTRIBUTION_PARAMETER: attribution_token})}"


class ClickHandlers:
    def __init__(
        self,
        recorder: ClickRecorder,
        *,
        product_url_template: str,
        region_header: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._recorder = recorder
        self._template = product_url_template
        self._region_header = region_header
        self._clock = clock

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/c/{token}", self.click)
        app.router.add_get("/healthz", self.health)
        return app

    async def click(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if len(token) > MAX_TOKEN_LENGTH:
            raise web.HTTPNotFound(text="no such ad\n")
        region = request.headers.get(self._region_header, "")
        visitor = Visitor(
            fingerprint=fingerprint_of(request.remote or "", request.headers.get("User-Agent", "")),
            region=region.upper() if _REGION.fullmatch(region) else "",
        )
        command = RecordClick(click_token=token, visitor=visitor, now=self._clock())
        try:
            outcome = await self._recorder.record(command)
        except (SQLAlchemyError, ConcurrencyError, OSError) as error:
            _log.warning("click.unrecorded", error=type(error).__name__)
            raise web.HTTPServiceUnavailable(
                text="try again\n", headers={"Retry-After": "1"}
            ) from None
        if outcome.click is None:  # forged: nothing was recorded
            raise web.HTTPNotFound(text="no such ad\n")
        location = product_url(self._template, outcome.click.product_id, outcome.attribution_token)
        return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})

    async def health(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok\n")
