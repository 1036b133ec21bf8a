"""Adapters: the translator to the published contract, and the carriers' shipment index."""
