"""Who owns an upload, and in which album: decided from its key, never from what the uploader
wrote.

Uploads go under ``<incoming prefix><owner>/<album>/<file>``; the browser role may write only
under its own Cognito identity id (``us-east-1:<uuid>``), operators anywhere. The owner is the
key's first folder, whatever it is. User metadata (ASCII only, by HTTP) is never trusted for
the owner: ``userid`` may only confirm it, and ``albumid`` is an opaque ASCII album reference
that is always placed under the owner. Metadata that names another owner refuses the upload
(OwnerMismatch), recorded against the owner from the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

# A Cognito identity id: "<region>:<uuid>", e.g. "us-east-1:0d6c...".
IDENTITY_ID: Final = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d:[0-9a-f-]{36}")
_LEADING_IDENTITY: Final = re.compile(rf"({IDENTITY_ID.pattern})(?:/|$)")


def is_identity_id(value: str) -> bool:
    return IDENTITY_ID.fullmatch(value) is not None


@dataclass(frozen=True)
class Ownership:
    """An accepted upload: ``owner`` is the key's first folder, ``album_id`` always
    ``<owner>/...`` or None."""

    owner: str
    album_id: str | None


@dataclass(frozen=True)
class Refusal:
    """A refused upload (OwnerMismatch): recorded against the owner from the key (None when the
    key has no owner folder) with a short ``cause``; nothing starts."""

    owner: str | None
    album_id: str | None
    cause: str


def _key_album(owner: str, folders: list[str]) -> str | None:
    """``<owner>/<second folder>`` when the key has one (``owner/album/file``)."""
    return f"{owner}/{folders[1]}" if len(folders) >= 2 and folders[1] else None


def _metadata_album(owner: str, album_id: str) -> str | None:
    """``albumid`` placed under the owner: kept when it already is, prefixed when it names no
    owner; None when it names the owner only. Another identity's album raises ValueError."""
    leading = _LEADING_IDENTITY.match(album_id)
    if leading and leading.group(1) != owner:
        raise ValueError("albumid metadata names another owner's album")
    if album_id == owner or album_id.startswith(owner + "/"):
        name = album_id[len(owner) + 1 :]
        return f"{owner}/{name}" if name else None
    return f"{owner}/{album_id}"


def decide(image_id: str, metadata: Mapping[str, str], incoming_prefix: str) -> Ownership | Refusal:
    """The ownership of the object ``<incoming_prefix><image_id>`` with user ``metadata``
    (keys lower-case). Nothing here decodes or guesses at metadata values: they are compared
    and used as opaque ASCII, RFC 2047 or percent-encoded or not."""
    *folders, _file = image_id.split("/")
    owner = folders[0] if folders and folders[0] else None
    if owner is None:
        cause = f"The key has no owner folder: it must be {incoming_prefix}<identityId>/..."
        return Refusal(None, None, cause)
    key_album = _key_album(owner, folders)
    claimed_user = metadata.get("userid") or ""
    if claimed_user and claimed_user != owner:
        return Refusal(owner, key_album, "userid metadata names another owner than the key")
    claimed_album = metadata.get("albumid") or ""
    if not claimed_album:
        return Ownership(owner, key_album)
    try:
        album_id = _metadata_album(owner, claimed_album)
    except ValueError as exc:
        return Refusal(owner, key_album, str(exc))
    return Ownership(owner, album_id or key_album)
