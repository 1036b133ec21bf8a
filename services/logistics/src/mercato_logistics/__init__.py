"""Mercato's logistics service: shipments of orders, handed to carriers, tracked to the end.

domain/        the Shipment aggregate, its events and commands, the carrier rules
application/   handlers: load, decide, save, through one unit of work
adapters/      the translator (domain <-> protobuf), the unit of work (uow.shipments,
               uow.summaries), the carriers' shipment index, migrations
entrypoints/   the gRPC servicer and main()
simulator/     a carrier app for the demo and the tests (`python -m mercato_logistics.simulator`)
bootstrap.py   the composition root: wires adapters into the kit's runtime
"""
