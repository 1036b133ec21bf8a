"""`mercato console`: a web page for Mercato's operators.

A client like any other: it signs operators in with identity, reads the ledger, orders,
payments and logistics over their public gRPC APIs with the operator's own token, and reads
Kafka (consumer lag, dead letters) and the services' metrics endpoints (outbox depth) — never a
service's database. It is read-only but for one thing an operator confirms: redriving a dead
letter (the same code as `mercato dlq redrive`).

    console = Console(Endpoints.from_environment(), bootstrap="127.0.0.1:9092")
    web.run_app(console_app(console), host=..., port=...)

Modules: `_endpoints` (where the services are), `_backend` (the calls), `_fabric` (Kafka and
metrics), `_web` (the aiohttp application: sign-in, the views, the redrive), `command` (the
`mercato console` command).
"""

from mercato_console._backend import Backend, NotAnOperator, SignInRefused
from mercato_console._endpoints import Endpoints
from mercato_console._web import console_app

__all__ = ["Backend", "Endpoints", "NotAnOperator", "SignInRefused", "console_app"]
