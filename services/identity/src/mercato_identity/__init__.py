"""Mercato's identity service (see docs/architecture.md for the shape)."""
