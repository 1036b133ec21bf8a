"""The ledger's adapters: the SQL journal, the translator, the log reader for replays."""
