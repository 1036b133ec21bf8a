"""Mercato's catalog service: shops, products and SKUs, prices, stock and stock reservations
for orders, and search (docs/architecture.md gives the shape).

domain/        Shop, Product, Reservation: standard library and mercato_kit.domain/errors only
application/   handlers (load, decide, save) and the repository ports they use
adapters/      tables and migrations, repositories (stock locking: adapters/reservations.py),
               the outbox recorder, search and pages, the translator to the protobuf contract
entrypoints/   the gRPC servicer, the reservation sweeper, main()
bootstrap.py   the composition root
"""
