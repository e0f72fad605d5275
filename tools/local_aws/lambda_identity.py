"""A Lambda invoked with credentials Cognito Identity issued knows who called it.

moto 5.2.5 gives no caller identity to a function: on AWS, a synchronous Invoke signed with a
Cognito identity's credentials hands the handler ``context.identity`` with
``cognito_identity_id`` and ``cognito_identity_pool_id`` (the web app's reprocess function acts
only on the caller's own photos by it). Here the Invoke request's access key is looked up as
``iam_enforcement`` does, and its identity travels with the event to the sandbox.
"""

from __future__ import annotations

import re
import threading
from typing import Any

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/")
_caller = threading.local()


def current() -> dict[str, str] | None:
    """The Cognito identity of the Invoke being served on this thread, if any."""
    return getattr(_caller, "identity", None)


def _identity(headers: Any) -> dict[str, str] | None:
    from .iam_enforcement import cognito_session

    match = _CREDENTIAL.search(str(headers.get("Authorization") or ""))
    if not match:
        return None
    session = cognito_session(*match.groups())
    if session is None:
        return None
    claims = session.cognito_identity
    return {"cognitoIdentityId": claims["sub"], "cognitoIdentityPoolId": claims["aud"]}


def lambda_context_identity_of_cognito_callers() -> None:
    """``LambdaFunction.invoke`` (the Invoke API, synchronous) notes the caller's Cognito
    identity for the runtime (``LambdaRuntime.invoke`` reads ``current()``)."""
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.invoke

    def invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any):
        _caller.identity = _identity(request_headers or {})
        try:
            return original(self, body, request_headers, response_headers)
        finally:
            _caller.identity = None

    LambdaFunction.invoke = invoke
