"""Mercato's orders service: orders and the saga that takes them from placement to payout."""
