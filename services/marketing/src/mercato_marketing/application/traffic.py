"""Acting on the traffic worker's flags: reject the key's clicks until the window ends, and
take back the charges of the clicks it had accepted in the window beyond the rate."""

from __future__ import annotations

from mercato_marketing.application.ports import MarketingUnitOfWork
from mercato_marketing.domain import ClickRejection
from mercato_marketing.domain.commands import FlagTraffic

_REASONS = {
    "fingerprint": ClickRejection.FLOOD_FINGERPRINT,
    "publisher": ClickRejection.FLOOD_PUBLISHER,
}


async def flag_traffic(command: FlagTraffic, uow: MarketingUnitOfWork) -> int:
    """Apply one flag; the number of clicks invalidated."""
    await uow.flags.flag(command.kind, command.key, command.window_end)
    reason = _REASONS.get(command.kind)
    if reason is None:  # a pacing flag: serving skips the campaign until the window ends
        return 0
    accepted = await uow.clicks.accepted_in(
        command.kind, command.key, command.window_start, command.window_end
    )
    invalidated = 0
    for click in accepted[command.limit :]:
        charge = click.invalidate(reason)
        if charge is None:
            continue
        if not charge.cost.is_zero:
            await uow.budgets.refund(click.campaign_id, click.advertiser_id, charge.cost)
            await uow.earnings.take_back(click.publisher_id, charge.publisher_share)
        assert click.clicked_at is not None
        await uow.stats.invalidated(click, click.clicked_at.date().isoformat())
        await uow.clicks.save(click)
        invalidated += 1
    return invalidated
