"""Partner apps: their registration and the digest of their current secret."""

from __future__ import annotations

from sqlalchemy import insert, select

from mercato_identity.adapters.rows import VersionedRows, utc
from mercato_identity.adapters.tables import apps
from mercato_identity.domain import App, AppKind


class SqlApps(VersionedRows):
    async def add(self, app: App) -> None:
        await self._session.execute(
            insert(apps).values(
                app_id=app.id,
                owner_account_id=app.owner_account_id,
                kind=str(app.kind),
                name=app.name,
                redirect_uris="\n".join(app.redirect_uris),
                scopes=" ".join(app.scopes),
                secret_digest=app.secret_digest,
                registered_at=app.registered_at,
                version=app.version,
            )
        )
        await self._written(app)

    async def get(self, app_id: str) -> App | None:
        row = (await self._session.execute(select(apps).where(apps.c.app_id == app_id))).first()
        if row is None:
            return None
        app = App(row.app_id)
        app.owner_account_id, app.kind, app.name = row.owner_account_id, AppKind(row.kind), row.name
        app.redirect_uris = tuple(row.redirect_uris.split("\n")) if row.redirect_uris else ()
        app.scopes = tuple(row.scopes.split())
        app.secret_digest, app.registered_at = row.secret_digest, utc(row.registered_at)
        self._remember(app, row.version)
        return app

    async def save(self, app: App) -> None:
        await self._update(apps, apps.c.app_id, app, secret_digest=app.secret_digest)
