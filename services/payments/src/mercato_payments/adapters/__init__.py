"""Adapters: the translator to the published contract, the simulated payment provider, and the
sellers' payables table with its migrations."""
