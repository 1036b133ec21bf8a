"""Entry points: the gRPC API and main()."""
