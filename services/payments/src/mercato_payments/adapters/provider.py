"""The simulated payment provider: deterministic test instruments, like the card numbers real
providers publish for their test modes.

    4242424242424242  approved at once
    4000000000000002  declined at once (card declined)
    4000000000000408  never answers (the caller's timeout voids it)
    4000000000000119  fails with a processing error after `failure_delay` seconds
    anything else     declined (unknown instrument)

Like a real provider it is idempotent per reference: a charge repeated under a reference
answers the first outcome (waiting for it if it is still in progress) and charges once. It
keeps its references in memory for the life of the process; a real provider keeps them on
its side.
"""

from __future__ import annotations

import asyncio
import uuid

from mercato_kit.logging import get_logger
from mercato_kit.money import Money
from mercato_payments.domain import ChargeOutcome, DeclineReason

APPROVED = "4242424242424242"
DECLINED = "4000000000000002"
TIMES_OUT = "4000000000000408"
FAILS_AFTER_DELAY = "4000000000000119"

_log = get_logger(__name__)


class SimulatedPaymentProvider:
    """A PaymentProvider that answers by instrument (see the module docstring)."""

    def __init__(self, failure_delay: float) -> None:
        self._failure_delay = failure_delay
        self._attempts: dict[str, asyncio.Future[ChargeOutcome]] = {}
        self.charged: dict[str, Money] = {}
        """Charges approved and not voided, by charge id: the money the provider moved."""

    async def charge(self, reference: str, instrument: str, amount: Money) -> ChargeOutcome:
        attempt = self._attempts.get(reference)
        if attempt is None:
            attempt = asyncio.ensure_future(self._process(reference, instrument, amount))
            self._attempts[reference] = attempt
        try:
            return await asyncio.shield(attempt)
        except asyncio.CancelledError:
            caller = asyncio.current_task()
            if not attempt.cancelled() or (caller is not None and caller.cancelling()):
                raise
        # Voided while this caller waited: answer what the reference answers now.
        return await self.charge(reference, instrument, amount)

    async def void(self, reference: str) -> None:
        attempt = self._attempts.get(reference)
        if attempt is None:
            return
        returned = ""
        if not attempt.done():
            attempt.cancel()
        elif not attempt.cancelled() and attempt.result().is_approved:
            returned = attempt.result().charge_id
            self.charged.pop(returned, None)
        voided: asyncio.Future[ChargeOutcome] = asyncio.get_running_loop().create_future()
        voided.set_result(ChargeOutcome.declined(DeclineReason.PROVIDER_TIMEOUT))
        self._attempts[reference] = voided
        _log.info("provider attempt voided", reference=reference, charge_id=returned)

    async def _process(self, reference: str, instrument: str, amount: Money) -> ChargeOutcome:
        if instrument == APPROVED:
            charge_id = f"ch_{uuid.uuid4().hex}"
            self.charged[charge_id] = amount
            _log.info("provider charge approved", reference=reference, charge_id=charge_id)
            return ChargeOutcome.approved(charge_id)
        if instrument == DECLINED:
            return ChargeOutcome.declined(DeclineReason.CARD_DECLINED)
        if instrument == TIMES_OUT:
            await asyncio.Event().wait()
        if instrument == FAILS_AFTER_DELAY:
            await asyncio.sleep(self._failure_delay)
            return ChargeOutcome.declined(DeclineReason.PROVIDER_ERROR)
        return ChargeOutcome.declined(DeclineReason.UNKNOWN_INSTRUMENT)
