"""Gaps in moto 5.2.5 (server mode) that the pipeline or Terraform's AWS provider 5.100.0 hit.

Each patch is one function, applied by ``apply_all``, small enough to go upstream as it is.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, quote_plus

from moto.core.config import default_user_config

from . import distributed_map, express, lambda_identity
from .lambda_runtime import LambdaRuntime
from .stepfunctions_events import (
    events_lambda_targets,
    stepfunctions_execution_status_events,
    stepfunctions_execution_timeout,
    stepfunctions_stop_execution_stops,
)


def run_lambda_code(runtime: LambdaRuntime) -> None:
    """moto 5.2.5 runs Lambda code only in Docker (``LambdaFunction._invoke_lambda``).

    That one method serves the Invoke API, S3 notifications and Step Functions tasks alike;
    ours runs the deployment package in a child Python process instead. moto also marks a
    raised exception ``FunctionError: Handled`` where AWS says ``Unhandled``.
    """
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        result = runtime.invoke(self, {} if event is None else event)
        return result.payload, result.errored, result.log

    original_invoke = LambdaFunction.invoke

    def invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any):
        payload = original_invoke(self, body, request_headers, response_headers)
        if response_headers.get("x-amz-function-error") == "Handled":
            response_headers["x-amz-function-error"] = "Unhandled"
        return payload

    LambdaFunction._invoke_lambda = _invoke_lambda
    LambdaFunction.invoke = invoke


def execute_state_machines() -> None:
    """moto 5.2.5 runs state machines only when its ``execute_state_machine`` setting is on."""
    default_user_config["stepfunctions"] = {"execute_state_machine": True}


def stepfunctions_missing_actions() -> None:
    """moto 5.2.5 lacks two Step Functions actions the provider calls for aws_sfn_state_machine.

    ValidateStateMachineDefinition (at plan, when the definition is known): answer OK when the
    definition parses as JSON with States and StartAt; ListStateMachineVersions (on read): list
    the versions moto already keeps.
    """
    from moto.stepfunctions.responses import StepFunctionResponse

    def validate_state_machine_definition(self: StepFunctionResponse) -> str:
        try:
            definition = json.loads(self._get_param("definition") or "")
            problems = [f"missing {k}" for k in ("StartAt", "States") if k not in definition]
        except (TypeError, ValueError) as exc:
            problems = [f"definition is not JSON: {exc}"]
        diagnostics = [
            {"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": p, "location": "/"}
            for p in problems
        ]
        return json.dumps({"result": "FAIL" if problems else "OK", "diagnostics": diagnostics})

    def list_state_machine_versions(self: StepFunctionResponse) -> str:
        machine = self.stepfunction_backend.describe_state_machine(
            self._get_param("stateMachineArn")
        )
        versions = [
            {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date}
            for v in sorted(machine.versions.values(), key=lambda v: -v.version)
        ]
        return json.dumps({"stateMachineVersions": versions})

    StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition
    StepFunctionResponse.list_state_machine_versions = list_state_machine_versions


def cognito_identity_pool_roles() -> None:
    """moto 5.2.5 lacks SetIdentityPoolRoles and GetIdentityPoolRoles.

    The provider's aws_cognito_identity_pool_roles_attachment calls both (and, without them,
    retries until it times out). Roles are kept on the pool object.
    """
    from moto.cognitoidentity.exceptions import ResourceNotFoundError
    from moto.cognitoidentity.responses import CognitoIdentityResponse

    def _pool(self: CognitoIdentityResponse) -> Any:
        pool_id = self._get_param("IdentityPoolId")
        pool = self.backend.identity_pools.get(pool_id)
        if pool is None:
            raise ResourceNotFoundError(pool_id)
        return pool

    def set_identity_pool_roles(self: CognitoIdentityResponse) -> str:
        pool = _pool(self)
        pool.roles = self._get_param("Roles") or {}
        pool.role_mappings = self._get_param("RoleMappings") or {}
        return ""

    def get_identity_pool_roles(self: CognitoIdentityResponse) -> str:
        pool = _pool(self)
        answer = {"IdentityPoolId": pool.identity_pool_id, "Roles": getattr(pool, "roles", {})}
        if getattr(pool, "role_mappings", None):
            answer["RoleMappings"] = pool.role_mappings
        return json.dumps(answer)

    CognitoIdentityResponse.set_identity_pool_roles = set_identity_pool_roles
    CognitoIdentityResponse.get_identity_pool_roles = get_identity_pool_roles


def cognito_identity_one_id_per_user() -> None:
    """moto 5.2.5's GetId ignores Logins and returns a new random identity id to anyone.

    Cognito takes the ID token of a user pool that the identity pool lists in
    CognitoIdentityProviders (signature, issuer, audience and expiry checked, here with moto's
    own user pool key), and returns the same identity id for that user every time; without
    Logins, a new guest id, and only where the pool allows unauthenticated identities.
    """
    from moto.cognitoidentity.exceptions import ResourceNotFoundError
    from moto.cognitoidentity.responses import CognitoIdentityResponse
    from moto.cognitoidentity.utils import get_random_identity_id

    def get_id(self: CognitoIdentityResponse) -> str:
        pool_id = self._get_param("IdentityPoolId") or ""
        identities = _identity_backend(self.current_account, pool_id)
        pool = identities.identity_pools.get(pool_id)
        if pool is None:
            raise ResourceNotFoundError(pool_id)
        logins = self._get_param("Logins") or {}
        if not logins and not pool.allow_unauthenticated_identities:
            raise _not_authorized("Unauthenticated access is not supported for this identity pool.")
        keys = [f"{p}:{sub}" for p, sub in _verified_logins(self.current_account, pool, logins)]
        linked = pool.__dict__.setdefault("identities_by_login", {})  # "provider:sub" -> id
        identity_id = next((linked[k] for k in keys if k in linked), None)
        if identity_id is None:
            identity_id = get_random_identity_id(pool_id.split(":")[0])
            entry = {"IdentityId": identity_id, "Logins": sorted(logins)}
            identities.pools_identities[pool_id]["Identities"].append(entry)
        linked.update(dict.fromkeys(keys, identity_id))
        return json.dumps({"IdentityId": identity_id})

    CognitoIdentityResponse.get_id = get_id


def cognito_identity_credentials_of_the_pools_role() -> None:
    """moto 5.2.5's GetCredentialsForIdentity returns the same made-up keys for any identity.

    Cognito checks the identity's Logins (a signed-in identity needs a token of its own user),
    assumes the pool's authenticated or unauthenticated role (SetIdentityPoolRoles) as
    cognito-identity.amazonaws.com, which the role's trust policy must let in for this pool
    (``aud``) and kind of identity (``amr``), and returns that session's keys. Here the session
    comes from moto's STS, marked with the identity's claims for ``iam_enforced_for_cognito_keys``.
    """
    from moto.cognitoidentity.exceptions import ResourceNotFoundError
    from moto.cognitoidentity.responses import CognitoIdentityResponse
    from moto.core.exceptions import JsonRESTError
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    from .iam_enforcement import evaluate, policy_document

    def trusted(role_arn: str, account: str, claims: dict[str, list[str]]) -> bool:
        try:
            role = iam_backends[account][_PARTITION].get_role_by_arn(role_arn)
        except Exception:
            return False
        document = policy_document(role.assume_role_policy_document)
        principal = ("Federated", "cognito-identity.amazonaws.com")
        action = "sts:AssumeRoleWithWebIdentity"
        return evaluate([document], action, role_arn, claims, principal) == "Allow"

    def get_credentials_for_identity(self: CognitoIdentityResponse) -> str:
        account, identity_id = self.current_account, self._get_param("IdentityId") or ""
        identities = _identity_backend(account, identity_id)
        pool_id, entry = next(
            (
                (pool_id, entry)
                for pool_id, listed in identities.pools_identities.items()
                for entry in listed["Identities"]
                if entry["IdentityId"] == identity_id and pool_id in identities.identity_pools
            ),
            (None, None),
        )
        if entry is None:
            raise ResourceNotFoundError(identity_id)
        pool = identities.identity_pools[pool_id]
        verified = _verified_logins(account, pool, self._get_param("Logins") or {})
        linked = pool.__dict__.get("identities_by_login", {})
        if any(linked.get(f"{p}:{sub}") != identity_id for p, sub in verified) or (
            entry["Logins"] and not verified
        ):
            raise _not_authorized(f"Access to Identity '{identity_id}' is forbidden.")
        if verified:
            kind, amr = "authenticated", ["authenticated"]
            amr += [p for p, _ in verified] + [f"{p}:CognitoSignIn:{sub}" for p, sub in verified]
        elif pool.allow_unauthenticated_identities:
            kind, amr = "unauthenticated", ["unauthenticated"]
        else:
            raise _not_authorized("Unauthenticated access is not supported for this identity pool.")
        role_arn = (getattr(pool, "roles", None) or {}).get(kind)
        claims = {
            "cognito-identity.amazonaws.com:aud": [pool_id],
            "cognito-identity.amazonaws.com:sub": [identity_id],
            "cognito-identity.amazonaws.com:amr": amr,
        }
        if not role_arn or not trusted(role_arn, account, claims):
            raise JsonRESTError(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        region = identity_id.split(":")[0]
        session = sts_backends[account][get_partition(region)].assume_role_with_web_identity(
            region_name=region,
            role_session_name="CognitoIdentityCredentials",
            role_arn=role_arn,
            policy=None,
            duration=COGNITO_CREDENTIALS_S,
            external_id=None,
        )
        session.cognito_identity = {"sub": identity_id, "aud": pool_id, "amr": amr}
        credentials = {
            "AccessKeyId": session.access_key_id,
            "SecretKey": session.secret_access_key,
            "SessionToken": session.session_token,
            "Expiration": int(time.time()) + COGNITO_CREDENTIALS_S,
        }
        return json.dumps({"IdentityId": identity_id, "Credentials": credentials})

    CognitoIdentityResponse.get_credentials_for_identity = get_credentials_for_identity


COGNITO_CREDENTIALS_S = 3600  # Cognito's credentials last an hour


def _not_authorized(message: str) -> Any:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("NotAuthorizedException", message)


def _identity_backend(account: str, some_id: str) -> Any:
    """The Cognito Identity backend of an identity (pool) id: they begin with their region."""
    from moto.cognitoidentity.exceptions import ResourceNotFoundError
    from moto.cognitoidentity.models import cognitoidentity_backends

    try:
        return cognitoidentity_backends[account][some_id.split(":")[0]]
    except KeyError:
        raise ResourceNotFoundError(some_id) from None


def _verified_logins(account: str, pool: Any, logins: dict[str, str]) -> list[tuple[str, str]]:
    """(provider, sub) of each login whose ID token proves to come from that listed provider."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from moto.cognitoidp.models import cognitoidp_backends

    clients = {p["ProviderName"]: p.get("ClientId") for p in pool.cognito_identity_providers or []}
    verified = []
    for provider, token in logins.items():
        if provider not in clients:
            raise _not_authorized("Token is not from a supported provider of this identity pool.")
        host, _, user_pool_id = provider.partition("/")
        try:  # cognito-idp.<region>.amazonaws.com/<user pool id>
            idp = cognitoidp_backends[account][host.split(".")[1]]
            claims = jwt.decode(token, idp.user_pools[user_pool_id].json_web_key).claims
        except (JoseError, KeyError, IndexError, ValueError):
            raise _not_authorized("Invalid login token. Token signature invalid.") from None
        if claims.get("iss") != f"https://{provider}" or claims.get("token_use") != "id":
            raise _not_authorized("Invalid login token. Issuer doesn't match providerName")
        if clients[provider] and claims.get("aud") != clients[provider]:
            raise _not_authorized("Invalid login token. Incorrect token audience.")
        if float(claims.get("exp", 0)) <= time.time():
            raise _not_authorized("Invalid login token. Token expired.")
        verified.append((provider, claims["sub"]))
    return verified


