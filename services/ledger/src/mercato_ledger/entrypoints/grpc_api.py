"""The gRPC servicer: every read in one read-only transaction over the journal.

Requests arrive authenticated and validated by the kit's edge; domain errors leave as status
codes. Account reads need any valid token (whose account is checked inside); everything else
is for operators.
"""

from __future__ import annotations

import grpc

from mercato.ledger.v1 import ledger_pb2 as pb
from mercato.ledger.v1 import ledger_pb2_grpc
from mercato_kit.auth import require_caller, requires
from mercato_kit.storage import Database
from mercato_ledger.adapters import translator as tr
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.application import (
    account_balances,
    account_statement,
    audit,
    monthly_results,
)
from mercato_ledger.entrypoints.access import OPERATOR, require_account_reader

_DEFAULT_STATEMENT_LINES = 100


class LedgerService(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self, database: Database) -> None:
        self._database = database

    @requires()  # any valid token: whose account it may see is checked inside
    async def GetBalance(
        self, request: pb.GetBalanceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetBalanceResponse:
        require_account_reader(require_caller(), request.account)
        as_of = tr.as_of(request.as_of, request.HasField("as_of"))
        async with self._database.read_transaction() as session:
            journal = SqlJournal(session)
            balances = await account_balances(journal, request.account, as_of)
            sequence, _ = await journal.head()
        if as_of.sequence is not None:
            sequence = min(sequence, as_of.sequence)
        return pb.GetBalanceResponse(
            account=request.account,
            balances=[tr.money(b.currency, b.balance) for b in balances],
            sequence=sequence,
        )

    @requires()  # any valid token: whose account it may see is checked inside
    async def GetStatement(
        self, request: pb.GetStatementRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetStatementResponse:
        require_account_reader(require_caller(), request.account)
        as_of = tr.as_of(request.as_of, request.HasField("as_of"))
        limit = request.limit or _DEFAULT_STATEMENT_LINES
        async with self._database.read_transaction() as session:
            lines = await account_statement(SqlJournal(session), request.account, as_of, limit)
        return pb.GetStatementResponse(
            account=request.account, lines=[tr.statement_line(line) for line in lines]
        )

    @requires(roles=[OPERATOR])
    async def GetRevenue(
        self, request: pb.GetRevenueRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRevenueResponse:
        period = tr.period(request.period)
        as_of = tr.as_of(request.as_of, request.HasField("as_of"))
        async with self._database.read_transaction() as session:
            rows = await SqlJournal(session).amounts_by_period(
                "revenue", period, as_of, credit_normal=True
            )
        return pb.GetRevenueResponse(amounts=[tr.period_amount(row) for row in rows])

    @requires(roles=[OPERATOR])
    async def GetExpenditure(
        self, request: pb.GetExpenditureRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetExpenditureResponse:
        period = tr.period(request.period)
        as_of = tr.as_of(request.as_of, request.HasField("as_of"))
        async with self._database.read_transaction() as session:
            rows = await SqlJournal(session).amounts_by_period(
                "expense", period, as_of, credit_normal=False
            )
        return pb.GetExpenditureResponse(amounts=[tr.period_amount(row) for row in rows])

    @requires(roles=[OPERATOR])
    async def GetMonthlyResult(
        self, request: pb.GetMonthlyResultRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMonthlyResultResponse:
        as_of = tr.as_of(request.as_of, request.HasField("as_of"))
        async with self._database.read_transaction() as session:
            results = await monthly_results(SqlJournal(session), as_of)
        return pb.GetMonthlyResultResponse(months=[tr.monthly_result(r) for r in results])

    @requires(roles=[OPERATOR])
    async def GetGrossMerchandiseVolume(
        self, request: pb.GetGrossMerchandiseVolumeRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetGrossMerchandiseVolumeResponse:
        period = tr.period(request.period)
        as_of = tr.as_of(request.as_of, request.HasField("as_of"))
        async with self._database.read_transaction() as session:
            rows = await SqlJournal(session).gross_merchandise_volume(period, as_of)
        return pb.GetGrossMerchandiseVolumeResponse(amounts=[tr.period_amount(r) for r in rows])

    @requires(roles=[OPERATOR])
    async def GetEscrowFloat(
        self, request: pb.GetEscrowFloatRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetEscrowFloatResponse:
        as_of = tr.as_of(request.as_of, request.HasField("as_of"))
        async with self._database.read_transaction() as session:
            floats = await SqlJournal(session).escrow_float(as_of)
        return pb.GetEscrowFloatResponse(floats=[tr.escrow_float(f) for f in floats])

    @requires(roles=[OPERATOR])
    async def GetTrialBalance(
        self, request: pb.GetTrialBalanceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTrialBalanceResponse:
        as_of = tr.as_of(request.as_of, request.HasField("as_of"))
        async with self._database.read_transaction() as session:
            trial = await SqlJournal(session).trial_balance(as_of)
        return tr.trial_balance(trial)

    @requires(roles=[OPERATOR])
    async def Audit(
        self, request: pb.AuditRequest, context: grpc.aio.ServicerContext
    ) -> pb.AuditResponse:
        async with self._database.read_transaction() as session:
            violations, broken, verified = await audit(SqlJournal(session))
        return tr.audit_response(violations, broken, verified)
