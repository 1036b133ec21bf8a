"""Adapters: the translator to the published contract, the tables and their repositories, the
unit of work, and the read side (pages, search)."""
