"""Mercato's payments service (see docs/architecture.md for the shape)."""
