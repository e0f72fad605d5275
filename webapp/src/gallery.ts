// The gallery's logic without the DOM: order, label filter, what a listing changed, the larger
// rendition a photo view shows, and moving between photos.

import { normalizeTags } from "./format";
import type { ImageItem } from "./status";

export type SortOrder = "uploaded" | "captured";

export interface Entry {
  imageID: string;
  /** Absent while the file uploads (no item yet). */
  item?: ImageItem;
  /** When the upload started here (epoch ms), for entries without an item. */
  addedAt?: number;
}

/** Capture time as a sortable key (EXIF wall-clock time, "YYYY-MM-DD HH:MM:SS"), or null. */
export function captureKey(value: string | undefined): string | null {
  if (!value) return null;
  const m = /^(\d{4})[-:](\d{2})[-:](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value.trim());
  if (!m) return null;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4] ?? "00"}:${m[5] ?? "00"}:${m[6] ?? "00"}`;
}

function uploadedAt(e: Entry): number {
  return e.item?.uploadTime ?? e.addedAt ?? Number.MAX_SAFE_INTEGER;
}

/**
 * Newest first. By upload time; or by capture time, photos without one after those with one
 * (by upload time among themselves). Uploads still without an item come first either way.
 */
export function sortEntries(entries: Entry[], order: SortOrder): Entry[] {
  const byUpload = (a: Entry, b: Entry) => uploadedAt(b) - uploadedAt(a) || a.imageID.localeCompare(b.imageID);
  return [...entries].sort((a, b) => {
    if (!a.item !== !b.item) return a.item ? 1 : -1;
    if (order === "captured") {
      const ka = captureKey(a.item?.creationTime);
      const kb = captureKey(b.item?.creationTime);
      if (ka && kb && ka !== kb) return ka < kb ? 1 : -1;
      if (!ka !== !kb) return ka ? -1 : 1;
    }
    return byUpload(a, b);
  });
}

/** Label names of the photos with how many photos carry each, most common first. */
export function labelCounts(items: (ImageItem | undefined)[]): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    if (!item) continue;
    for (const name of new Set(normalizeTags(item.tags).map((t) => t.name))) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** Whether an entry passes the label filter ("" = every photo, uploads in flight included). */
export function matchesLabel(entry: Entry, label: string): boolean {
  if (!label) return true;
  return normalizeTags(entry.item?.tags).some((t) => t.name === label);
}

export interface ListingDiff {
  /** Items the gallery does not show yet (uploaded in another tab, or while away). */
  added: ImageItem[];
  /** Items whose status or execution changed since the gallery last saw them. */
  changed: ImageItem[];
  /** Photos the gallery shows that the listing no longer has (deleted elsewhere). */
  removed: string[];
}

/** The item's state that a card shows: a change of any part means the card must follow. */
export function itemVersion(item: ImageItem | undefined): string {
  if (!item) return "";
  return `${item.processingStatus ?? ""}|${item.executionArn ?? ""}|${item.thumbnail?.s3Key ?? ""}`;
}

/**
 * What a fresh listing of the album changed, against what the gallery shows (`known`: imageID
 * to the item it last saw, undefined while uploading here). Photos deleted here (`deleting`)
 * never come back, though their item may linger for a few seconds; a photo uploading here is
 * never removed because the listing lacks it yet. `complete`: the listing holds every item of
 * the album (otherwise nothing is taken as removed).
 */
export function diffListing(
  known: ReadonlyMap<string, ImageItem | undefined>,
  listed: ImageItem[],
  deleting: ReadonlySet<string>,
  complete: boolean,
): ListingDiff {
  const added: ImageItem[] = [];
  const changed: ImageItem[] = [];
  const seen = new Set<string>();
  for (const item of listed) {
    seen.add(item.imageID);
    if (deleting.has(item.imageID)) continue;
    if (!known.has(item.imageID)) added.push(item);
    else {
      const mine = known.get(item.imageID);
      if (mine && itemVersion(mine) !== itemVersion(item)) changed.push(item);
    }
  }
  const removed = complete ? [...known].filter(([id, item]) => item !== undefined && !seen.has(id)).map(([id]) => id) : [];
  return { added, changed, removed };
}

export interface Rendition {
  s3Key: string;
  width?: number;
  height?: number;
}

/**
 * The rendition a photo view shows: the smallest of `item.renditions` that is at least `wanted`
 * pixels on its longer side, else the largest; the thumbnail when there are none.
 */
export function pickRendition(item: ImageItem, wanted = 1200): Rendition | undefined {
  const list = (Array.isArray(item.renditions) ? item.renditions : []).filter(
    (r): r is Rendition => !!r && typeof r === "object" && typeof (r as Rendition).s3Key === "string",
  );
  const side = (r: Rendition) => Math.max(Number(r.width) || 0, Number(r.height) || 0);
  if (list.length > 0) {
    const big = list.filter((r) => side(r) >= wanted).sort((a, b) => side(a) - side(b));
    return big[0] ?? [...list].sort((a, b) => side(b) - side(a))[0];
  }
  return item.thumbnail?.s3Key ? { s3Key: item.thumbnail.s3Key } : undefined;
}

/** The index `delta` photos away, or null past either end (the view does not wrap). */
export function step(index: number, delta: number, count: number): number | null {
  const next = index + delta;
  return next >= 0 && next < count ? next : null;
}
