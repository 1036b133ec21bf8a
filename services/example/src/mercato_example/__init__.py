"""The template service: wishlists, built the way every Mercato service is (docs/architecture.md).

domain/        the aggregate, its events and commands, the summary a list shows: the standard
               library and mercato_kit's domain/errors/ids/money only
application/   handlers `async def verb(command, uow)`: load, decide, save, inside one unit of
               work; ports.py says what they need of it
adapters/      translator.py (the only module importing both the domain and the generated
               protobuf code), the unit of work (a SqlUnitOfWork subclass: `uow.wishlists`,
               `uow.summaries`), the summaries projection and its migrations
entrypoints/   grpc_api.py (gRPC in), consumer.py (Kafka in: the projection), main.py
bootstrap.py   the composition root: wires adapters into the kit's runtime
settings.py    ExampleSettings: the kit's ServiceSettings under the EXAMPLE_ prefix
"""
