"""The template service: wishlists, built the way every Mercato service is (docs/architecture.md).

domain/        the aggregate, its events and commands: standard library and mercato_kit.domain only
application/   handlers: load, decide, save, inside one unit of work
adapters/      the translator (domain <-> protobuf), the projection's table and its migrations
entrypoints/   the gRPC servicer and main()
bootstrap.py   the composition root: wires adapters into the kit's runtime
"""
