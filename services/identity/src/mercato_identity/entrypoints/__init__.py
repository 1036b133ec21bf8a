"""Entry points: the gRPC API (grpc_api/, one module per servicer), main() and the operator's
command line (admin)."""
