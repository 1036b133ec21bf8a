"""Entry points of the orders service."""
