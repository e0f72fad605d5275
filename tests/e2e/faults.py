"""Faults injected into the applied local stack, each for one block and then undone exactly.

A fault is a function configuration changed and restored in `finally` (the emulator resets a
function's warm sandboxes when its configuration changes), so the stack is as applied when the
teardown test re-plans it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator

from tests.conftest import LocalAws


@contextlib.contextmanager
def fault(local_aws: LocalAws, function: str, change: Callable[[dict], dict]) -> Iterator[None]:
    """Change a function's handler or environment for the block, then restore it exactly."""
    client = local_aws.client("lambda")
    config = client.get_function_configuration(FunctionName=function)
    saved = {
        "Handler": config["Handler"],
        "Environment": {"Variables": config.get("Environment", {}).get("Variables", {})},
    }
    client.update_function_configuration(
        FunctionName=function, **change(json.loads(json.dumps(saved)))
    )
    try:
        yield
    finally:
        client.update_function_configuration(FunctionName=function, **saved)


def env(**changes: str) -> Callable[[dict], dict]:
    def change(saved: dict) -> dict:
        saved["Environment"]["Variables"].update(changes)
        return {"Environment": saved["Environment"]}

    return change


def handler(name: str) -> Callable[[dict], dict]:
    return lambda _saved: {"Handler": name}


@contextlib.contextmanager
def unanswering_endpoint() -> Iterator[str]:
    """An HTTP endpoint that accepts connections and never answers: a call to it blocks until
    the block ends (its connections are then closed, so the caller fails at once)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for connection in held:
            connection.close()