def iam_enforced_for_cognito_keys() -> None:
    """moto 5.2.5 checks IAM only when its authentication is on, then for every caller, and
    evaluates neither policy variables nor most condition operators.

    Credentials from Cognito Identity (``cognito_identity_credentials_of_the_pools_role``) are the
    browser's:
    on AWS, the assumed role's policies decide what each call may do. Requests signed with them
    are checked against the role's identity-based policies, as IAM evaluates them (see
    ``iam_enforcement``), and a denied call gets the service's AccessDenied. Every other caller
    keeps full access, as before.
    """
    from . import iam_enforcement

    iam_enforcement.install()


def cognito_pre_sign_up_trigger() -> None:
    """moto 5.2.5 never runs a user pool's Lambda triggers: SignUp leaves every user UNCONFIRMED.

    Cognito invokes the PreSignUp function (``LambdaConfig.PreSignUp``) with the documented event
    before it keeps the user, confirms the user when the answer says ``autoConfirmUser``, marks
    the email (phone) verified on ``autoVerifyEmail`` (``autoVerifyPhone``), and fails SignUp
    with UserLambdaValidationException when the function fails.
    """
    from moto.awslambda.models import lambda_backends
    from moto.cognitoidp.models import UserStatus
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.exceptions import JsonRESTError

    original = CognitoIdpResponse.sign_up

    def run_trigger(function_arn: str, event: dict) -> dict:
        region, account = function_arn.split(":")[3:5]
        function = lambda_backends[account][region].get_function(function_arn)
        headers: dict[str, str] = {}
        payload = function.invoke(json.dumps(event), {}, headers)
        answer = json.loads(payload or b"null")
        if "x-amz-function-error" in headers:
            message = answer.get("errorMessage", "") if isinstance(answer, dict) else ""
            raise ValueError(message)
        if not isinstance(answer, dict) or not isinstance(answer.get("response"), dict):
            raise ValueError("Unrecognizable lambda output")
        return answer["response"]

    def sign_up(self: CognitoIdpResponse) -> Any:
        client_id = self._get_param("ClientId")
        idp = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool = next((p for p in idp.user_pools.values() if client_id in p.clients), None)
        lambdas = (pool.extended_config.get("LambdaConfig") or {}) if pool else {}
        if not lambdas.get("PreSignUp"):
            return original(self)
        result = original(self)
        answer = result.result
        user = next(u for u in pool.users.values() if u.id == answer["UserSub"])
        event = {
            "version": "1",
            "triggerSource": "PreSignUp_SignUp",
            "region": pool.region,
            "userPoolId": pool.id,
            "userName": user.username,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown", "clientId": client_id},
            "request": {
                "userAttributes": {k: v for k, v in user.attribute_lookup.items() if k != "sub"},
                "validationData": _attribute_map(self._get_param("ValidationData")),
                "clientMetadata": self._get_param("ClientMetadata") or {},
            },
            "response": {
                "autoConfirmUser": False,
                "autoVerifyEmail": False,
                "autoVerifyPhone": False,
            },
        }
        try:
            response = run_trigger(lambdas["PreSignUp"], event)
        except Exception as exc:
            del pool.users[user.username]
            raise JsonRESTError(
                "UserLambdaValidationException", f"PreSignUp failed with error {exc}."
            ) from None
        verified = [
            f"{name}_verified"
            for name, flag in (("email", "autoVerifyEmail"), ("phone_number", "autoVerifyPhone"))
            if response.get(flag) is True and name in user.attribute_lookup
        ]
        user.update_attributes([{"Name": name, "Value": "true"} for name in verified])
        if response.get("autoConfirmUser") is True:
            user.status = UserStatus.CONFIRMED
            answer["UserConfirmed"] = True
            answer.pop("CodeDeliveryDetails", None)
        return result

    CognitoIdpResponse.sign_up = sign_up


