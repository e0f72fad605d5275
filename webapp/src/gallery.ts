// The gallery's logic without the DOM: order, label filter, what a listing changed, the
// renditions a card and a photo view show, and moving between photos.

import { normalizeTags } from "./format";
import { fileNameFromImageId } from "./keys";
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
  const flagged = Array.isArray(item.moderationLabels) ? item.moderationLabels.length : 0;
  return `${item.processingStatus ?? ""}|${item.executionArn ?? ""}|${item.thumbnail?.s3Key ?? ""}|${item.duplicateOf ?? ""}|${flagged}`;
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
  name?: string;
  s3Key: string;
  width?: number;
  height?: number;
}

const side = (r: Rendition) => Math.max(Number(r.width) || 0, Number(r.height) || 0);

/** The item's renditions that have a key (anything else in the list is ignored). */
export function renditionsOf(item: ImageItem): Rendition[] {
  return (Array.isArray(item.renditions) ? item.renditions : []).filter(
    (r: unknown): r is Rendition => !!r && typeof r === "object" && typeof (r as Rendition).s3Key === "string" && (r as Rendition).s3Key !== "",
  );
}

/**
 * The rendition a photo view shows: the smallest of `item.renditions` that is at least `wanted`
 * pixels on its longer side (the 1,280 px `preview` with the default settings), else the one
 * named `preview` (sizes unknown), else the largest; the thumbnail when there are none.
 */
export function pickRendition(item: ImageItem, wanted = 1200): Rendition | undefined {
  const list = renditionsOf(item);
  if (list.length > 0) {
    const big = list.filter((r) => side(r) >= wanted).sort((a, b) => side(a) - side(b));
    return big[0] ?? list.find((r) => r.name === "preview") ?? [...list].sort((a, b) => side(b) - side(a))[0];
  }
  return item.thumbnail?.s3Key ? { name: "thumbnail", s3Key: item.thumbnail.s3Key } : undefined;
}

/**
 * The key a card shows: the item's `thumbnail` (the thumbnail rendition), else the rendition
 * named `thumbnail`, else the smallest one.
 */
export function thumbnailKey(item: ImageItem): string | undefined {
  if (item.thumbnail?.s3Key) return item.thumbnail.s3Key;
  const list = renditionsOf(item);
  return (list.find((r) => r.name === "thumbnail") ?? [...list].sort((a, b) => side(a) - side(b))[0])?.s3Key;
}

/** Width over height of the picture (its smallest rendition's, else the photo's), or 1 when unknown. */
export function aspectRatio(item: ImageItem): number {
  const sized = renditionsOf(item)
    .filter((r) => Number(r.width) > 0 && Number(r.height) > 0)
    .sort((a, b) => side(a) - side(b));
  const w = Number(sized[0]?.width ?? item.dimensions?.width);
  const h = Number(sized[0]?.height ?? item.dimensions?.height);
  return w > 0 && h > 0 ? w / h : 1;
}

export interface Duplicate {
  /** The earlier photo's imageID. */
  imageID: string;
  /** Its name as the gallery shows it, else the file name in its imageID, else "an earlier photo". */
  name: string;
  /** It is in the loaded album: a link opens it. */
  inAlbum: boolean;
}

/** What "Duplicate of ..." names for an item with `duplicateOf`; `names`: the album's photos (imageID to name). */
export function duplicateOf(item: ImageItem | undefined, names: ReadonlyMap<string, string> = new Map()): Duplicate | undefined {
  const id = item?.duplicateOf;
  if (typeof id !== "string" || !id.trim() || id === item?.imageID) return undefined;
  const known = names.get(id);
  if (known !== undefined) return { imageID: id, name: known, inAlbum: true };
  return { imageID: id, name: fileNameFromImageId(id) ?? "an earlier photo", inAlbum: false };
}

/** The index `delta` photos away, or null past either end (the view does not wrap). */
export function step(index: number, delta: number, count: number): number | null {
  const next = index + delta;
  return next >= 0 && next < count ? next : null;
}
