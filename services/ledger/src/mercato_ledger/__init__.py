"""Mercato's ledger: the double-entry journal derived from the event log, and its projections."""
