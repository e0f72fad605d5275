"""Duplicates among one owner's photos: the same bytes (the content hash) or the same picture
(perceptual hashes within ``max_distance`` bits: re-encoded, resized, converted, rotated by
EXIF). A duplicate points at the earliest such photo, so two uploads that see each other never
point at each other, and the earlier one is never marked.

Whichever of two copies compares second marks the later one: its own item
(``original_of``), or the other's (``later_copies``) when the later copy finished comparing
before the earlier one had hashes to find.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from image_pipeline.hashing import hamming

DEFAULT_MAX_DISTANCE = 6  # re-encodes and resizes measure <= 6, other photos >= 16 (test_hashing)
# Later copies one photo marks at the most: each store stays a bounded amount of work, and the
# copies past it are marked by their own store or by another copy's.
MAX_MARKED = 50


@dataclass(frozen=True)
class Fingerprint:
    """What decides whether two photos are the same: an item's hashes and upload order."""

    image_id: str
    upload_time: int
    content_hash: str
    perceptual_hash: str | None = None
    failed: bool = False
    duplicate_of: str | None = None  # as the item has it

    @classmethod
    def of_item(cls, item: Mapping[str, Any]) -> Fingerprint | None:
        """The fingerprint of a stored item; None without a content hash (not processed yet)."""
        content = item.get("contentHash")
        if not isinstance(content, str) or not content:
            return None
        perceptual = item.get("perceptualHash")
        return cls(
            image_id=str(item["imageID"]),
            upload_time=int(item.get("uploadTime") or 0),
            content_hash=content,
            perceptual_hash=perceptual if isinstance(perceptual, str) and perceptual else None,
            failed=item.get("processingStatus") == "FAILED",
            duplicate_of=str(item["duplicateOf"]) if item.get("duplicateOf") else None,
        )

    def same_as(self, other: Fingerprint, max_distance: int) -> bool:
        if self.content_hash == other.content_hash:
            return True
        if self.perceptual_hash is None or other.perceptual_hash is None:
            return False
        try:
            return hamming(self.perceptual_hash, other.perceptual_hash) <= max_distance
        except ValueError:  # hashes of another kind or size: not comparable
            return False


def original_of(
    photo: Fingerprint, others: Iterable[Fingerprint], max_distance: int = DEFAULT_MAX_DISTANCE
) -> str | None:
    """The imageID of the earliest of ``others`` uploaded before ``photo`` (upload time, then
    imageID) that is the same as ``photo``; None when there is none. ``photo`` itself and
    photos that ended FAILED never count."""
    order = (photo.upload_time, photo.image_id)
    earliest: Fingerprint | None = None
    for other in others:
        if other.image_id == photo.image_id or other.failed:
            continue
        if (other.upload_time, other.image_id) >= order:
            continue
        if not photo.same_as(other, max_distance):
            continue
        if earliest is None or (other.upload_time, other.image_id) < (
            earliest.upload_time,
            earliest.image_id,
        ):
            earliest = other
    return earliest.image_id if earliest else None


def later_copies(
    photo: Fingerprint, others: Iterable[Fingerprint], max_distance: int = DEFAULT_MAX_DISTANCE
) -> list[Fingerprint]:
    """The ``others`` uploaded after ``photo`` that are the same as it and not marked yet, or
    marked as a copy of a photo later than ``photo`` (its original compared before ``photo``
    had hashes): never FAILED ones, at most ``MAX_MARKED``, earliest first."""
    order = (photo.upload_time, photo.image_id)
    later = {other.image_id for other in others if (other.upload_time, other.image_id) > order}
    copies = [
        other
        for other in others
        if other.image_id in later
        and not other.failed
        and (other.duplicate_of is None or other.duplicate_of in later)
        and photo.same_as(other, max_distance)
    ]
    return sorted(copies, key=lambda copy: (copy.upload_time, copy.image_id))[:MAX_MARKED]
