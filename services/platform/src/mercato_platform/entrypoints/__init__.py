"""Entry points: gRPC in (grpc_api), HTTP in (http_api: Server-Sent Events, the JSON API,
OpenAPI), Kafka in (consumer), background work (workers: the feed follower, the webhook
dispatcher, retention, the stream watch), and main()."""
