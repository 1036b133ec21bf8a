"""The composition root: marketing's adapters wired into the kit's runtime.

One process serves the gRPC API (CampaignService, AdService), the HTTP click endpoint (a task
of the runtime, MARKETING_HTTP_ADDR), and two idempotent consumers: `money` (payments'
deposits, orders' events, the traffic worker's flags) and `projections` (identity's publisher
sites, catalog's products).
"""

from __future__ import annotations

from pathlib import Path

from mercato.marketing.v1 import marketing_pb2, marketing_pb2_grpc
from mercato_kit.runtime import ServiceContext
from mercato_marketing.adapters.gateways import CatalogProducts
from mercato_marketing.adapters.unit_of_work import SqlMarketingUnitOfWork
from mercato_marketing.domain import TokenSigner
from mercato_marketing.entrypoints.clicks import ClickRecorder
from mercato_marketing.entrypoints.consumer import (
    MONEY_TOPICS,
    PROJECTION_TOPICS,
    MoneyReactions,
    project,
)
from mercato_marketing.entrypoints.grpc_api import AdService, CampaignService
from mercato_marketing.entrypoints.http import ClickHandlers
from mercato_marketing.settings import MarketingSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"

# A conflict with a click on the same budget is retried rather than dead-lettered.
_MONEY_ATTEMPTS = 20


def bootstrap(context: ServiceContext[MarketingSettings]) -> None:
    settings = context.settings  # what main() read and validated
    signer, policy = TokenSigner(settings.secret()), settings.policy()
    units_of_work = context.units_of_work(SqlMarketingUnitOfWork)
    recorder = ClickRecorder(units_of_work, signer, policy)
    services = marketing_pb2.DESCRIPTOR.services_by_name
    context.add_servicer(
        marketing_pb2_grpc.add_CampaignServiceServicer_to_server,
        CampaignService(units_of_work, CatalogProducts(context.channel(settings.catalog_addr))),
        services["CampaignService"],
    )
    context.add_servicer(
        marketing_pb2_grpc.add_AdServiceServicer_to_server,
        AdService(units_of_work, recorder, signer, policy),
        services["AdService"],
    )
    context.add_consumer(
        "money", MONEY_TOPICS, MoneyReactions(signer, policy), max_attempts=_MONEY_ATTEMPTS
    )
    context.add_consumer("projections", PROJECTION_TOPICS, project)
    handlers = ClickHandlers(
        recorder,
        product_url_template=settings.product_url_template,
        region_header=settings.region_header,
    )
    context.add_http("http", handlers.application(), settings.http_addr)
