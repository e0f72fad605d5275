// @vitest-environment jsdom
import { decode, encode } from "blurhash";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodePlaceholder, placeholderCanvas, placeholderSize } from "./placeholder";

/** The BlurHash README's example (a standard encoding, as Python's `blurhash` writes it). */
const HASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj";

/** A w x h picture of one colour, BlurHash-encoded. */
function solid(rgb: [number, number, number], w = 8, h = 8): string {
  const px = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) px.set([...rgb, 255], i * 4);
  return encode(px, w, h, 4, 3);
}

describe("placeholderSize", () => {
  it("32 px on the longer side, the picture's aspect ratio", () => {
    expect(placeholderSize(4 / 3)).toEqual({ width: 32, height: 24 });
    expect(placeholderSize(0.75)).toEqual({ width: 24, height: 32 });
    expect(placeholderSize(100)).toEqual({ width: 32, height: 1 });
    expect(placeholderSize(NaN)).toEqual({ width: 32, height: 32 });
  });
});

describe("decodePlaceholder", () => {
  it("decodes to RGBA pixels of the placeholder's size", () => {
    const p = decodePlaceholder(HASH, 4 / 3)!;
    expect([p.width, p.height]).toEqual([32, 24]);
    expect(p.pixels).toHaveLength(32 * 24 * 4);
    expect(Array.from(p.pixels)).toEqual(Array.from(decode(HASH, 32, 24))); // 32 wide, 24 high, not the other way
    expect(p.pixels[3]).toBe(255); // opaque
    expect(new Set(p.pixels.filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(5); // a gradient, not one colour
  });

  it("paints the hash's colours", () => {
    const p = decodePlaceholder(solid([200, 30, 40]))!;
    const mid = (p.height / 2) * p.width * 4 + (p.width / 2) * 4;
    const [r, g, b] = p.pixels.slice(mid, mid + 3);
    expect(Math.abs(r - 200)).toBeLessThanOrEqual(3);
    expect(Math.abs(g - 30)).toBeLessThanOrEqual(3);
    expect(Math.abs(b - 40)).toBeLessThanOrEqual(3);
  });

  it("a portrait picture's gradient runs the right way", () => {
    // Top half white, bottom half black: the decoded top row is much lighter than three quarters down.
    const w = 6, h = 8;
    const px = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) px.set(i < (w * h) / 2 ? [255, 255, 255, 255] : [0, 0, 0, 255], i * 4);
    const p = decodePlaceholder(encode(px, w, h, 3, 4), w / h)!;
    expect([p.width, p.height]).toEqual([24, 32]);
    const red = (x: number, y: number) => p.pixels[(y * p.width + x) * 4];
    expect(red(12, 0)).toBeGreaterThan(240);
    expect(red(12, 0) - red(12, 24)).toBeGreaterThan(100);
  });

  it("nothing for an absent or invalid hash", () => {
    expect(decodePlaceholder(undefined)).toBeNull();
    expect(decodePlaceholder("")).toBeNull();
    expect(decodePlaceholder("not a blurhash")).toBeNull();
    expect(decodePlaceholder(HASH.slice(0, -3))).toBeNull(); // truncated
    expect(decodePlaceholder(42)).toBeNull();
  });
});

describe("placeholderCanvas", () => {
  afterEach(() => vi.restoreAllMocks());

  it("puts the decoded pixels into a canvas of the placeholder's size", () => {
    const put = vi.fn();
    const ctx = { createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }), putImageData: put };
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(ctx as never);
    const canvas = placeholderCanvas(HASH, 0.75, "blurhash", "card-placeholder")!;
    expect([canvas.width, canvas.height]).toEqual([24, 32]);
    expect(canvas.dataset.testid).toBe("card-placeholder");
    expect(canvas.getAttribute("aria-hidden")).toBe("true");
    expect(put).toHaveBeenCalledTimes(1);
    const [image, x, y] = put.mock.calls[0];
    expect([image.width, image.height, x, y]).toEqual([24, 32, 0, 0]);
    expect(Array.from(image.data)).toEqual(Array.from(decodePlaceholder(HASH, 0.75)!.pixels));
  });

  it("none without a 2D canvas or a valid hash", () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    expect(placeholderCanvas(HASH, 1, "blurhash", "x")).toBeNull();
    expect(placeholderCanvas("nope", 1, "blurhash", "x")).toBeNull();
  });
});
