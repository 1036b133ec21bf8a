"""Mercato's logistics service (see docs/architecture.md for the shape)."""
