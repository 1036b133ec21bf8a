"""The gRPC servicer: requests -> commands -> handlers in a unit of work -> responses.

Every mutating RPC runs its decision through `run_once(...)`: one unit of work, once per
caller and idempotency key, decided again on a version conflict. Captures and deposits take
three steps, so that no transaction stays open while the provider thinks: read whether a charge
is needed; charge the provider (bounded by the timeout) under a reference made from the
request's idempotency key, so a retried request is charged once; record the outcome. A charge
that loses a race with another capture of the same order (or deposit) is surplus, and is voided
at the provider; so is a charge whose recording is refused (the order was cancelled meanwhile),
since it is recorded nowhere.

App-store charges (ChargeAppSubscription) take the same three steps, once per charge id.

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
from mercato_kit.errors import DomainError, NotFound, PermissionDenied
from mercato_kit.idempotency import run_once
from mercato_payments.adapters.translator import (
    app_charge_command,
    app_charge_message,
    app_charge_response,
    app_refund_command,
    app_refund_message,
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
    vendor_batch_message,
    vendor_payable_response,
    vendor_payout_command,
)
from mercato_payments.adapters.unit_of_work import SqlPaymentsUnitOfWork
from mercato_payments.application import (
    PaymentProvider,
    app_charge_reference,
    capture_reference,
    charge,
    deposit_reference,
    get_app_charge,
    get_payment,
    load_app_charge,
    load_budget,
    load_payment,
    record_app_charge,
    record_capture,
    record_deposit,
    refund_app_charge,
    refund_payment,
    release_escrow,
    run_payout_batch,
    run_vendor_payout_batch,
)
from mercato_payments.domain import ChargeOutcome, Tariff
from mercato_payments.entrypoints.access import (
    APP_STORE,
    CAPTURE,
    DEPOSIT,
    OPERATOR,
    PAYOUT,
    require_payment_reader,
    require_reader,
    require_vendor_reader,
)

_Response = TypeVar("_Response", bound=Message)


class PaymentService(payments_pb2_grpc.PaymentServiceServicer):
    """Requests arrive authenticated and validated (the kit's edge); domain errors leave as
    status codes."""

    def __init__(
        self,
        unit_of_work: Callable[..., SqlPaymentsUnitOfWork],
        provider: PaymentProvider,
        tariff: Tariff,
        provider_timeout: float,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._provider = provider
        self._tariff = tariff
        self._provider_timeout = provider_timeout

    async def _record_charge(
        self,
        rpc: str,
        request: Message,
        response_type: type[_Response],
        reference: str,
        outcome: ChargeOutcome | None,
        record: Callable[[SqlPaymentsUnitOfWork], Awaitable[tuple[_Response, bool]]],
    ) -> _Response:
        """Record a provider charge's outcome once per idempotency key (`record` answers the
        response and whether the charge is a surplus another attempt already made). A refusal
        records nothing, so an approved charge is given back; a surplus charge is voided too."""
        surplus = False

        async def recorded(uow: SqlPaymentsUnitOfWork) -> _Response:
            nonlocal surplus
            response, surplus = await record(uow)
            return response

        try:
            response = await run_once(self._unit_of_work, rpc, request, response_type, recorded)
        except DomainError:
            if outcome is not None and outcome.is_approved:
                await self._provider.void(reference)
            raise
        if surplus:
            await self._provider.void(reference)
        return response

    @requires(CAPTURE)
    async def CapturePayment(
        self, request: pb.CapturePaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CapturePaymentResponse:
        command = capture_command(request)
        reference = capture_reference(command.order_id, request.idempotency_key)
        async with self._unit_of_work(read_only=True) as uow:
            payment = await load_payment(command.order_id, uow)
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

        async def record(uow: SqlPaymentsUnitOfWork) -> tuple[pb.CapturePaymentResponse, bool]:
            payment, surplus = await record_capture(
                command, uow, outcome=outcome, tariff=self._tariff
            )
            return pb.CapturePaymentResponse(payment=payment_message(payment)), surplus

        return await self._record_charge(
            "payments.CapturePayment",
            request,
            pb.CapturePaymentResponse,
            reference,
            outcome,
            record,
        )

    @requires(CAPTURE)
    async def ReleaseEscrow(
        self, request: pb.ReleaseEscrowRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReleaseEscrowResponse:
        command = release_command(request)

        async def release(uow: SqlPaymentsUnitOfWork) -> pb.ReleaseEscrowResponse:
            payment = await release_escrow(command, uow)
            return pb.ReleaseEscrowResponse(payment=payment_message(payment))

        return await run_once(
            self._unit_of_work,
            "payments.ReleaseEscrow",
            request,
            pb.ReleaseEscrowResponse,
            release,
        )

    @requires(CAPTURE)
    async def RefundPayment(
        self, request: pb.RefundPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.RefundPaymentResponse:
        command = refund_command(request)

        async def refund(uow: SqlPaymentsUnitOfWork) -> pb.RefundPaymentResponse:
            payment, refund = await refund_payment(command, uow)
            response = pb.RefundPaymentResponse(payment=payment_message(payment))
            if refund is not None:
                response.refund.CopyFrom(refund_message(refund))
            return response

        response = await run_once(
            self._unit_of_work, "payments.RefundPayment", request, pb.RefundPaymentResponse, refund
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
        async with self._unit_of_work(read_only=True) as uow:
            payment = await get_payment(request.order_id, uow)
        require_payment_reader(require_caller(), payment)
        return pb.GetPaymentResponse(payment=payment_message(payment))

    @requires(PAYOUT)
    async def RunPayoutBatch(
        self, request: pb.RunPayoutBatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.RunPayoutBatchResponse:
        command = payout_command(request)

        async def run(uow: SqlPaymentsUnitOfWork) -> pb.RunPayoutBatchResponse:
            batch = await run_payout_batch(command, uow)
            return pb.RunPayoutBatchResponse(batch=batch_message(batch))

        return await run_once(
            self._unit_of_work, "payments.RunPayoutBatch", request, pb.RunPayoutBatchResponse, run
        )

    @requires()  # any valid token: whose money it may see is checked inside
    async def GetSellerPayable(
        self, request: pb.GetSellerPayableRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSellerPayableResponse:
        require_reader(require_caller(), request.seller_id)
        async with self._unit_of_work(read_only=True) as uow:
            balances = await uow.payables.balances(request.seller_id)
        return payable_response(balances)

    @requires(DEPOSIT)
    async def DepositBudget(
        self, request: pb.DepositBudgetRequest, context: grpc.aio.ServicerContext
    ) -> pb.DepositBudgetResponse:
        require_caller().require_acting_for(request.advertiser_id, DEPOSIT)
        command = deposit_command(request)
        reference = deposit_reference(command.deposit_id, request.idempotency_key)
        async with self._unit_of_work(read_only=True) as uow:
            budget = await load_budget(command.advertiser_id, uow)
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

        async def record(uow: SqlPaymentsUnitOfWork) -> pb.DepositBudgetResponse:
            nonlocal surplus
            budget, surplus = await record_deposit(
                command, uow, outcome=outcome, tariff=self._tariff
            )
            return deposit_response(budget, command.deposit_id, outcome)

        response = await run_once(
            self._unit_of_work, "payments.DepositBudget", request, pb.DepositBudgetResponse, record
        )
        if surplus:
            await self._provider.void(reference)
        return response

    @requires()  # any valid token: whose money it may see is checked inside
    async def GetBudget(
        self, request: pb.GetBudgetRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetBudgetResponse:
        require_reader(require_caller(), request.advertiser_id)
        async with self._unit_of_work(read_only=True) as uow:
            budget = await load_budget(request.advertiser_id, uow)
        return pb.GetBudgetResponse(budget=budget_message(budget))

    @requires(APP_STORE)
    async def ChargeAppSubscription(
        self, request: pb.ChargeAppSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ChargeAppSubscriptionResponse:
        command = app_charge_command(request)
        reference = app_charge_reference(command.charge_id, request.idempotency_key)
        async with self._unit_of_work(read_only=True) as uow:
            charge_state = await load_app_charge(command.charge_id, uow)
        charge_state.check_terms(command.terms)
        outcome: ChargeOutcome | None = None
        if charge_state.needs_charge:
            outcome = await charge(
                self._provider,
                reference,
                command.instrument,
                command.terms.amount,
                self._provider_timeout,
            )

        async def record(
            uow: SqlPaymentsUnitOfWork,
        ) -> tuple[pb.ChargeAppSubscriptionResponse, bool]:
            recorded, surplus = await record_app_charge(
                command, uow, outcome=outcome, tariff=self._tariff
            )
            return app_charge_response(recorded, outcome), surplus

        return await self._record_charge(
            "payments.ChargeAppSubscription",
            request,
            pb.ChargeAppSubscriptionResponse,
            reference,
            outcome,
            record,
        )

    @requires(APP_STORE)
    async def RefundAppCharge(
        self, request: pb.RefundAppChargeRequest, context: grpc.aio.ServicerContext
    ) -> pb.RefundAppChargeResponse:
        command = app_refund_command(request)

        async def refund(uow: SqlPaymentsUnitOfWork) -> pb.RefundAppChargeResponse:
            charge_state, refund = await refund_app_charge(command, uow)
            return pb.RefundAppChargeResponse(
                charge=app_charge_message(charge_state), refund=app_refund_message(refund)
            )

        return await run_once(
            self._unit_of_work,
            "payments.RefundAppCharge",
            request,
            pb.RefundAppChargeResponse,
            refund,
        )

    @requires()  # any valid token: the app store or an operator, checked inside
    async def GetAppCharge(
        self, request: pb.GetAppChargeRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAppChargeResponse:
        caller = require_caller()
        if not (caller.has_scope(APP_STORE) or OPERATOR in caller.roles):
            raise PermissionDenied("only the app store and operators read app charges")
        async with self._unit_of_work(read_only=True) as uow:
            charge_state = await get_app_charge(request.charge_id, uow)
        return pb.GetAppChargeResponse(charge=app_charge_message(charge_state))

    @requires(PAYOUT)
    async def RunVendorPayoutBatch(
        self, request: pb.RunVendorPayoutBatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.RunVendorPayoutBatchResponse:
        command = vendor_payout_command(request)

        async def run(uow: SqlPaymentsUnitOfWork) -> pb.RunVendorPayoutBatchResponse:
            batch = await run_vendor_payout_batch(command, uow)
            return pb.RunVendorPayoutBatchResponse(batch=vendor_batch_message(batch))

        return await run_once(
            self._unit_of_work,
            "payments.RunVendorPayoutBatch",
            request,
            pb.RunVendorPayoutBatchResponse,
            run,
        )

    @requires()  # any valid token: whose money it may see is checked inside
    async def GetVendorPayable(
        self, request: pb.GetVendorPayableRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetVendorPayableResponse:
        require_vendor_reader(require_caller(), request.vendor_id)
        async with self._unit_of_work(read_only=True) as uow:
            balances = await uow.vendor_payables.balances(request.vendor_id)
        return vendor_payable_response(balances)
