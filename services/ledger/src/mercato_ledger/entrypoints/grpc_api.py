"""gRPC in: every read is request -> translator -> handler in a read-only unit of work ->
translator -> response.

Requests arrive authenticated and validated by the kit's edge; domain errors leave as status
codes. Account reads need any valid token (whose account is checked inside); everything else
is for operators.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from mercato.ledger.v1 import ledger_pb2 as pb
from mercato.ledger.v1 import ledger_pb2_grpc
from mercato_kit.auth import require_caller, requires
from mercato_ledger.adapters import translator as tr
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.application import (
    account_balances,
    account_statement,
    audit,
    escrow_float,
    expenditure,
    gross_merchandise_volume,
    monthly_results,
    revenue,
    trial_balance,
)
from mercato_ledger.entrypoints.access import OPERATOR, require_account_reader

_DEFAULT_STATEMENT_LINES = 100


class LedgerService(ledger_pb2_grpc.LedgerServiceServicer):
    """`unit_of_work` makes the ledger's unit of work (bootstrap passes
    `context.units_of_work(LedgerUnitOfWork)`); every read asks for `read_only=True`."""

    def __init__(self, unit_of_work: Callable[..., LedgerUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    def _read(self) -> LedgerUnitOfWork:
        return self._unit_of_work(read_only=True)

    @requires()  # any valid token: whose account it may see is checked inside
    async def GetBalance(
        self, request: pb.GetBalanceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetBalanceResponse:
        require_account_reader(require_caller(), request.account)
        as_of = tr.as_of(request)
        async with self._read() as uow:
            balances, sequence = await account_balances(request.account, as_of, uow)
        return tr.balance_response(request.account, balances, sequence)

    @requires()  # any valid token: whose account it may see is checked inside
    async def GetStatement(
        self, request: pb.GetStatementRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetStatementResponse:
        require_account_reader(require_caller(), request.account)
        as_of = tr.as_of(request)
        limit = request.limit or _DEFAULT_STATEMENT_LINES
        async with self._read() as uow:
            lines = await account_statement(request.account, as_of, limit, uow)
        return pb.GetStatementResponse(
            account=request.account, lines=[tr.statement_line(line) for line in lines]
        )

    @requires(roles=[OPERATOR])
    async def GetRevenue(
        self, request: pb.GetRevenueRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRevenueResponse:
        period, as_of = tr.period(request.period), tr.as_of(request)
        async with self._read() as uow:
            rows = await revenue(period, as_of, uow)
        return pb.GetRevenueResponse(amounts=[tr.period_amount(row) for row in rows])

    @requires(roles=[OPERATOR])
    async def GetExpenditure(
        self, request: pb.GetExpenditureRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetExpenditureResponse:
        period, as_of = tr.period(request.period), tr.as_of(request)
        async with self._read() as uow:
            rows = await expenditure(period, as_of, uow)
        return pb.GetExpenditureResponse(amounts=[tr.period_amount(row) for row in rows])

    @requires(roles=[OPERATOR])
    async def GetMonthlyResult(
        self, request: pb.GetMonthlyResultRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMonthlyResultResponse:
        as_of = tr.as_of(request)
        async with self._read() as uow:
            results = await monthly_results(as_of, uow)
        return pb.GetMonthlyResultResponse(months=[tr.monthly_result(r) for r in results])

    @requires(roles=[OPERATOR])
    async def GetGrossMerchandiseVolume(
        self, request: pb.GetGrossMerchandiseVolumeRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetGrossMerchandiseVolumeResponse:
        period, as_of = tr.period(request.period), tr.as_of(request)
        async with self._read() as uow:
            rows = await gross_merchandise_volume(period, as_of, uow)
        return pb.GetGrossMerchandiseVolumeResponse(amounts=[tr.period_amount(r) for r in rows])

    @requires(roles=[OPERATOR])
    async def GetEscrowFloat(
        self, request: pb.GetEscrowFloatRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetEscrowFloatResponse:
        as_of = tr.as_of(request)
        async with self._read() as uow:
            floats = await escrow_float(as_of, uow)
        return pb.GetEscrowFloatResponse(floats=[tr.escrow_float(f) for f in floats])

    @requires(roles=[OPERATOR])
    async def GetTrialBalance(
        self, request: pb.GetTrialBalanceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTrialBalanceResponse:
        as_of = tr.as_of(request)
        async with self._read() as uow:
            trial = await trial_balance(as_of, uow)
        return tr.trial_balance(trial)

    @requires(roles=[OPERATOR])
    async def Audit(
        self, request: pb.AuditRequest, context: grpc.aio.ServicerContext
    ) -> pb.AuditResponse:
        async with self._read() as uow:
            violations, broken, verified = await audit(uow)
        return tr.audit_response(violations, broken, verified)
