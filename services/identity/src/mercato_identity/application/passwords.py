"""Hashing and checking passwords off the event loop, a few at a time.

scrypt takes real memory and CPU (see domain.credentials), so it runs in threads, at most
`concurrency` at once. Checking a password for an unknown account checks it against a decoy
hash with the same parameters, so an unknown e-mail takes as long as a wrong password.
"""

from __future__ import annotations

import asyncio
import os

from mercato_identity.domain.credentials import (
    ScryptParameters,
    hash_password,
    new_secret,
    verify_password,
)


class Passwords:
    def __init__(self, parameters: ScryptParameters, *, concurrency: int | None = None) -> None:
        self.parameters = parameters
        self._slots = asyncio.Semaphore(concurrency or os.cpu_count() or 1)
        self._decoy: str | None = None

    async def prepare(self) -> None:
        """Make the decoy hash now, so the first unknown e-mail takes no longer than others."""
        if self._decoy is None:
            self._decoy = await self.hash(new_secret("decoy_"))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(hash_password, password, self.parameters)

    async def verify(self, password: str, stored: str | None) -> bool:
        """Whether `password` matches `stored`; with no stored hash, as slow and always False."""
        if stored is None:
            await self.prepare()
            assert self._decoy is not None
            async with self._slots:
                await asyncio.to_thread(verify_password, password, self._decoy)
            return False
        async with self._slots:
            return await asyncio.to_thread(verify_password, password, stored)
