"""`mercato health [ADDRESS]`: ask a service's gRPC health service whether it is SERVING.

The containers' HEALTHCHECK: exit 0 when SERVING, 1 otherwise (not serving, unreachable,
timed out), one line on stderr saying which. The address defaults to `MERCATO_HEALTH_ADDR`.
"""

from __future__ import annotations

import grpc
import typer
from grpc_health.v1 import health_pb2, health_pb2_grpc


def health(
    address: str = typer.Argument(
        ..., envvar="MERCATO_HEALTH_ADDR", help="host:port of the service's gRPC server."
    ),
    service: str = typer.Option("", "--service", help="The service name to ask about ('': all)."),
    timeout: float = typer.Option(3.0, "--timeout", min=0.1, help="Seconds to wait."),
) -> None:
    """Exit 0 when the service at ADDRESS answers SERVING on the gRPC health service."""
    with grpc.insecure_channel(address) as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError as exc:
            typer.echo(f"{address}: {exc.code().name}", err=True)
            raise typer.Exit(code=1) from exc
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
    if answer.status != health_pb2.HealthCheckResponse.SERVING:
        typer.echo(f"{address}: {status}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"{address}: {status}", err=True)