def _attribute_map(attributes: list[dict[str, str]] | None) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in attributes or []}


def s3_event_records() -> None:
    """moto 5.2.5 builds S3 notification records unlike S3 does.

    It percent-encodes "/" in the key (S3 keeps it: ``Incoming/red+flower.jpg``) and leaves
    out ``versionId`` and ``sequencer``, which handlers use to tell uploads apart.
    """
    from moto.s3 import notifications

    original = notifications._get_s3_event

    def _get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str):
        event = original(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            record["userIdentity"] = {"principalId": "local-aws"}
            record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
            record["responseElements"] = {"x-amz-request-id": notification_id}
            obj = record["s3"]["object"]
            obj["key"] = quote_plus(key.name, safe="/")
            obj["sequencer"] = f"{time.time_ns():016X}"
            if getattr(key, "version_id", None) and bucket.is_versioned:
                obj["versionId"] = key.version_id
        return event

    notifications._get_s3_event = _get_s3_event


def stepfunctions_definite_json_paths() -> None:
    """moto 5.2.5 returns a list for a definite path through an array, e.g. ``$.a[1].b``.

    Its ``extract_json`` wraps any match whose parent was an array index (a fix for moto
    issue 7825); Step Functions returns the single value for any path without a wildcard,
    slice, filter or deep scan, and a list only for those.
    """
    import moto.stepfunctions.parser.models  # noqa: F401 - loads every importer of extract_json
    from moto.stepfunctions.parser.asl.utils import json_path

    original = json_path.extract_json

    def extract_json(path: str, data: Any) -> Any:
        if re.search(r"\[\s*(\*|\d*\s*:|\?)|\.\.|,", path):
            return original(path, data)
        matches = json_path.parse(path).find(data)
        if not matches:
            raise json_path.NoSuchJsonPathError(json_path=path, data=data)
        return matches[0].value

    for module in list(sys.modules.values()):
        if getattr(module, "extract_json", None) is original:
            module.extract_json = extract_json


def _rewriting_result(response: Any, call: Any, rewrite: Any) -> Any:
    """Run a moto response method, letting ``rewrite`` amend its result before serialisation."""
    serialized = response.serialized

    def rewritten(action_result: Any) -> Any:
        if isinstance(action_result.result, dict):
            rewrite(action_result.result)
        return serialized(action_result)

    response.serialized = rewritten
    try:
        return call()
    finally:
        del response.serialized  # errors are serialised after this, unchanged


def s3_list_object_versions_url_encoding() -> None:
    """moto 5.2.5 ignores ``encoding-type=url`` in ListObjectVersions.

    The provider asks for it when it empties a bucket (``force_destroy``) and decodes the keys
    it gets back, so a key holding "+" or "%" is never deleted and the destroy loops until
    it times out. Encode keys and prefixes as S3 does.
    """
    from moto.s3.responses import S3Response

    original = S3Response.list_object_versions

    def encode_keys(result: dict[str, Any]) -> None:
        for entry in result["Versions"] + result["DeleteMarkers"]:
            entry["Key"] = quote(entry["Key"])
        for entry in result.get("CommonPrefixes", []):
            entry["Prefix"] = quote(entry["Prefix"])
        result["EncodingType"] = "url"

    def list_object_versions(self: S3Response) -> Any:
        if self.querystring.get("encoding-type", [None])[0] != "url":
            return original(self)
        return _rewriting_result(self, lambda: original(self), encode_keys)

    S3Response.list_object_versions = list_object_versions


def iam_statements_apply_only_when_their_conditions_hold() -> None:
    """moto 5.2.5 applies a policy statement whose Condition it cannot evaluate.

    It knows only ``StringEquals`` and takes any other operator, or a key missing from the
    request, as satisfied; a failed condition even turns an Allow into a Deny. In IAM a
    statement applies only when its conditions hold, and a condition on a key the request does
    not carry (other than ``...IfExists``) does not hold. Without this, a bucket policy that
    denies ``aws:SecureTransport = false`` rejects every request.
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        self: IAMPolicyStatement,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> PermissionResult:
        conditions = self._statement.get("Condition") or {}
        required = {
            key
            for operator, values in conditions.items()
            if not operator.endswith("IfExists")
            for key in values
        }
        known = set(incoming_condition_values or {})
        if not required <= known or not self._check_conditions(incoming_condition_values):
            return PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted


ASYNC_RETRY_DELAY_S = 1.0  # AWS waits about 1 then 2 minutes between async retries.


def s3_lambda_notifications_are_asynchronous() -> None:
    """moto 5.2.5 invokes an S3 notification's function inside the PUT and drops its errors.

    The function then runs before moto has stored the object's user metadata (HeadObject sees
    none), the uploader waits for it, and a failed event vanishes. S3 invokes asynchronously,
    and Lambda retries a failed event ``MaximumRetryAttempts`` times (2 by default) before
    sending it to the function's on-failure destination. Here events wait until the request
    that raised them has finished, then run on worker threads with those retries.
    """
    from moto.awslambda.models import lambda_backends
    from moto.s3 import notifications
    from moto.s3.responses import S3Response
    from moto.sqs.models import sqs_backends

    pending = threading.local()
    workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="s3-notification")

    def deliver(account_id: str, event: Any, function_arn: str, region: str) -> None:
        function = lambda_backends[account_id][region].get_function(function_arn)
        config = function.event_invoke_config[0].config if function.event_invoke_config else {}
        attempts = 1 + int(config.get("MaximumRetryAttempts", 2))
        for attempt in range(1, attempts + 1):
            headers: dict[str, str] = {}
            payload = function.invoke(
                json.dumps(event), {"x-amz-invocation-type": "Event"}, headers
            )
            if "x-amz-function-error" not in headers:
                return
            if attempt < attempts:
                time.sleep(ASYNC_RETRY_DELAY_S * attempt)
        destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination and destination.split(":")[2] == "sqs":
            record = {
                "version": "1.0",
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "requestContext": {
                    "requestId": str(uuid.uuid4()),
                    "functionArn": f"{function.function_arn}:$LATEST",
                    "condition": "RetriesExhausted",
                    "approximateInvokeCount": attempts,
                },
                "requestPayload": event,
                "responseContext": {
                    "statusCode": 200,
                    "executedVersion": "$LATEST",
                    "functionError": "Unhandled",
                },
                "responsePayload": json.loads(payload),
            }
            _, _, _, queue_region, queue_account, queue_name = destination.split(":")
            sqs_backends[queue_account][queue_region].send_message(queue_name, json.dumps(record))

    def submit(*args: Any) -> None:
        future = workers.submit(deliver, *args)
        future.add_done_callback(lambda f: f.exception() and print(f"S3 event: {f.exception()!r}"))

    def invoke_later(account_id: str, event: Any, function_arn: str, region: str) -> None:
        queue = getattr(pending, "events", None)
        if queue is None:
            submit(account_id, event, function_arn, region)
        else:
            queue.append((account_id, event, function_arn, region))

    def after_request(original: Any) -> Any:
        def handler(self: S3Response, *args: Any, **kwargs: Any) -> Any:
            if getattr(pending, "events", None) is not None:
                return original(self, *args, **kwargs)
            pending.events = []
            try:
                return original(self, *args, **kwargs)
            finally:
                events, pending.events = pending.events, None
                for queued in events:
                    submit(*queued)

        return handler

    notifications._invoke_awslambda = invoke_later
    S3Response.key_response = after_request(S3Response.key_response)
    S3Response.bucket_response = after_request(S3Response.bucket_response)


def lambda_cors_preflight(app: Any) -> Any:
    """moto 5.2.5 answers a browser's preflight (OPTIONS) for Lambda Invoke with 403.

    Lambda's endpoint accepts cross-origin calls from the browser SDK, as the web app's
    describe_execution call needs. Wraps the WSGI app; S3 keeps its own per-bucket CORS rules.
    """

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "OPTIONS" and path.startswith("/2015-03-31/functions/"):
            headers = [
                ("Access-Control-Allow-Origin", environ.get("HTTP_ORIGIN", "*")),
                ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"),
                (
                    "Access-Control-Allow-Headers",
                    environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "*"),
                ),
                ("Access-Control-Max-Age", "600"),
                ("Content-Length", "0"),
            ]
            start_response("200 OK", headers)
            return [b""]
        return app(environ, start_response)

    return wrapped


def rekognition_labels_from_the_image() -> None:
    """moto 5.2.5 answers DetectLabels with one canned label and never looks at the image.

    Here the image is read as Rekognition reads it (``S3Object`` from the emulator's S3, or
    ``Bytes``; a missing object is ``InvalidS3ObjectException``), handed to a labeller, and
    the answer honours ``MaxLabels`` and ``MinConfidence``. The labeller is moto's canned one
    unless ``LOCAL_AWS_LABELLER=/path/to/file.py:function`` names another: the seam where a
    real local model can plug in. It gets ``(image_bytes)`` and returns Rekognition labels.
    As Rekognition does, it refuses an S3 object over 15 MB or ``Bytes`` over 5 MB
    (ImageTooLargeException) and anything but a JPEG or PNG (InvalidImageFormatException).
    """
    from moto.rekognition.responses import RekognitionResponse

    labeller = _load_labeller(os.environ.get("LOCAL_AWS_LABELLER", ""))

    def detect_labels(self: RekognitionResponse) -> str:
        data = _rekognition_image(self)
        canned, properties, version = self.rekognition_backend.detect_labels()
        labels = labeller(data) if labeller else canned
        minimum = float(self._get_param("MinConfidence", 55))
        kept = [label for label in labels if label.get("Confidence", 0) >= minimum]
        kept = kept[: int(self._get_param("MaxLabels") or 1000)]
        answer = {"Labels": kept, "ImageProperties": properties, "LabelModelVersion": version}
        return json.dumps(answer)

    RekognitionResponse.detect_labels = detect_labels


def _rekognition_image(response: Any) -> bytes:
    """The bytes of a Rekognition request's ``Image`` (``S3Object`` from the emulator's S3, or
    ``Bytes``), refused as Rekognition refuses them: too large, or not a JPEG or PNG."""
    from moto.core.exceptions import JsonRESTError
    from moto.s3.models import s3_backends

    image = response._get_param("Image") or {}
    if "S3Object" in image:
        ref = image["S3Object"]
        s3 = s3_backends[response.current_account][_PARTITION]
        key = s3.get_object(ref.get("Bucket", ""), ref.get("Name", ""), ref.get("Version"))
        if key is None:
            message = "Unable to get object metadata from S3."
            raise JsonRESTError("InvalidS3ObjectException", message)
        data: bytes = key.value
        limit = REKOGNITION_S3_IMAGE_MAX_BYTES
    else:
        data = base64.b64decode(image.get("Bytes", ""))
        limit = REKOGNITION_BYTES_IMAGE_MAX_BYTES
    if len(data) > limit:
        raise JsonRESTError("ImageTooLargeException", "Image size is too large.")
    if not data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        raise JsonRESTError("InvalidImageFormatException", "Request has invalid image format")
    return data


def stand_in_moderation_labels(data: bytes) -> list[dict[str, Any]]:
    """The emulator's DetectModerationLabels answer when no moderator is named: one label whose
    confidence comes from the image's SHA-256 (0-100), so the same file always gets the same
    answer and, at the default MinConfidence of 50, about half of all files are flagged."""
    confidence = round(hashlib.sha256(data).digest()[0] * 100 / 255, 2)
    return [{"Name": "Suggestive", "ParentName": "", "TaxonomyLevel": 1, "Confidence": confidence}]


def rekognition_moderation_labels() -> None:
    """moto 5.2.5 has no DetectModerationLabels (the pipeline's optional moderation branch).

    It reads the image as DetectLabels does here (and refuses what Rekognition refuses),
    hands it to ``LOCAL_AWS_MODERATOR=/path/to/file.py:function`` when set (it gets the bytes
    and returns Rekognition moderation labels) or to ``stand_in_moderation_labels``, and keeps
    the labels at or above ``MinConfidence`` (default 50), as Rekognition does.
    """
    from moto.rekognition.responses import RekognitionResponse

    moderator = _load_labeller(os.environ.get("LOCAL_AWS_MODERATOR", "")) or (
        stand_in_moderation_labels
    )

    def detect_moderation_labels(self: RekognitionResponse) -> str:
        data = _rekognition_image(self)
        minimum = float(self._get_param("MinConfidence", 50))
        kept = [label for label in moderator(data) if label.get("Confidence", 0) >= minimum]
        return json.dumps({"ModerationLabels": kept, "ModerationModelVersion": "7.0"})

    RekognitionResponse.detect_moderation_labels = detect_moderation_labels


_PARTITION = "aws"
# https://docs.aws.amazon.com/rekognition/latest/dg/limits.html: 15 MB in S3, 5 MB as Bytes.
REKOGNITION_S3_IMAGE_MAX_BYTES = 15 * 1024 * 1024
REKOGNITION_BYTES_IMAGE_MAX_BYTES = 5 * 1024 * 1024


def stepfunctions_aws_sdk_error_names() -> None:
    """moto 5.2.5 names an ``aws-sdk`` Task's service errors after the lower-case service in
    the resource (``rekognition.InvalidImageFormatException``), so a Retry or Catch on AWS's
    name never matches. AWS composes ``ServiceName.ErrorName``, both in Pascal case, with the
    exception prefix its AWS SDK integrations table lists per service (``Rekognition``,
    ``S3``, ``DynamoDb``, ``Sfn``, ...): ``Rekognition.InvalidImageFormatException``.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    aws_sdk._SERVICE_ERROR_NAMES.update(AWS_SDK_ERROR_PREFIXES)
    original = aws_sdk.StateTaskServiceAwsSdk._normalise_service_error_name

    def _normalise_service_error_name(service_name: str) -> str:
        if service_name.lower() in aws_sdk._SERVICE_ERROR_NAMES:
            return original(service_name)
        return service_name[:1].upper() + service_name[1:]

    aws_sdk.StateTaskServiceAwsSdk._normalise_service_error_name = staticmethod(
        _normalise_service_error_name
    )


# The "Exception prefix" column of AWS's table, where it is not the name capitalised.
AWS_SDK_ERROR_PREFIXES = {
    "dynamodb": "DynamoDb",
    "sfn": "Sfn",
    "acmpca": "AcmPca",
    "secretsmanager": "SecretsManager",
    "cloudformation": "CloudFormation",
    "cloudwatch": "CloudWatch",
    "cloudwatchlogs": "CloudWatchLogs",
    "eventbridge": "EventBridge",
    "apigateway": "ApiGateway",
}


def _load_labeller(spec: str) -> Any:
    if not spec:
        return None
    path, _, name = spec.rpartition(":")
    module_spec = importlib.util.spec_from_file_location("local_aws_labeller", path)
    if not path or module_spec is None or module_spec.loader is None:
        raise SystemExit(f"a labeller must be /path/to/file.py:function, not {spec!r}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, name)


def s3_preflight_before_object_checks() -> None:
    """moto 5.2.5 answers a browser's preflight (OPTIONS) on an existing object with 403.

    ``S3Response._key_response`` runs its anonymous-access check (an unsigned request on an
    object without a public ACL) before it reaches the OPTIONS branch, so a preflight, which is
    never signed, is refused for every object that exists, and a browser cannot GET its own
    photo's thumbnail with the SDK. S3 answers a preflight from the bucket's CORS configuration
    alone; so does this.
    """
    from moto.s3.responses import S3Response

    original = S3Response._key_response

    def _key_response(self: Any, request: Any, full_url: str) -> Any:
        if request.method == "OPTIONS":
            bucket_name = self.parse_bucket_name_from_url(request, full_url)
            return self._response_options(request.headers, bucket_name)
        return original(self, request, full_url)

    S3Response._key_response = _key_response


def s3_versioned_removal_events() -> None:
    """moto 5.2.5 sends S3's ObjectRemoved notifications only when a key's last version goes.

    On a versioned bucket, S3 sends ``ObjectRemoved:DeleteMarkerCreated`` (the marker's
    ``versionId``) for a DeleteObject without VersionId, and ``ObjectRemoved:Delete`` (the
    deleted ``versionId``) for every version deleted; moto sends nothing for the first and, for
    the second, one event only when no version is left. Removal records carry neither ``eTag``
    nor ``size`` (S3 leaves them out); moto puts both in.
    """
    from moto.s3 import notifications
    from moto.s3.models import S3Backend

    quiet = threading.local()
    original_send = notifications.send_event
    original_record = notifications._get_s3_event
    original_delete = S3Backend.delete_object

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        if not getattr(quiet, "on", False):
            original_send(account_id, event_name, bucket, key)

    def _get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str):
        if "ObjectRemoved" not in event_name:
            return original_record(event_name, bucket, key, notification_id)
        stand_in = SimpleNamespace(name=key.name, version_id=key.version_id, etag="", size=0)
        event = original_record(event_name, bucket, stand_in, notification_id)
        for record in event["Records"]:
            record["s3"]["object"].pop("eTag", None)
            record["s3"]["object"].pop("size", None)
        return event

    def delete_object(
        self: S3Backend,
        bucket_name: str,
        key_name: str,
        version_id: str | None = None,
        bypass: bool = False,
    ) -> Any:
        bucket = self.get_bucket(bucket_name)
        if not bucket.is_versioned:
            return original_delete(self, bucket_name, key_name, version_id, bypass)
        versions = bucket.keys.getlist(key_name, []) if key_name in bucket.keys else []
        deleted = next((v for v in versions if str(v.version_id) == str(version_id)), None)
        quiet.on = True
        try:
            success, meta = original_delete(self, bucket_name, key_name, version_id, bypass)
        finally:
            quiet.on = False
        if success and version_id is None:
            marker = bucket.keys[key_name]
            original_send(
                self.account_id,
                notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
                bucket,
                marker,
            )
        elif success and deleted is not None:
            original_send(
                self.account_id,
                notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_EVENT,
                bucket,
                deleted,
            )
        return success, meta

    notifications.send_event = send_event
    notifications._get_s3_event = _get_s3_event
    S3Backend.delete_object = delete_object


def s3_version_listing_survives_concurrent_deletes() -> None:
    """moto 5.2.5's ListObjectVersions answers 500 when a key's last version is deleted while
    it lists the bucket (TypeError: 'NoneType' object is not iterable).

    ``_VersionedKeyStore._iterlists`` walks a copy of the keys, then asks for each key's
    versions; a key deleted in between gives None. S3 lists what exists when it reads each
    key: here such a key is skipped, as if the listing had come a moment later.
    """
    from moto.s3.utils import _VersionedKeyStore

    def iterlists(self: _VersionedKeyStore) -> Any:
        for key in self._self_iterable():
            versions = self.getlist(key)
            if versions is not None:
                yield key, versions

    _VersionedKeyStore.lists = _VersionedKeyStore.iterlists = iterlists


def s3_delete_markers_can_be_disposed() -> None:
    """moto 5.2.5 cannot delete a key whose versions include a delete marker once versioning is
    suspended (Terraform suspends it before emptying a bucket with force_destroy).

    Popping the key disposes every version, and ``FakeDeleteMarker`` has no ``dispose``: the
    DeleteObjects answers 500 (AttributeError). A delete marker holds no data to release.
    """
    from moto.s3.models import FakeDeleteMarker

    FakeDeleteMarker.dispose = lambda self, garbage=False: None


def dynamodb_index_projection_by_attribute() -> None:
    """moto 5.2.5 projects a KEYS_ONLY or INCLUDE index's attributes through ``Item.project``,
    which turns the whole item back into plain JSON once per projected attribute: about 4 ms an
    item, 0.6 s for a Query of 500 items (store_metadata queries an owner's photos for every
    upload). An index projects top-level attributes only: they are taken from the item as
    they are.
    """
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import SecondaryIndex

    def project(self: SecondaryIndex, item: Item) -> Item:
        kind = (self.projection or {}).get("ProjectionType")
        if kind not in ("KEYS_ONLY", "INCLUDE"):
            return item  # ALL: the item itself
        names = self.table_key_attrs + [key["AttributeName"] for key in self.schema]
        if kind == "INCLUDE":
            names += self.projection.get("NonKeyAttributes", [])
        attrs = {name: item.attrs[name].to_json() for name in names if name in item.attrs}
        return Item(hash_key=item.hash_key, range_key=item.range_key, attrs=attrs)

    SecondaryIndex.project = project


def apply_all(runtime: LambdaRuntime) -> None:
    run_lambda_code(runtime)
    lambda_identity.lambda_context_identity_of_cognito_callers()
    s3_event_records()
    s3_versioned_removal_events()
    s3_delete_markers_can_be_disposed()
    s3_version_listing_survives_concurrent_deletes()
    s3_lambda_notifications_are_asynchronous()
    s3_list_object_versions_url_encoding()
    iam_statements_apply_only_when_their_conditions_hold()
    rekognition_labels_from_the_image()
    rekognition_moderation_labels()
    dynamodb_index_projection_by_attribute()
    stepfunctions_aws_sdk_error_names()
    stepfunctions_definite_json_paths()
    execute_state_machines()
    stepfunctions_missing_actions()
    s3_preflight_before_object_checks()
    stepfunctions_execution_status_events()
    stepfunctions_stop_execution_stops()
    stepfunctions_execution_timeout()
    distributed_map.apply_all()
    express.apply_all()
    events_lambda_targets()
    cognito_identity_pool_roles()
    cognito_identity_one_id_per_user()
    cognito_identity_credentials_of_the_pools_role()
    cognito_pre_sign_up_trigger()
    iam_enforced_for_cognito_keys()
