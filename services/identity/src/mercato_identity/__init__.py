"""Mercato's identity service: accounts, sign-in sessions, partner apps, sellers' grants,
partner-site sign-in, and the keys that sign every token Mercato's services trust.

domain/        accounts, sessions, apps, grants, codes, keys: standard library and the kit's
               domain/errors/ids only
application/   handlers `verb(command, uow, *, collaborators)`: load, decide, save
adapters/      tables, one repository module per aggregate, the unit of work, the translator to
               the contract, the key ring, migrations
entrypoints/   grpc_api/ (one module per servicer), main() and the operator's command line
bootstrap.py   the composition root
"""
