"""Identity's handlers: load, decide, save, in the unit of work they are given.

Each is `async def verb(command, uow, *, collaborators)`: the command (or query) first, then the
unit of work, then what else it needs, every one required and keyword-only.

Sign-in and refresh are given the unit-of-work factory and manage their own transactions: the
password check runs between two short ones (it is slow and needs no lock), and a reused refresh
token must end its session even though the call fails.
"""
