"""IAM for the credentials Cognito Identity hands out: identity policies, as AWS evaluates them.

A request signed with such credentials (an STS session that ``GetCredentialsForIdentity`` marked
with its identity's claims, ``cognito_identity``) is checked against the assumed role's inline and
attached policies before moto runs it: the action and resource the request touches, policy
variables (``${cognito-identity.amazonaws.com:sub}``, ``${aws:userid}``, ...) and conditions on the
request context (``dynamodb:LeadingKeys``, ``dynamodb:Attributes``, ``s3:prefix``, ...). An explicit
Deny wins, then any Allow, else the request is denied in the service's own AccessDenied shape.
Every other caller (Terraform's keys, the tests' test/test, functions the emulator runs) keeps
moto's behaviour: full access. Resource-based policies (bucket policies) stay moto's business.

``aws:SecureTransport`` is "true": the emulator serves plain http on 127.0.0.1 only, where AWS is
reached over TLS, so an identity policy that requires TLS must see what it would see on AWS.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote

Context = dict[str, list[str]]  # lower-cased condition key -> its values (several: multivalued)

# ---------------------------------------------------------------------------------------------
# Policy evaluation


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _regex(text: str, context: Context, wildcards: bool) -> str | None:
    """``text`` as a regex, its policy variables replaced; None when one has no single value."""
    out, pos = [], 0

    def literal(part: str) -> str:
        if not wildcards:
            return re.escape(part)
        return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in part)

    for match in _VARIABLE.finditer(text):
        values = context.get(match.group(1).strip().lower())
        if not values or len(values) != 1:
            return None
        out += [literal(text[pos : match.start()]), re.escape(values[0])]
        pos = match.end()
    out.append(literal(text[pos:]))
    return "".join(out)


def _matches(pattern: str, value: str, context: Context, wildcards=True, ignore_case=False) -> bool:
    regex = _regex(pattern, context, wildcards)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return regex is not None and re.fullmatch(regex, value, flags) is not None


def _arn_matches(pattern: str, value: str, context: Context) -> bool:
    """ArnEquals and ArnLike alike: each of the six ARN parts matched on its own, with wildcards."""
    parts, values = pattern.split(":", 5), value.split(":", 5)
    return len(parts) == len(values) == 6 and all(
        _matches(p, v, context) for p, v in zip(parts, values, strict=True)
    )


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(compare: Any) -> Any:
    def test(p: str, v: str, _: Context) -> bool:
        a, b = _number(v), _number(p)
        return a is not None and b is not None and compare(a, b)

    return test


# operator -> (does one context value match one policy value, is the operator negated)
_OPERATORS: dict[str, tuple[Any, bool]] = {
    "StringEquals": (lambda p, v, c: _matches(p, v, c, wildcards=False), False),
    "StringNotEquals": (lambda p, v, c: _matches(p, v, c, wildcards=False), True),
    "StringEqualsIgnoreCase": (lambda p, v, c: _matches(p, v, c, False, True), False),
    "StringNotEqualsIgnoreCase": (lambda p, v, c: _matches(p, v, c, False, True), True),
    "StringLike": (_matches, False),
    "StringNotLike": (_matches, True),
    "ArnEquals": (_arn_matches, False),
    "ArnLike": (_arn_matches, False),
    "ArnNotEquals": (_arn_matches, True),
    "ArnNotLike": (_arn_matches, True),
    "Bool": (lambda p, v, _: p.lower() == v.lower(), False),
    "NumericEquals": (_numeric(lambda a, b: a == b), False),
    "NumericNotEquals": (_numeric(lambda a, b: a == b), True),
    "NumericLessThan": (_numeric(lambda a, b: a < b), False),
    "NumericLessThanEquals": (_numeric(lambda a, b: a <= b), False),
    "NumericGreaterThan": (_numeric(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, b: a >= b), False),
}


def _as_strings(values: Any) -> list[str]:
    values = values if isinstance(values, list) else [values]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values]


def _condition_holds(operator: str, key: str, policy_values: Any, context: Context) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    expected = _as_strings(policy_values)
    values = context.get(key.lower()) or []
    if base == "Null":
        return (not values) == (expected[0].lower() == "true")
    if base not in _OPERATORS:
        print(f"local AWS: condition operator {operator} is not evaluated; the condition fails")
        return False
    test, negated = _OPERATORS[base]

    def one(value: str) -> bool:
        return any(test(p, value, context) for p in expected) != negated

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)  # true for a key absent or empty, as in IAM
    if qualifier == "ForAnyValue":
        return any(one(v) for v in values)
    if not values:
        return if_exists or negated
    return all(one(v) for v in values) if negated else any(one(v) for v in values)


def _element_matches(statement: dict, name: str, value: str, test: Any) -> bool | None:
    """Whether Action/Resource (or NotAction/NotResource) covers ``value``; None if neither."""
    for key, inverted in ((name, False), (f"Not{name}", True)):
        if key in statement:
            return any(test(p, value) for p in _as_strings(statement[key])) != inverted
    return None


def _principal_matches(statement: dict, principal: tuple[str, str]) -> bool:
    given = statement.get("Principal")
    if given == "*":
        return True
    if not isinstance(given, dict):
        return False
    kind, name = principal
    return any(p in ("*", name) for p in _as_strings(given.get(kind, [])))


def _applies(statement: dict, action: str, resource: str, context: Context, principal: Any) -> bool:
    def resource_test(p: str, v: str) -> bool:
        return _matches(p, v, context)

    if not _element_matches(
        statement, "Action", action, lambda p, v: _matches(p, v, {}, ignore_case=True)
    ):
        return False
    covered = _element_matches(statement, "Resource", resource, resource_test)
    if principal is None:  # an identity policy: no Principal, and a Resource is required
        if "Principal" in statement or "NotPrincipal" in statement or not covered:
            return False
    elif not _principal_matches(statement, principal) or covered is False:
        return False
    return all(
        _condition_holds(operator, key, values, context)
        for operator, block in (statement.get("Condition") or {}).items()
        for key, values in block.items()
    )


def evaluate(
    documents: list[dict],
    action: str,
    resource: str,
    context: Context,
    principal: tuple[str, str] | None = None,
) -> str:
    """ "Deny", "Allow" or "ImplicitDeny" for ``action`` on ``resource`` under these policies.

    With ``principal`` (e.g. ``("Federated", "cognito-identity.amazonaws.com")``) the documents
    are trust policies: statements must name that principal and may leave out Resource.
    """
    allowed = False
    for document in documents:
        statements = document.get("Statement") or []
        for statement in statements if isinstance(statements, list) else [statements]:
            if not _applies(statement, action, resource, context, principal):
                continue
            if statement.get("Effect") == "Deny":
                return "Deny"
            allowed = allowed or statement.get("Effect") == "Allow"
    return "Allow" if allowed else "ImplicitDeny"


def policy_document(text: Any) -> dict:
    """A stored policy document: JSON, perhaps URL-encoded as IAM returns it."""
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


# ---------------------------------------------------------------------------------------------
# The request: who signed it, and what it asks for

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")


def _credentials(r: Any) -> tuple[str, str, str, str | None] | None:
    """(access key id, region, service, session token): from the Authorization header or a
    presigned URL, SigV4 or (S3 only) SigV2."""
    authorization = r.headers.get("Authorization") or ""
    query = {k.lower(): v[0] for k, v in parse_qs(r.parsed_url.query).items()}
    token = r.headers.get("X-Amz-Security-Token") or query.get("x-amz-security-token")
    match = _CREDENTIAL.search(authorization)
    if match:
        return (*match.groups(), token)
    if authorization.startswith("AWS "):
        return authorization[4:].split(":")[0], r.region, "s3", token
    parts = query.get("x-amz-credential", "").split("/")
    if len(parts) >= 4:
        return parts[0], parts[2], parts[3], token
    if query.get("awsaccesskeyid"):
        return query["awsaccesskeyid"], r.region, "s3", token
    return None


def cognito_session(access_key_id: str, region: str) -> Any:
    """The STS session behind these keys if Cognito Identity issued them, else None."""
    from moto.iam.models import get_account_id_from
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    account = get_account_id_from(access_key_id)
    sts = sts_backends[account][get_partition(region)]
    session = sts.get_assumed_role_from_access_key(access_key_id)
    return session if getattr(session, "cognito_identity", None) else None


def _role_policies(session: Any) -> list[dict]:
    from moto.iam.models import iam_backends

    iam = iam_backends[session.account_id][session.partition]
    role_name = session.role_arn.split("/")[-1]
    try:
        names = iam.list_role_policies(role_name)
        attached, _ = iam.list_attached_role_policies(role_name)
    except Exception:  # the role is gone: nothing allows anything
        return []
    documents = [policy_document(iam.get_role_policy(role_name, n)[1]) for n in names]
    for policy in attached:
        default = next(v for v in policy.versions if v.is_default)
        documents.append(policy_document(default.document))
    return documents


def _session_context(session: Any, region: str) -> Context:
    claims = session.cognito_identity
    return {
        "aws:securetransport": ["true"],  # see the module's docstring
        "aws:principaltype": ["AssumedRole"],
        "aws:principalaccount": [session.account_id],
        "aws:principalarn": [session.role_arn],
        "aws:userid": [session.user_id],
        "aws:requestedregion": [region],
        "cognito-identity.amazonaws.com:sub": [claims["sub"]],
        "cognito-identity.amazonaws.com:aud": [claims["aud"]],
        "cognito-identity.amazonaws.com:amr": list(claims["amr"]),
    }


# S3 requests whose moto action name is not the IAM action's
_S3_ACTIONS = {
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListBuckets": "ListAllMyBuckets",
}


def _s3_checks(r: Any, resource: str) -> list[tuple[str, str, Context]]:
    action = r.data.get("Action")
    action = (action[0] if isinstance(action, list) else action) or "UnknownOperation"
    action = _S3_ACTIONS.get(action, action)
    query = parse_qs(r.parsed_url.query, keep_blank_values=True)
    authorization = r.headers.get("Authorization") or ""
    sigv2 = authorization.startswith("AWS ") or "AWSAccessKeyId" in query
    context: Context = {
        "s3:authtype": ["REST-HEADER" if authorization else "REST-QUERY-STRING"],
        "s3:signatureversion": ["AWS" if sigv2 else "AWS4-HMAC-SHA256"],
    }
    for name, key in (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter")):
        if name in query and action.startswith("List"):
            context[key] = query[name][:1]
    if "max-keys" in query:
        context["s3:max-keys"] = query["max-keys"][:1]
    if "versionId" in query:
        context["s3:versionid"] = query["versionId"][:1]
    for header in ("x-amz-acl", "x-amz-server-side-encryption", "x-amz-storage-class"):
        if r.headers.get(header):
            context[f"s3:{header}"] = [r.headers[header]]
    checks = [(f"s3:{action}", resource, context)]
    source = r.headers.get("x-amz-copy-source")
    if source:  # CopyObject and UploadPartCopy also read the source object
        path, _, version = unquote(source).lstrip("/").partition("?versionId=")
        checks.append(
            (
                "s3:GetObjectVersion" if version else "s3:GetObject",
                f"arn:{resource.split(':')[1]}:s3:::{path}",
                {"s3:versionid": [version]} if version else {},
            )
        )
    return checks


def _scalar(value: Any) -> list[str]:
    """The value of a DynamoDB AttributeValue that can be a key: S, N or B."""
    if isinstance(value, dict):
        for kind in ("S", "N", "B"):
            if kind in value:
                return [str(value[kind])]
    return []


def _top_level_names(paths: list[str], names: dict[str, str]) -> list[str]:
    out = []
    for path in paths:
        first = re.split(r"[.\[]", path.strip(), maxsplit=1)[0]
        if first:
            out.append(names.get(first, first))
    return out


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _updated_attributes(expression: str, names: dict[str, str]) -> list[str]:
    """The attributes an UpdateExpression writes: each SET, REMOVE, ADD and DELETE target."""
    clauses = re.split(r"\b(SET|REMOVE|ADD|DELETE)\b", expression, flags=re.IGNORECASE)
    targets = []
    for clause, body in zip(clauses[1::2], clauses[2::2], strict=True):
        for part in _split_top_level(body):
            target = part.split("=", 1)[0] if clause.upper() == "SET" else part.strip()
            targets.append(target.split()[0] if target.split() else "")
    return _top_level_names([t for t in targets if t], names)


def _partition_key(account: str, region: str, table_name: str, index: str | None) -> str | None:
    from moto.dynamodb.models import dynamodb_backends

    try:
        table = dynamodb_backends[account][region].get_table(table_name)
    except Exception:  # a missing table: moto answers ResourceNotFoundException afterwards
        return None
    schema = table.schema
    if index:
        found = next((i for i in table.global_indexes + table.indexes if i.name == index), None)
        schema = found.schema if found else []
    return next((k["AttributeName"] for k in schema if k["KeyType"] == "HASH"), None)


def _key_condition_values(body: dict, key: str) -> list[str]:
    names = body.get("ExpressionAttributeNames") or {}
    values = body.get("ExpressionAttributeValues") or {}
    found = []
    pairs = re.findall(
        r"([#:]?[\w.-]+)\s*=\s*([#:]?[\w.-]+)", body.get("KeyConditionExpression", "")
    )
    for left, right in pairs:
        for name, value in ((left, right), (right, left)):
            if value.startswith(":") and not name.startswith(":") and names.get(name, name) == key:
                found += _scalar(values.get(value))
    for name, condition in (body.get("KeyConditions") or {}).items():
        if name == key:
            found += [s for v in condition.get("AttributeValueList", []) for s in _scalar(v)]
    return found


def _dynamodb_context(op: str, body: dict, partition_key: str | None) -> Context:
    names = body.get("ExpressionAttributeNames") or {}
    context: Context = {}
    leading: list[str] = []
    attributes: list[str] = []
    for item in [body.get("Key"), body.get("Item"), *(body.get("Keys") or [])]:
        if isinstance(item, dict) and partition_key:
            leading += _scalar(item.get(partition_key))
    if op == "Query" and partition_key:
        leading += _key_condition_values(body, partition_key)
    if isinstance(body.get("Item"), dict):
        attributes += list(body["Item"])
    if body.get("UpdateExpression"):
        attributes += _updated_attributes(body["UpdateExpression"], names)
    attributes += list(body.get("AttributeUpdates") or {})
    if body.get("ProjectionExpression"):
        attributes += _top_level_names(body["ProjectionExpression"].split(","), names)
    attributes += list(body.get("AttributesToGet") or [])
    if leading:
        context["dynamodb:leadingkeys"] = list(dict.fromkeys(leading))
    if attributes:
        context["dynamodb:attributes"] = list(dict.fromkeys(attributes))
    for name in ("Select", "ReturnValues", "ReturnConsumedCapacity"):
        if body.get(name):
            context[f"dynamodb:{name.lower()}"] = [body[name]]
    return context


def _dynamodb_checks(
    op: str, body: dict, account: str, region: str
) -> list[tuple[str, str, Context]]:
    def arn(table: str, index: str | None = None) -> str:
        base = (
            table
            if table.startswith("arn:")
            else f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        )
        return f"{base}/index/{index}" if index else base

    def check(action: str, request: dict, index: str | None = None) -> tuple[str, str, Context]:
        table = request.get("TableName", "")
        key = _partition_key(account, region, table, index)
        return f"dynamodb:{action}", arn(table, index), _dynamodb_context(action, request, key)

    if op in ("BatchGetItem", "BatchWriteItem"):
        checks = []
        for table, request in (body.get("RequestItems") or {}).items():
            if op == "BatchGetItem":
                checks.append(check(op, {**request, "TableName": table}))
                continue
            for entry in request:
                put, delete = entry.get("PutRequest"), entry.get("DeleteRequest")
                checks.append(check(op, {**(put or delete or {}), "TableName": table}))
        return checks
    if op in ("TransactGetItems", "TransactWriteItems"):
        kinds = {"Get": "GetItem", "Put": "PutItem", "Update": "UpdateItem"}
        kinds |= {"Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
        return [
            check(kinds[kind], request)
            for entry in body.get("TransactItems") or []
            for kind, request in entry.items()
            if kind in kinds
        ]
    index = body.get("IndexName") if op in ("Query", "Scan") else None
    return [check(op, body, index)]


def _lambda_checks(r: Any, op: str, account: str, region: str) -> list[tuple[str, str, Context]]:
    action = {"Invoke": "InvokeFunction"}.get(op, op)
    match = re.search(r"/functions/([^/]+)", r.path)
    if not match:
        return [(f"lambda:{action}", "*", {})]
    name = unquote(match.group(1))
    if not name.startswith("arn:"):
        name = f"arn:aws:lambda:{region}:{account}:function:{name}"
    qualifier = parse_qs(r.parsed_url.query).get("Qualifier", [None])[0]
    if qualifier and name.count(":") == 6:
        name = f"{name}:{qualifier}"
    return [(f"lambda:{action}", name, {})]


def _checks(r: Any, service: str, session: Any, region: str, resource: str) -> list:
    if service == "s3":
        return _s3_checks(r, resource)
    op = r._get_action()
    try:
        body = json.loads(r.raw_body or b"{}")
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if service == "dynamodb":
        return _dynamodb_checks(op, body, session.account_id, region)
    if service == "lambda":
        return _lambda_checks(r, op, session.account_id, region)
    if service == "states":
        for name in ("executionArn", "stateMachineArn", "activityArn", "mapRunArn"):
            if body.get(name):
                return [(f"states:{op}", body[name], {})]
    return [(f"{service}:{op}", resource or "*", {})]


# ---------------------------------------------------------------------------------------------
# Errors, in each service's shape


def _protocol(r: Any) -> str:
    from moto.core.utils import get_service_model

    try:
        return get_service_model(r.boto3_service_name).protocol
    except Exception:
        return "json"


def _error(r: Any, service: str, code: str, message: str) -> Exception:
    """``code`` as the service answers it: S3 XML, JSON (400, or 403 for REST), or query XML."""
    from moto.core.exceptions import JsonRESTError
    from moto.core.exceptions import _RESTError as QueryError  # moto's XML error, as AccessDenied

    if service == "s3":
        from moto.s3.exceptions import S3ClientError

        return S3ClientError(code, message)
    protocol = _protocol(r)
    if protocol in ("json", "rest-json"):
        error = JsonRESTError(f"{code}Exception" if code == "AccessDenied" else code, message)
        error.code = 400 if protocol == "json" else 403
    else:
        error = QueryError(code, message)
        error.code = 403
    return error


def _access_denied(r: Any, service: str, session: Any, check: tuple, decision: str) -> Exception:
    action, resource, _ = check
    shown = f'"{resource}"' if service == "s3" else resource
    reason = (
        "with an explicit deny in an identity-based policy"
        if decision == "Deny"
        else f"because no identity-based policy allows the {action} action"
    )
    message = (
        f"User: {session.arn} is not authorized to perform: {action} on resource: {shown} {reason}"
    )
    return _error(r, service, "AccessDenied", message)


def _invalid_token(r: Any, service: str) -> Exception:
    if service == "s3":
        return _error(
            r, service, "InvalidToken", "The provided token is malformed or otherwise invalid."
        )
    code = "UnrecognizedClientException" if _protocol(r) == "json" else "InvalidClientTokenId"
    return _error(r, service, code, "The security token included in the request is invalid.")


_ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}


def install() -> None:
    """Check every request signed with Cognito-issued keys before moto runs it."""
    from moto.core.authorization import ActionAuthenticatorMixin

    original = ActionAuthenticatorMixin._authenticate_and_authorize_action
    public = set(ActionAuthenticatorMixin.PUBLIC_OPERATIONS)

    def _authenticate_and_authorize_action(
        self: Any, iam_request_cls: type, resource: str = "*"
    ) -> None:
        credentials = _credentials(self)
        session = cognito_session(credentials[0], credentials[1]) if credentials else None
        if session is None:
            return original(self, iam_request_cls, resource)
        _, region, service, token = credentials
        if token != session.session_token:
            raise _invalid_token(self, service)
        if self.headers.get("X-Amz-Target") in public:
            return None
        context = _session_context(session, region)
        policies = _role_policies(session)
        for check in _checks(self, service, session, region, resource):
            action, checked, extra = check
            if action in _ALWAYS_ALLOWED:
                continue
            decision = evaluate(policies, action, checked, {**context, **extra})
            if decision != "Allow":
                raise _access_denied(self, service, session, check, decision)
        return None

    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action
