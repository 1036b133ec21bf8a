"""The one error this package raises."""

from __future__ import annotations


class InfraError(RuntimeError):
    """The local broker or database could not be installed, started, reached or stopped.

    The message says which and why, with the tail of the process log where there is one.
    """
