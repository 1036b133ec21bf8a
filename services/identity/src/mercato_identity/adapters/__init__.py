"""Adapters: tables and repositories (SQLite or PostgreSQL), the translator to the published
contract, the signing-key ring, and the migrations."""
