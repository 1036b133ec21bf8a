"""The audit trail: operators' actions recorded as security events, and the trail listed."""

from __future__ import annotations

from mercato_identity.application.ports import IdentityUnitOfWork
from mercato_identity.domain import OperatorAction, SecurityEvent
from mercato_kit.ids import new_id


async def record_operator_action(
    uow: IdentityUnitOfWork,
    *,
    operator_id: str,
    action: OperatorAction,
    target_type: str,
    target_id: str,
) -> None:
    acted = SecurityEvent.OperatorActed(
        operator_account_id=operator_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
    )
    await uow.security.record(SecurityEvent.of(new_id(), acted))
