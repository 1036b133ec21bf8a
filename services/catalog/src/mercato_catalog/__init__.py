"""Mercato's catalog service (see docs/architecture.md for the shape)."""
