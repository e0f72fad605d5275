"""The emulator process: moto's server on 127.0.0.1 with this project's patches applied."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def serve(port: int, state_dir: Path) -> None:
    # moto's Step Functions interpreter calls back into this server on MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from .lambda_runtime import LambdaRuntime
    from .patches import apply_all, lambda_cors_preflight

    apply_all(LambdaRuntime(state_dir, f"http://127.0.0.1:{port}"))
    app = lambda_cors_preflight(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"local AWS listening on http://127.0.0.1:{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
