"""Adapters: the translator to the published contract, the unit of work, the projection."""
