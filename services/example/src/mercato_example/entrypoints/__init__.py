"""Entry points: gRPC in (grpc_api), Kafka in (consumer), and main()."""
