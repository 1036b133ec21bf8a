"""Mercato's identity service: accounts, sign-in sessions, partner apps, sellers' grants,
partner-site sign-in, and the keys that sign every token Mercato's services trust.

domain/        accounts, sessions, apps, grants, codes, keys: standard library and the kit's
               domain/errors/ids only
application/   handlers: load, decide, save, in a unit of work
adapters/      tables and repositories, the translator to the contract, the key ring, migrations
entrypoints/   the gRPC servicers, main() and the operator's command line
bootstrap.py   the composition root
"""
