"""gRPC in: CampaignService (advertisers, operators) and AdService (publishers, operators).

Who is who (see marketing.proto):
    advertiser  the caller account (a seller, marketing:campaigns), or an app acting for a
                seller (`on_behalf_of`) with marketing:campaigns
    publisher   an app of kind publisher_site (marketing:ads); its id is the token's subject
    operator    an account with role operator: reads any advertiser or publisher, runs payouts
Another party's campaign, budget or report answers NOT_FOUND, exactly like an unknown one.

Mutations run through `run_once` (once per idempotency key, scoped per caller by the kit);
a click has no key (its token is its key: see entrypoints/clicks.py); queries run in read-only
units of work; ServeAds writes (it counts impressions).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import grpc

from mercato.marketing.v1 import marketing_pb2 as pb
from mercato.marketing.v1 import marketing_pb2_grpc
from mercato_kit.auth import Caller, require_caller, requires
from mercato_kit.errors import InvalidArgument, NotFound, PermissionDenied
from mercato_kit.idempotency import run_once
from mercato_kit.protobuf import datetime_of
from mercato_marketing.adapters import translator as tr
from mercato_marketing.adapters.gateways import CatalogProducts
from mercato_marketing.adapters.unit_of_work import SqlMarketingUnitOfWork
from mercato_marketing.application import (
    Policy,
    ServedAd,
    end_campaign,
    launch_campaign,
    pause_campaign,
    resume_campaign,
    run_publisher_payout_batch,
    serve_ads,
)
from mercato_marketing.domain import BadToken, Campaign, TokenSigner
from mercato_marketing.domain.commands import EndCampaign, PauseCampaign, ResumeCampaign
from mercato_marketing.entrypoints.clicks import ClickRecorder, decided_again

CAMPAIGNS, ADS = "marketing:campaigns", "marketing:ads"
OPERATOR, SELLER, PUBLISHER_SITE = "operator", "seller", "publisher_site"

_CAMPAIGN_NAMESPACE = uuid.UUID("5d0c3a52-8f6e-4b1d-9a27-3e8f1c6b7d40")

Units = Callable[..., SqlMarketingUnitOfWork]


def now() -> datetime:
    return datetime.now(UTC)


def campaign_id_for(advertiser_id: str, idempotency_key: str) -> str:
    """The id of the campaign an advertiser's LaunchCampaign key makes: a retry, even one that
    races the first call, names the same campaign, so it is launched once."""
    return str(uuid.uuid5(_CAMPAIGN_NAMESPACE, f"{advertiser_id}\n{idempotency_key}"))


def advertiser_of(caller: Caller) -> str:
    """The advertiser a caller with marketing:campaigns acts as."""
    if caller.kind == "account" and SELLER in caller.roles:
        return caller.subject
    if caller.kind == "app" and caller.on_behalf_of:
        return caller.on_behalf_of
    raise PermissionDenied("only a seller, or an app acting for one, advertises")


def is_operator(caller: Caller) -> bool:
    return caller.kind == "account" and OPERATOR in caller.roles


def advertiser_to_read(caller: Caller, named: str) -> str:
    """Operators read the advertiser they name; an advertiser reads itself (naming another is
    NOT_FOUND, like an advertiser that does not exist)."""
    if is_operator(caller):
        if not named:
            raise InvalidArgument("advertiser_id", "operators name the advertiser")
        return named
    if not caller.has_scope(CAMPAIGNS):
        raise PermissionDenied(f"this call needs the {CAMPAIGNS} scope")
    own = advertiser_of(caller)
    if named and named != own:
        raise NotFound(f"advertiser {named} does not exist")
    return own


def publisher_of(caller: Caller) -> str:
    if caller.kind == "app" and PUBLISHER_SITE in caller.roles:
        return caller.subject
    raise PermissionDenied("only a publisher site serves ads and reports clicks")


class CampaignService(marketing_pb2_grpc.CampaignServiceServicer):
    """Requests arrive validated (the kit's edge); domain errors leave as status codes."""

    def __init__(self, unit_of_work: Units, catalog: CatalogProducts) -> None:
        self._unit_of_work = unit_of_work
        self._catalog = catalog

    @requires(CAMPAIGNS)
    async def LaunchCampaign(
        self, request: pb.LaunchCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.LaunchCampaignResponse:
        advertiser = advertiser_of(require_caller())
        command = tr.launch_campaign(
            request,
            campaign_id=campaign_id_for(advertiser, request.idempotency_key),
            advertiser_id=advertiser,
            now=now(),
        )
        # Catalog is asked before the transaction begins, so no lock waits on its answer.
        products = await self._catalog.prefetch(command.product_ids)

        async def decide(uow: SqlMarketingUnitOfWork) -> pb.LaunchCampaignResponse:
            campaign = await launch_campaign(command, uow, catalog=products)
            return pb.LaunchCampaignResponse(campaign=await _campaign(uow, campaign))

        return await run_once(
            self._unit_of_work,
            "marketing.LaunchCampaign",
            request,
            pb.LaunchCampaignResponse,
            decide,
        )

    @requires(CAMPAIGNS)
    async def PauseCampaign(
        self, request: pb.PauseCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.PauseCampaignResponse:
        command = PauseCampaign(request.campaign_id, advertiser_of(require_caller()))

        async def decide(uow: SqlMarketingUnitOfWork) -> pb.PauseCampaignResponse:
            campaign = await pause_campaign(command, uow)
            return pb.PauseCampaignResponse(campaign=await _campaign(uow, campaign))

        return await run_once(
            self._unit_of_work, "marketing.PauseCampaign", request, pb.PauseCampaignResponse, decide
        )

    @requires(CAMPAIGNS)
    async def ResumeCampaign(
        self, request: pb.ResumeCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResumeCampaignResponse:
        command = ResumeCampaign(request.campaign_id, advertiser_of(require_caller()))

        async def decide(uow: SqlMarketingUnitOfWork) -> pb.ResumeCampaignResponse:
            campaign = await resume_campaign(command, uow)
            return pb.ResumeCampaignResponse(campaign=await _campaign(uow, campaign))

        return await run_once(
            self._unit_of_work,
            "marketing.ResumeCampaign",
            request,
            pb.ResumeCampaignResponse,
            decide,
        )

    @requires(CAMPAIGNS)
    async def EndCampaign(
        self, request: pb.EndCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.EndCampaignResponse:
        command = EndCampaign(request.campaign_id, advertiser_of(require_caller()))

        async def decide(uow: SqlMarketingUnitOfWork) -> pb.EndCampaignResponse:
            campaign = await end_campaign(command, uow)
            return pb.EndCampaignResponse(campaign=await _campaign(uow, campaign))

        return await run_once(
            self._unit_of_work, "marketing.EndCampaign", request, pb.EndCampaignResponse, decide
        )

    async def GetCampaign(
        self, request: pb.GetCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCampaignResponse:
        caller = require_caller()
        reader = None if is_operator(caller) else advertiser_to_read(caller, "")
        async with self._unit_of_work(read_only=True) as uow:
            campaign = await uow.campaigns.get(request.campaign_id)
            if campaign is None or reader not in (None, campaign.advertiser_id):
                raise NotFound(f"campaign {request.campaign_id} does not exist")
            return pb.GetCampaignResponse(campaign=await _campaign(uow, campaign))

    async def ListCampaigns(
        self, request: pb.ListCampaignsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCampaignsResponse:
        advertiser = advertiser_to_read(require_caller(), request.advertiser_id)
        async with self._unit_of_work(read_only=True) as uow:
            campaigns = await uow.campaigns.of_advertiser(advertiser)
            return pb.ListCampaignsResponse(
                campaigns=[await _campaign(uow, campaign) for campaign in campaigns]
            )

    async def GetAdvertiserBudget(
        self, request: pb.GetAdvertiserBudgetRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAdvertiserBudgetResponse:
        advertiser = advertiser_to_read(require_caller(), request.advertiser_id)
        async with self._unit_of_work(read_only=True) as uow:
            balances = await uow.budgets.balances(advertiser)
        return pb.GetAdvertiserBudgetResponse(
            advertiser_id=advertiser,
            balances=[tr.balance_message(balance) for balance in balances.values()],
        )

    async def GetAdvertiserReport(
        self, request: pb.GetAdvertiserReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAdvertiserReportResponse:
        advertiser = advertiser_to_read(require_caller(), request.advertiser_id)
        as_of = datetime_of(request.as_of) if request.HasField("as_of") else None
        window = tr.report_window(request.window, as_of, now=now())
        async with self._unit_of_work(read_only=True) as uow:
            campaigns = await uow.campaigns.of_advertiser(advertiser)
            days = await uow.reports.campaign_days(campaigns, window)
        return pb.GetAdvertiserReportResponse(days=[tr.campaign_day_message(day) for day in days])


async def _campaign(uow: SqlMarketingUnitOfWork, campaign: Campaign) -> pb.Campaign:
    return tr.campaign_message(campaign, await uow.budgets.campaign_spent(campaign.id))


class AdService(marketing_pb2_grpc.AdServiceServicer):
    def __init__(
        self, unit_of_work: Units, recorder: ClickRecorder, signer: TokenSigner, policy: Policy
    ) -> None:
        self._unit_of_work = unit_of_work
        self._recorder = recorder
        self._signer = signer
        self._policy = policy

    @requires(ADS)
    async def ServeAds(
        self, request: pb.ServeAdsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ServeAdsResponse:
        command = tr.serve_ads(request, publisher_id=publisher_of(require_caller()), now=now())

        async def decide(uow: SqlMarketingUnitOfWork) -> list[ServedAd]:
            return await serve_ads(command, uow, signer=self._signer, policy=self._policy)

        ads = await decided_again(self._unit_of_work, decide)
        return pb.ServeAdsResponse(ads=[tr.ad_message(ad) for ad in ads])

    @requires(ADS)
    async def RecordClick(
        self, request: pb.RecordClickRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordClickResponse:
        publisher = publisher_of(require_caller())
        command = tr.record_click(request, now=now())
        try:
            claims = self._signer.click_claims(command.click_token)
        except BadToken:
            pass  # recorded as forged (nothing is stored)
        else:
            if claims.publisher_id != publisher:
                raise PermissionDenied("this ad was served to another publisher")
        outcome = await self._recorder.record(command)
        return pb.RecordClickResponse(click=tr.click_message(outcome))

    async def GetPublisherReport(
        self, request: pb.GetPublisherReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPublisherReportResponse:
        caller = require_caller()
        if is_operator(caller):
            if not request.publisher_id:
                raise InvalidArgument("publisher_id", "operators name the publisher")
            publisher = request.publisher_id
        else:
            publisher = publisher_of(caller)
            if request.publisher_id and request.publisher_id != publisher:
                raise NotFound(f"publisher {request.publisher_id} does not exist")
        as_of = datetime_of(request.as_of) if request.HasField("as_of") else now()
        async with self._unit_of_work(read_only=True) as uow:
            if await uow.publishers.get(publisher) is None:
                raise NotFound(f"publisher {publisher} does not exist")
            figures = await uow.reports.publisher(publisher, as_of)
        return tr.publisher_report(figures)

    @requires(roles=(OPERATOR,))
    async def RunPublisherPayoutBatch(
        self, request: pb.RunPublisherPayoutBatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.RunPublisherPayoutBatchResponse:
        command = tr.payout_batch(request)

        async def decide(uow: SqlMarketingUnitOfWork) -> pb.RunPublisherPayoutBatchResponse:
            return tr.payout_response(await run_publisher_payout_batch(command, uow))

        return await run_once(
            self._unit_of_work,
            "marketing.RunPublisherPayoutBatch",
            request,
            pb.RunPublisherPayoutBatchResponse,
            decide,
        )
