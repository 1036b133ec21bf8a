"""The posting rules: which lines each money fact posts (as payments.proto documents them).

    PaymentCaptured       Dr payment clearing            Cr escrow:<order>           amount
    ProcessingFeeCharged  Dr expense payment processing  Cr payment clearing         fee
    RefundIssued          Dr escrow:<order>              Cr payment clearing         amount
    EscrowReleased        Dr escrow:<order> gross        Cr seller_payable:<seller>  seller_net
                                                         Cr revenue sale commission  commission
    PayoutSent            Dr seller_payable:<seller>     Cr payment clearing         amount
    BudgetDeposited       Dr payment clearing            Cr advertiser_budget:<adv>  amount

Lines of zero are left out; a fact whose lines are all zero posts no entry. A negative amount,
or lines that do not balance in every currency (a release whose gross is not commission +
seller_net, or whose amounts mix currencies), make the event poison: InvalidMoneyFact, which
the consumer sends to the dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mercato_kit.money import Money
from mercato_ledger.domain import accounts
from mercato_ledger.domain.facts import (
    BudgetDeposited,
    EscrowReleased,
    MoneyFact,
    PaymentCaptured,
    PayoutSent,
    ProcessingFeeCharged,
    RefundIssued,
)
from mercato_ledger.domain.journal import Line, imbalances

__all__ = ["InvalidMoneyFact", "lines_for"]


class InvalidMoneyFact(ValueError):
    """An event whose amounts the ledger cannot post (negative, or not adding up)."""


def _line(account: str, amount: Money) -> Line:
    return Line(account, amount.currency, amount.minor_units)


def _transfer(debit: str, credit: str, amount: Money) -> list[Line]:
    return [_line(debit, amount), _line(credit, -amount)]


def _captured(fact: PaymentCaptured) -> list[Line]:
    return _transfer(accounts.PAYMENT_CLEARING, accounts.escrow(fact.order_id), fact.amount)


def _fee(fact: ProcessingFeeCharged) -> list[Line]:
    return _transfer(accounts.PAYMENT_PROCESSING, accounts.PAYMENT_CLEARING, fact.fee)


def _refunded(fact: RefundIssued) -> list[Line]:
    return _transfer(accounts.escrow(fact.order_id), accounts.PAYMENT_CLEARING, fact.amount)


def _released(fact: EscrowReleased) -> list[Line]:
    return [
        _line(accounts.escrow(fact.order_id), fact.gross),
        _line(accounts.seller_payable(fact.seller_id), -fact.seller_net),
        _line(accounts.SALE_COMMISSION, -fact.commission),
    ]


def _paid_out(fact: PayoutSent) -> list[Line]:
    return _transfer(
        accounts.seller_payable(fact.seller_id), accounts.PAYMENT_CLEARING, fact.amount
    )


def _deposited(fact: BudgetDeposited) -> list[Line]:
    return _transfer(
        accounts.PAYMENT_CLEARING, accounts.advertiser_budget(fact.advertiser_id), fact.amount
    )


_RULES: dict[type[Any], Callable[[Any], list[Line]]] = {
    PaymentCaptured: _captured,
    ProcessingFeeCharged: _fee,
    RefundIssued: _refunded,
    EscrowReleased: _released,
    PayoutSent: _paid_out,
    BudgetDeposited: _deposited,
}


def lines_for(fact: MoneyFact) -> tuple[Line, ...]:
    """The balanced, non-zero lines `fact` posts (empty: nothing to post)."""
    amounts = [value for value in vars(fact).values() if isinstance(value, Money)]
    if any(amount.minor_units < 0 for amount in amounts):
        raise InvalidMoneyFact(f"{type(fact).__name__} with a negative amount: {fact}")
    if len({amount.currency for amount in amounts}) > 1:
        raise InvalidMoneyFact(f"{type(fact).__name__} mixes currencies: {fact}")
    lines = tuple(line for line in _RULES[type(fact)](fact) if line.amount)
    wrong = imbalances(lines)
    if wrong:
        raise InvalidMoneyFact(f"{type(fact).__name__} does not add up: {fact} leaves {wrong}")
    return lines
