"""Adapters of the orders service (phase 2: gRPC gateways, translator, projections)."""
