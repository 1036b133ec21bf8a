"""The console's web application (aiohttp, server-rendered with Jinja2, Chart.js for charts).

Sign-in: an operator's e-mail address and password go to identity's SignIn; the access token
is kept in an HttpOnly, SameSite=Strict cookie and verified (signature, expiry, role operator)
on every request. Every page is read-only; the one change, redriving a dead letter, is a POST
from a confirmation page that carries a CSRF token derived from the session.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

import grpc
import jinja2
from aiohttp import web
from markupsafe import Markup

from mercato.common.v1 import money_pb2
from mercato.ledger.v1 import ledger_pb2
from mercato_cli.demo.report import MonthLine
from mercato_console._backend import Backend, NotAnOperator, ServiceRefused, SignInRefused
from mercato_console._fabric import RedriveFailed
from mercato_console._format import major
from mercato_kit.auth import Caller
from mercato_kit.errors import Unauthenticated

__all__ = ["COOKIE", "console_app"]

COOKIE = "mercato_console"
_BACKEND = web.AppKey("backend", Backend)
_SECRET = web.AppKey("csrf_secret", bytes)
_TEMPLATES = web.AppKey("templates", jinja2.Environment)
_GENERIC_REFUSAL = "Those details were not accepted."
_STREAM_ORDER = ("sale_commission", "advertising", "affiliate", "app_store_share")
_STREAM_NAMES = {
    "sale_commission": "commission",
    "advertising": "advertising",
    "affiliate": "affiliate",
    "app_store_share": "app store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Page = Callable[[web.Request, Caller, str], Awaitable[web.StreamResponse]]


def money(value: money_pb2.Money | None) -> Markup:
    """A <data> element: the exact minor units for machines, the amount for people."""
    if value is None:
        return Markup("&mdash;")
    return Markup('<data value="{0}" data-currency="{1}">{2} {1}</data>').format(
        value.minor_units, value.currency, major(value.minor_units)
    )


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mercato_console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(money=money, major=major, when=when)
    return environment


def _csrf(request: web.Request, token: str) -> str:
    return hmac.new(request.app[_SECRET], token.encode(), hashlib.sha256).hexdigest()


def _render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    html = request.app[_TEMPLATES].get_template(template).render(path=request.path, **context)
    return web.Response(text=html, content_type="text/html", status=status)


def _page(request: web.Request, template: str, token: str, **context: Any) -> web.Response:
    return _render(request, template, csrf=_csrf(request, token), signed_in=True, **context)


def _signed_in(page: Page) -> Handler:
    """Every view: the cookie's token must verify and be an operator's."""

    async def handler(request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(COOKIE, "")
        if not token:
            raise web.HTTPSeeOther("/signin")
        try:
            caller = await request.app[_BACKEND].operator(token)
            return await page(request, caller, token)
        except Unauthenticated:
            response = web.HTTPSeeOther("/signin?expired=1")
            response.del_cookie(COOKIE, path="/")
            raise response from None
        except NotAnOperator:
            return _render(
                request,
                "refused.html",
                status=403,
                message="Operators only: this token is not an operator's.",
            )
        except ServiceRefused as refused:
            status = 403 if refused.code == grpc.StatusCode.PERMISSION_DENIED else 502
            return _render(
                request,
                "refused.html",
                status=status,
                message=f"{refused.service} answered {refused.code.name}: {refused.message}",
            )

    return handler


def _same_origin(request: web.Request) -> None:
    """A form POST from another site is refused (besides SameSite=Strict and the CSRF token)."""
    origin = request.headers.get("Origin")
    if origin and origin not in (f"http://{request.host}", f"https://{request.host}"):
        raise web.HTTPForbidden(text="cross-site request refused")


# -- sign-in -------------------------------------------------------------------------------


async def sign_in_page(request: web.Request) -> web.Response:
    expired = "expired" in request.query
    return _render(
        request,
        "signin.html",
        message="Your session has ended: sign in again." if expired else "",
        email="",
    )


async def sign_in(request: web.Request) -> web.StreamResponse:
    _same_origin(request)
    form = await request.post()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    try:
        token = await request.app[_BACKEND].sign_in(email, password)
    except SignInRefused:
        return _render(request, "signin.html", status=401, message=_GENERIC_REFUSAL, email=email)
    except NotAnOperator:
        return _render(
            request,
            "signin.html",
            status=403,
            message="Operators only: this account may not use the console.",
            email=email,
        )
    response = web.HTTPSeeOther("/business")
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        path="/",
    )
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    _same_origin(request)
    token = request.cookies.get(COOKIE, "")
    form = await request.post()
    if token and hmac.compare_digest(str(form.get("csrf", "")), _csrf(request, token)):
        await request.app[_BACKEND].sign_out(token)
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(COOKIE, path="/")
    raise response


# -- the views -----------------------------------------------------------------------------


def _chart_data(months: list[MonthLine]) -> dict[str, Any]:
    """Per currency: the months, each revenue stream's and the expenditure's series (major
    units, for drawing only: the tables carry the exact figures)."""
    charts: dict[str, Any] = {}
    by_currency: defaultdict[str, list[MonthLine]] = defaultdict(list)
    for line in months:
        by_currency[line.currency].append(line)
    for currency, lines in by_currency.items():
        lines.sort(key=lambda line: line.month)
        keys = {key for line in lines for key in line.by_stream}
        ordered = [k for k in _STREAM_ORDER if k in keys] + sorted(keys - set(_STREAM_ORDER))
        charts[currency] = {
            "months": [line.month for line in lines],
            "streams": [
                {
                    "label": _STREAM_NAMES.get(key, key),
                    "data": [line.by_stream.get(key, 0) / 100 for line in lines],
                }
                for key in ordered
            ],
            "expenditure": [line.expenditure / 100 for line in lines],
        }
    return charts


async def business(request: web.Request, caller: Caller, token: str) -> web.Response:
    as_of, problem = _as_of(request.query)
    if problem:
        return _page(request, "business.html", token, problem=problem, found=None, **_form(request))
    found = await request.app[_BACKEND].business(token, as_of)
    months = sorted((MonthLine.of(line) for line in found.months), key=lambda m: m.month)
    gmv: dict[str, Any] = defaultdict(lambda: {"days": [], "values": []})
    for row in sorted(found.gmv_days, key=lambda row: row.period):
        gmv[row.amount.currency]["days"].append(row.period)
        gmv[row.amount.currency]["values"].append(row.amount.minor_units / 100)
    return _page(
        request,
        "business.html",
        token,
        months=months,
        stream_names=_STREAM_NAMES,
        results={(line.month, line.net.currency): line for line in found.months},
        gmv_days=sorted(found.gmv_days, key=lambda row: row.period),
        escrow=found.escrow,
        charts=json.dumps({"monthly": _chart_data(months), "gmv": gmv}),
        problem="",
        found=found,
        **_form(request),
    )


def _form(request: web.Request) -> dict[str, str]:
    """The as-of form's fields as the operator filled them."""
    return {
        "as_of_time": request.query.get("as_of_time", ""),
        "as_of_sequence": request.query.get("as_of_sequence", ""),
    }


