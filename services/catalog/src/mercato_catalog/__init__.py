"""Mercato's catalog service: shops, products and SKUs, prices, stock and stock reservations
for orders, and search (docs/architecture.md gives the shape).

domain/        Shop, Product, Reservation: standard library and mercato_kit's domain, errors,
               ids and money only
application/   handlers `verb(command, uow, *, collaborators)` (load, decide, save) and the
               repository ports they use
adapters/      tables and migrations, repositories (stock locking: adapters/reservations.py),
               search and pages, the unit of work (the kit's, with these repositories and the
               kit's AggregateOutbox), the translator to the protobuf contract
entrypoints/   the gRPC servicer (writes through the kit's run_once), the reservation
               sweeper, main()
bootstrap.py   the composition root
"""
