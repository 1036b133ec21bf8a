"""Adapters: tables and one repository module per aggregate (SQLite or PostgreSQL), the unit of
work over them (unit_of_work), the translator to the published contract, the signing-key ring,
and the migrations."""