def _as_of(query: Any) -> tuple[ledger_pb2.AsOf | None, str]:
    """The point the form asks for, or an error naming the field."""
    time_text = str(query.get("as_of_time", "")).strip()
    sequence_text = str(query.get("as_of_sequence", "")).strip()
    if not time_text and not sequence_text:
        return None, ""
    as_of = ledger_pb2.AsOf()
    if time_text:
        try:
            at = datetime.fromisoformat(time_text)
        except ValueError:
            return None, "as_of_time: not a date and time (YYYY-MM-DDTHH:MM, UTC)"
        as_of.time.FromDatetime(at.replace(tzinfo=at.tzinfo or UTC))
    if sequence_text:
        if not sequence_text.isdigit():
            return None, "as_of_sequence: not a journal sequence number (0 or more)"
        as_of.sequence = int(sequence_text)
    return as_of, ""


async def ledger(request: web.Request, caller: Caller, token: str) -> web.Response:
    as_of, problem = _as_of(request.query)
    state = None if problem else await request.app[_BACKEND].ledger_state(token, as_of)
    return _page(
        request,
        "ledger.html",
        token,
        state=state,
        problem=problem,
        **_form(request),
    )


async def order(request: web.Request, caller: Caller, token: str) -> web.Response:
    order_id = request.query.get("order_id", "").strip()
    story, problem = None, ""
    if order_id:
        try:
            story = await request.app[_BACKEND].order_story(token, order_id)
        except ServiceRefused as refused:
            if refused.code not in (
                grpc.StatusCode.NOT_FOUND,
                grpc.StatusCode.INVALID_ARGUMENT,
            ):
                raise
            problem = f"{refused.service}: {refused.message}"
    return _page(request, "order.html", token, order_id=order_id, story=story, problem=problem)


