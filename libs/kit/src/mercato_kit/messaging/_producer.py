"""The one way the kit builds a Kafka producer: idempotent, acknowledged by all in-sync replicas."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

__all__ = ["create_producer"]


def create_producer(
    bootstrap_servers: str,
    *,
    client_id: str | None = None,
    linger_ms: int = 0,
    request_timeout_ms: int = 30_000,
    max_batch_size: int = 64 * 1024,
    compression_type: str | None = None,
) -> AIOKafkaProducer:
    """A new (not yet started) aiokafka producer for event publication.

    Idempotence and `acks="all"` are set explicitly: a retried send is written once, in the
    order it was sent (aiokafka keeps one request in flight per partition), and an acknowledged
    record survives the loss of the leader. Call it inside a running event loop; start the
    producer with `await producer.start()` (or let `KafkaPublisher` do it).
    """
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=linger_ms,
        request_timeout_ms=request_timeout_ms,
        max_batch_size=max_batch_size,
        compression_type=compression_type,
    )
