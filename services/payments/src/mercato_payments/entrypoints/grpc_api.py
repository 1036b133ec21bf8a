"""The gRPC servicer: requests -> commands -> handlers in a unit of work -> responses.

Every mutating RPC runs its decision inside `idempotent(...)` in one unit of work, retried on
a version conflict. Captures and deposits take three steps, so that no transaction stays open
while the provider thinks: read whether a charge is needed; charge the provider (bounded by
the timeout) under a reference made from the request's idempotency key, so a retried request
is charged once; record the outcome. A charge that loses a race with another capture of the
same order (or deposit) is surplus, and is voided at the provider; so is a charge whose
recording is refused (the order was cancelled meanwhile), since it is recorded nowhere.

A refund of an order with nothing captured answers NOT_FOUND (what the order saga reads as
"nothing to give back"), after committing the void that keeps any later capture out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from mercato.payments.v1 import payments_pb2 as pb
from mercato.payments.v1 import payments_pb2_grpc
from mercato_kit.auth import require_caller, requires
from mercato_kit.errors import DomainError, NotFound
from mercato_kit.idempotency import run_once
from mercato_kit.store import SqlUnitOfWork
from mercato_payments.adapters.payables import SqlSellerPayables
from mercato_payments.adapters.translator import (
    PaymentsTranslator,
    batch_message,
    budget_message,
    capture_command,
    deposit_command,
    deposit_response,
    payable_response,
    payment_message,
    payout_command,
    refund_command,
    refund_message,
    release_command,
)
from mercato_payments.application import (
    PaymentProvider,
    capture_reference,
    charge,
    deposit_reference,
    get_payment,
    load_budget,
    load_payment,
    record_capture,
    record_deposit,
    refund_payment,
    release_escrow,
    run_payout_batch,
)
from mercato_payments.domain import ChargeOutcome, Tariff
from mercato_payments.entrypoints.access import (
    CAPTURE,
    DEPOSIT,
    PAYOUT,
    require_payment_reader,
    require_reader,
)

R = TypeVar("R", bound=Message)


class PaymentService(payments_pb2_grpc.PaymentServiceServicer):
    """Requests arrive authenticated and validated (the kit's edge); domain errors leave as
    status codes."""

    def __init__(
        self,
        unit_of_work: Callable[[], SqlUnitOfWork],
        provider: PaymentProvider,
        tariff: Tariff,
        provider_timeout: float,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._provider = provider
        self._tariff = tariff
        self._provider_timeout = provider_timeout
        self._translator = PaymentsTranslator()

    async def _once(
        self,
        command: str,
        request: Message,
        key: str,
        response_type: type[R],
        decide: Callable[[SqlUnitOfWork], Awaitable[R]],
    ) -> R:
        """`decide` in one unit of work, at most once per caller and idempotency key; retried
        on conflict."""
        return await run_once(
            self._unit_of_work, f"payments.{command}", request, response_type, decide, key=key
        )

    @requires(CAPTURE)
    async def CapturePayment(
        self, request: pb.CapturePaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CapturePaymentResponse:
        command = capture_command(request)
        reference = capture_reference(command.order_id, request.idempotency_key)
        async with self._unit_of_work() as uow:
            payment = await load_payment(uow, self._translator, command.order_id)
        outcome: ChargeOutcome | None = None
        if payment.needs_charge:
            payment.check_terms(command.terms)
            outcome = await charge(
                self._provider,
                reference,
                command.instrument,
                command.terms.amount,
                self._provider_timeout,
            )
        surplus = False

        async def record(uow: SqlUnitOfWork) -> pb.CapturePaymentResponse:
            nonlocal surplus
            payment, surplus = await record_capture(
                uow, self._translator, self._tariff, command, outcome
            )
            return pb.CapturePaymentResponse(payment=payment_message(payment))

        try:
            response = await self._once(
                "CapturePayment",
                request,
                request.idempotency_key,
                pb.CapturePaymentResponse,
                record,
            )
        except DomainError:
            # Refused, so recorded nowhere (the transaction rolled back): give the money back.
            if outcome is not None and outcome.is_approved:
                await self._provider.void(reference)
            raise
        if surplus:
            await self._provider.void(reference)
        return response

    @requires(CAPTURE)
    async def ReleaseEscrow(
        self, request: pb.ReleaseEscrowRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReleaseEscrowResponse:
        command = release_command(request)

        async def release(uow: SqlUnitOfWork) -> pb.ReleaseEscrowResponse:
            payables = SqlSellerPayables(uow.session)
            payment = await release_escrow(uow, self._translator, payables, command)
            return pb.ReleaseEscrowResponse(payment=payment_message(payment))

        return await self._once(
            "ReleaseEscrow", request, request.idempotency_key, pb.ReleaseEscrowResponse, release
        )

    @requires(CAPTURE)
    async def RefundPayment(
        self, request: pb.RefundPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.RefundPaymentResponse:
        command = refund_command(request)

        async def refund(uow: SqlUnitOfWork) -> pb.RefundPaymentResponse:
            payment, refund = await refund_payment(uow, self._translator, command)
            response = pb.RefundPaymentResponse(payment=payment_message(payment))
            if refund is not None:
                response.refund.CopyFrom(refund_message(refund))
            return response

        response = await self._once(
            "RefundPayment", request, request.idempotency_key, pb.RefundPaymentResponse, refund
        )
        if not response.HasField("refund"):
            # Stored like any answer, so a repeat of this request is NOT_FOUND again.
            raise NotFound(
                f"order {command.order_id} has no captured payment: nothing to refund "
                "(its payment is void now, and a later capture is refused)"
            )
        return response

    @requires()  # any valid token: whose money it may see is checked inside
    async def GetPayment(
        self, request: pb.GetPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPaymentResponse:
        async with self._unit_of_work() as uow:
            payment = await get_payment(uow, self._translator, request.order_id)
        require_payment_reader(require_caller(), payment)
        return pb.GetPaymentResponse(payment=payment_message(payment))

    @requires(PAYOUT)
    async def RunPayoutBatch(
        self, request: pb.RunPayoutBatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.RunPayoutBatchResponse:
        command = payout_command(request)

        async def run(uow: SqlUnitOfWork) -> pb.RunPayoutBatchResponse:
            payables = SqlSellerPayables(uow.session)
            batch = await run_payout_batch(uow, self._translator, payables, command)
            return pb.RunPayoutBatchResponse(batch=batch_message(batch))

        return await self._once(
            "RunPayoutBatch", request, request.idempotency_key, pb.RunPayoutBatchResponse, run
        )

    @requires()  # any valid token: whose money it may see is checked inside
    async def GetSellerPayable(
        self, request: pb.GetSellerPayableRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSellerPayableResponse:
        require_reader(require_caller(), request.seller_id)
        async with self._unit_of_work() as uow:
            balances = await SqlSellerPayables(uow.session).balances(request.seller_id)
        return payable_response(balances)

    @requires(DEPOSIT)
    async def DepositBudget(
        self, request: pb.DepositBudgetRequest, context: grpc.aio.ServicerContext
    ) -> pb.DepositBudgetResponse:
        require_caller().require_acting_for(request.advertiser_id, DEPOSIT)
        command = deposit_command(request)
        reference = deposit_reference(command.deposit_id, request.idempotency_key)
        async with self._unit_of_work() as uow:
            budget = await load_budget(uow, self._translator, command.advertiser_id)
        budget.check_deposit(command.deposit_id, command.amount)
        outcome: ChargeOutcome | None = None
        if budget.needs_charge(command.deposit_id):
            outcome = await charge(
                self._provider,
                reference,
                command.instrument,
                command.amount,
                self._provider_timeout,
            )
        surplus = False

        async def record(uow: SqlUnitOfWork) -> pb.DepositBudgetResponse:
            nonlocal surplus
            budget, surplus = await record_deposit(
                uow, self._translator, self._tariff, command, outcome
            )
            return deposit_response(budget, command.deposit_id, outcome)

        response = await self._once(
            "DepositBudget", request, request.idempotency_key, pb.DepositBudgetResponse, record
        )
        if surplus:
            await self._provider.void(reference)
        return response

    @requires()  # any valid token: whose money it may see is checked inside
    async def GetBudget(
        self, request: pb.GetBudgetRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetBudgetResponse:
        require_reader(require_caller(), request.advertiser_id)
        async with self._unit_of_work() as uow:
            budget = await load_budget(uow, self._translator, request.advertiser_id)
        return pb.GetBudgetResponse(budget=budget_message(budget))
