"""Cold start: importing a handler stays cheap (no Pillow, no X-Ray SDK, no AWS clients)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HANDLERS = [
    "start_execution",
    "extract_metadata",
    "transform_metadata",
    "detect_labels",
    "generate_thumbnail",
    "store_metadata",
    "record_failure",
    "describe_execution",
]

PROBE = """
import json, sys, time
start = time.perf_counter()
import image_pipeline.handlers.{name} as module
elapsed = time.perf_counter() - start
heavy = ("PIL", "aws_xray_sdk", "boto3", "botocore.client")
heavy = [m for m in heavy if m in sys.modules]
print(json.dumps({{"seconds": elapsed, "heavy": heavy, "callable": callable(module.handler)}}))
"""


@pytest.mark.parametrize("name", HANDLERS)
def test_handler_import_is_light(name):
    env = {"POWERTOOLS_TRACE_DISABLED": "true", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(name=name)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["callable"]
    assert result["heavy"] == []
    assert result["seconds"] < 1.0  # generous for CI noise; ~60-100 ms measured
