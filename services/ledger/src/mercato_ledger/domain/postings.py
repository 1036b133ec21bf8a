"""The posting rules: which lines each money fact posts (as payments.proto and marketing.proto
document them).

    PaymentCaptured       Dr payment clearing            Cr escrow:<order>           amount
    ProcessingFeeCharged  Dr expense payment processing  Cr payment clearing         fee
    RefundIssued          Dr escrow:<order>              Cr payment clearing         amount
    EscrowReleased        Dr escrow:<order> gross        Cr seller_payable:<seller>  seller_net
                                                         Cr revenue sale commission  commission
    PayoutSent            Dr seller_payable:<seller>     Cr payment clearing         amount
    BudgetDeposited       Dr payment clearing            Cr advertiser_budget:<adv>  amount
    AdClicked (CPC)       Dr advertiser_budget:<adv>     Cr revenue advertising      cost
                          Dr expense publisher share     Cr publisher_payable:<pub>  publisher_share
    ClickInvalidated      the AdClicked lines reversed
    CommissionCharged     Dr advertiser_budget:<adv> commission
                                                         Cr revenue affiliate        platform_share
                                                         Cr publisher_payable:<pub>  publisher_share
    ConversionReversed    the CommissionCharged lines reversed
    PublisherPaidOut      Dr publisher_payable:<pub>     Cr payment clearing         amount
    AppCharged            Dr payment clearing amount     Cr revenue app_store_share  platform_share
                                                         Cr vendor_payable:<vendor>  vendor_share
    AppChargeRefunded     the AppCharged lines reversed (its own amounts)
    VendorPaidOut         Dr vendor_payable:<vendor>     Cr payment clearing         amount

A click is gross (the network sells it: all of it is advertising revenue, the publisher's share
an expense); a commission is an agency's (only the platform's share is revenue, the publisher's
is owed to it straight from the budget).

Lines of zero are left out; a fact whose lines are all zero posts no entry. A negative amount,
amounts in more than one currency, or parts that do not add up to their whole (a release whose
gross is not commission + seller_net, a click or commission that is not publisher_share +
platform_share, an app charge or refund that is not platform_share + vendor_share) make the
event poison: InvalidMoneyFact, which the consumer sends to the dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mercato_kit.money import Money
from mercato_ledger.domain import accounts
from mercato_ledger.domain.facts import (
    AdClicked,
    AppCharged,
    AppChargeRefunded,
    BudgetDeposited,
    ClickInvalidated,
    CommissionCharged,
    ConversionReversed,
    EscrowReleased,
    MoneyFact,
    PaymentCaptured,
    PayoutSent,
    ProcessingFeeCharged,
    PublisherPaidOut,
    RefundIssued,
    VendorPaidOut,
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


def _reversed(lines: list[Line]) -> list[Line]:
    return [Line(line.account, line.currency, -line.amount) for line in lines]


def _split(fact: AdClicked | ClickInvalidated, whole: Money) -> None:
    """A click's cost must be the publisher's share plus the platform's (the lines alone
    balance whatever the shares are)."""
    parts = fact.publisher_share.minor_units + fact.platform_share.minor_units
    if parts != whole.minor_units:
        raise InvalidMoneyFact(
            f"{type(fact).__name__} does not add up: {fact} splits {whole.minor_units} into {parts}"
        )


def _click_lines(fact: AdClicked | ClickInvalidated) -> list[Line]:
    _split(fact, fact.cost)
    return [
        *_transfer(accounts.advertiser_budget(fact.advertiser_id), accounts.ADVERTISING, fact.cost),
        *_transfer(
            accounts.PUBLISHER_SHARE,
            accounts.publisher_payable(fact.publisher_id),
            fact.publisher_share,
        ),
    ]


def _clicked(fact: AdClicked) -> list[Line]:
    return _click_lines(fact)


def _invalidated(fact: ClickInvalidated) -> list[Line]:
    return _reversed(_click_lines(fact))


def _commission_lines(fact: CommissionCharged | ConversionReversed) -> list[Line]:
    return [
        _line(accounts.advertiser_budget(fact.advertiser_id), fact.commission),
        _line(accounts.AFFILIATE, -fact.platform_share),
        _line(accounts.publisher_payable(fact.publisher_id), -fact.publisher_share),
    ]


def _commissioned(fact: CommissionCharged) -> list[Line]:
    return _commission_lines(fact)


def _conversion_reversed(fact: ConversionReversed) -> list[Line]:
    return _reversed(_commission_lines(fact))


def _publisher_paid(fact: PublisherPaidOut) -> list[Line]:
    return _transfer(
        accounts.publisher_payable(fact.publisher_id), accounts.PAYMENT_CLEARING, fact.amount
    )


def _app_charge_lines(fact: AppCharged | AppChargeRefunded) -> list[Line]:
    parts = fact.platform_share.minor_units + fact.vendor_share.minor_units
    if parts != fact.amount.minor_units:
        raise InvalidMoneyFact(
            f"{type(fact).__name__} does not add up: {fact} splits "
            f"{fact.amount.minor_units} into {parts}"
        )
    return [
        _line(accounts.PAYMENT_CLEARING, fact.amount),
        _line(accounts.APP_STORE_SHARE, -fact.platform_share),
        _line(accounts.vendor_payable(fact.vendor_id), -fact.vendor_share),
    ]


def _app_charged(fact: AppCharged) -> list[Line]:
    return _app_charge_lines(fact)


def _app_charge_refunded(fact: AppChargeRefunded) -> list[Line]:
    return _reversed(_app_charge_lines(fact))


def _vendor_paid(fact: VendorPaidOut) -> list[Line]:
    return _transfer(
        accounts.vendor_payable(fact.vendor_id), accounts.PAYMENT_CLEARING, fact.amount
    )


_RULES: dict[type[Any], Callable[[Any], list[Line]]] = {
    PaymentCaptured: _captured,
    ProcessingFeeCharged: _fee,
    RefundIssued: _refunded,
    EscrowReleased: _released,
    PayoutSent: _paid_out,
    BudgetDeposited: _deposited,
    AdClicked: _clicked,
    ClickInvalidated: _invalidated,
    CommissionCharged: _commissioned,
    ConversionReversed: _conversion_reversed,
    PublisherPaidOut: _publisher_paid,
    AppCharged: _app_charged,
    AppChargeRefunded: _app_charge_refunded,
    VendorPaidOut: _vendor_paid,
}


def lines_for(fact: MoneyFact) -> tuple[Line, ...]:
    """The balanced, non-zero lines `fact` posts (empty: nothing to post)."""
    currencies = set()
    for value in vars(fact).values():
        if isinstance(value, Money):
            if value.minor_units < 0:
                raise InvalidMoneyFact(f"{type(fact).__name__} with a negative amount: {fact}")
            currencies.add(value.currency)
    if len(currencies) > 1:
        raise InvalidMoneyFact(f"{type(fact).__name__} mixes currencies: {fact}")
    lines = tuple(line for line in _RULES[type(fact)](fact) if line.amount)
    wrong = imbalances(lines)
    if wrong:
        raise InvalidMoneyFact(f"{type(fact).__name__} does not add up: {fact} leaves {wrong}")
    return lines
