"""Image labels. ``detect_labels`` is the one seam where another labeller could plug in."""

from __future__ import annotations

from typing import Any

from image_pipeline.clients import client


def detect_labels(
    bucket: str, key: str, max_labels: int = 10, min_confidence: float = 60.0
) -> list[dict[str, Any]]:
    """``[{name, confidence}]``, most confident first, from Rekognition DetectLabels."""
    response = client("rekognition").detect_labels(
        Image={"S3Object": {"Bucket": bucket, "Name": key}},
        MaxLabels=max_labels,
        MinConfidence=min_confidence,
    )
    labels = [
        {"name": label["Name"], "confidence": round(float(label.get("Confidence", 0.0)), 2)}
        for label in response.get("Labels", [])
        if label.get("Name")
    ]
    labels.sort(key=lambda label: label["confidence"], reverse=True)
    return labels
