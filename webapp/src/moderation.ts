// What the optional moderation step flagged (Rekognition DetectModerationLabels), in plain words.

import type { ImageItem, ModerationLabel } from "./status";

/** The item's moderation labels that have a name, most confident first; empty when not flagged. */
export function moderationLabels(item: ImageItem | undefined): ModerationLabel[] {
  const raw: unknown[] = Array.isArray(item?.moderationLabels) ? item.moderationLabels : [];
  return raw
    .filter((l): l is ModerationLabel => !!l && typeof l === "object" && typeof (l as ModerationLabel).name === "string" && (l as ModerationLabel).name.trim() !== "")
    .map((l) => ({ name: l.name.trim(), confidence: Number(l.confidence) || undefined, parentName: l.parentName?.trim() || undefined }))
    .sort((a, b) => (b.confidence ?? 0) - (a.confidence ?? 0));
}

export function isFlagged(item: ImageItem | undefined): boolean {
  return moderationLabels(item).length > 0;
}

/** The top-level categories of the labels ("Explicit Nudity", "Violence"), each once, most confident first. */
export function flagCategories(labels: ModerationLabel[]): string[] {
  return [...new Set(labels.map((l) => l.parentName ?? l.name))];
}

/** "Flagged: Explicit Nudity, Violence". */
export function flagSummary(labels: ModerationLabel[]): string {
  return `Flagged: ${flagCategories(labels).join(", ")}`;
}

/** One label as listed: "Nudity 97% (Explicit Nudity)". */
export function formatModerationLabel(l: ModerationLabel): string {
  const pct = l.confidence !== undefined ? ` ${Math.round(l.confidence)}%` : "";
  return `${l.name}${pct}${l.parentName ? ` (${l.parentName})` : ""}`;
}
