// The BlurHash placeholder (the item's `placeholder`, of its smallest rendition): decoded into a
// tiny canvas that CSS stretches, painted until the thumbnail or the preview loads.

import { decode, isBlurhashValid } from "blurhash";

export interface PlaceholderPixels {
  width: number;
  height: number;
  /** RGBA, width x height x 4 bytes. */
  pixels: Uint8ClampedArray;
}

/** The decoded placeholder's longer side: a BlurHash holds at most 9x9 components, 32 px shows them. */
export const PLACEHOLDER_SIDE = 32;
const CACHE_SIZE = 200;
const cache = new Map<string, PlaceholderPixels>();

/** The decode size for a picture `aspect` (width / height) wide: `side` on its longer side. */
export function placeholderSize(aspect: number, side = PLACEHOLDER_SIDE): { width: number; height: number } {
  const a = Number.isFinite(aspect) && aspect > 0 ? aspect : 1;
  const clamp = (n: number) => Math.max(1, Math.min(side, Math.round(n)));
  return a >= 1 ? { width: side, height: clamp(side / a) } : { width: clamp(side * a), height: side };
}

/** The placeholder's pixels, or null when `hash` is no valid BlurHash. Decoded once per hash and size. */
export function decodePlaceholder(hash: unknown, aspect = 1, side = PLACEHOLDER_SIDE): PlaceholderPixels | null {
  if (typeof hash !== "string" || hash.length < 6 || !isBlurhashValid(hash).result) return null;
  const { width, height } = placeholderSize(aspect, side);
  const key = `${width}x${height}:${hash}`;
  let hit = cache.get(key);
  if (!hit) {
    try {
      hit = { width, height, pixels: decode(hash, width, height) };
    } catch {
      return null;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, hit);
  }
  return hit;
}

/**
 * A canvas painted with the placeholder (`class` and `data-testid` set, hidden from assistive
 * technology), or null: no or an invalid hash, or no 2D canvas.
 */
export function placeholderCanvas(hash: unknown, aspect: number, className: string, testid: string): HTMLCanvasElement | null {
  const p = decodePlaceholder(hash, aspect);
  if (!p) return null;
  const canvas = document.createElement("canvas");
  canvas.width = p.width;
  canvas.height = p.height;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  const image = ctx.createImageData(p.width, p.height);
  image.data.set(p.pixels);
  ctx.putImageData(image, 0, 0);
  canvas.className = className;
  canvas.setAttribute("data-testid", testid);
  canvas.setAttribute("aria-hidden", "true");
  return canvas;
}
