"""Calling the payment provider: bounded in time, outside any database transaction."""

from __future__ import annotations

import asyncio

from mercato_kit.money import Money
from mercato_payments.application.ports import PaymentProvider
from mercato_payments.domain import ChargeOutcome, DeclineReason


async def charge(
    provider: PaymentProvider, reference: str, instrument: str, amount: Money, within: float
) -> ChargeOutcome:
    """The provider's outcome; a provider silent for `within` seconds has the attempt voided
    and counts as a decline (PROVIDER_TIMEOUT), so the caller always gets a definite answer."""
    try:
        return await asyncio.wait_for(provider.charge(reference, instrument, amount), within)
    except TimeoutError:
        await provider.void(reference)
        return ChargeOutcome.declined(DeclineReason.PROVIDER_TIMEOUT)


def capture_reference(order_id: str, idempotency_key: str) -> str:
    """The provider reference of one capture request: a retried request is charged once."""
    return f"capture:{order_id}:{idempotency_key}"


def deposit_reference(deposit_id: str, idempotency_key: str) -> str:
    """The provider reference of one deposit request."""
    return f"deposit:{deposit_id}:{idempotency_key}"


def app_charge_reference(charge_id: str, idempotency_key: str) -> str:
    """The provider reference of one app-store charge request."""
    return f"app_charge:{charge_id}:{idempotency_key}"