async def fabric(request: web.Request, caller: Caller, token: str) -> web.Response:
    found = await request.app[_BACKEND].fabric()
    endpoints = request.app[_BACKEND].endpoints
    lag_by_service: defaultdict[str, int] = defaultdict(int)
    for lag in found.lags:
        lag_by_service[endpoints.service_of_group(lag.group) or "?"] += lag.lag
    letters_by_service: defaultdict[str, int] = defaultdict(int)
    for letter in found.letters:
        letters_by_service[endpoints.service_of_group(letter.letter.consumer) or "?"] += 1
    return _page(
        request,
        "fabric.html",
        token,
        found=found,
        outboxes={outbox.service: outbox for outbox in found.outboxes},
        services=[outbox.service for outbox in found.outboxes],
        lag_by_service=lag_by_service,
        letters_by_service=letters_by_service,
        service_of_group=endpoints.service_of_group,
        failed_at=lambda letter: when(
            letter.letter.failed_at.ToDatetime(tzinfo=UTC)
            if letter.letter.HasField("failed_at")
            else None
        ),
    )


def _letter_position(source: Any) -> tuple[str, int, int]:
    try:
        return (
            str(source.get("topic", "")),
            int(source.get("partition", "")),
            int(source.get("offset", "")),
        )
    except ValueError:
        raise web.HTTPBadRequest(text="topic, partition and offset name the dead letter") from None


async def confirm_redrive(request: web.Request, caller: Caller, token: str) -> web.Response:
    topic, partition, offset = _letter_position(request.query)
    letters = await request.app[_BACKEND].dead_letters()
    wanted = (topic, partition, offset)
    letter = next(
        (x for x in letters if (x.dlq_topic, x.dlq_partition, x.dlq_offset) == wanted),
        None,
    )
    return _page(
        request,
        "redrive.html",
        token,
        letter=letter,
        topic=topic,
        partition=partition,
        offset=offset,
        done=None,
        problem="" if letter else f"no dead letter at {topic}[{partition}]@{offset}",
    )


async def redrive(request: web.Request, caller: Caller, token: str) -> web.Response:
    _same_origin(request)
    form = await request.post()
    if not hmac.compare_digest(str(form.get("csrf", "")), _csrf(request, token)):
        raise web.HTTPForbidden(text="the confirmation expired: open the dead letter again")
    topic, partition, offset = _letter_position(form)
    done, problem = None, ""
    try:
        done = await request.app[_BACKEND].redrive(topic, partition, offset)
    except RedriveFailed as failed:
        problem = str(failed)
    return _page(
        request,
        "redrive.html",
        token,
        letter=done.letter if done else None,
        topic=topic,
        partition=partition,
        offset=offset,
        done=done,
        problem=problem,
    )


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/business")


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: with no-referrer a form POST says "Origin: null".
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def console_app(backend: Backend) -> web.Application:
    """The console on `backend` (started and closed with the application)."""
    app = web.Application(middlewares=[_headers])
    app[_BACKEND] = backend
    app[_SECRET] = secrets.token_bytes(32)
    app[_TEMPLATES] = _environment()

    async def lifecycle(app: web.Application) -> Any:
        await backend.start()
        yield
        await backend.close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/", home)
    app.router.add_get("/signin", sign_in_page)
    app.router.add_post("/signin", sign_in)
    app.router.add_post("/signout", sign_out)
    app.router.add_get("/business", _signed_in(business))
    app.router.add_get("/ledger", _signed_in(ledger))
    app.router.add_get("/order", _signed_in(order))
    app.router.add_get("/fabric", _signed_in(fabric))
    app.router.add_get("/fabric/redrive", _signed_in(confirm_redrive))
    app.router.add_post("/fabric/redrive", _signed_in(redrive))
    app.router.add_static("/static", str(files("mercato_console") / "static"))
    return app
