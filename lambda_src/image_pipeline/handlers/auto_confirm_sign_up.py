"""PreSignUp trigger for a throwaway environment (environments/local): users are confirmed, and
their email verified, at sign-up, as there is no mailbox to read a code from."""

from typing import Any


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = "email" in event["request"].get("userAttributes", {})
    return event
