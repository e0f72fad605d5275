import { describe, expect, it } from "vitest";
import {
  aspectRatio,
  captureKey,
  diffListing,
  duplicateOf,
  itemVersion,
  labelCounts,
  matchesLabel,
  pickRendition,
  sortEntries,
  step,
  thumbnailKey,
  type Entry,
} from "./gallery";
import type { ImageItem } from "./status";

const item = (imageID: string, patch: Partial<ImageItem> = {}): ImageItem => ({ imageID, processingStatus: "SUCCEEDED", ...patch });

describe("sortEntries", () => {
  const entries: Entry[] = [
    { imageID: "a", item: item("a", { uploadTime: 1, creationTime: "2024-05-17T08:30:00" }) },
    { imageID: "b", item: item("b", { uploadTime: 3 }) },
    { imageID: "c", item: item("c", { uploadTime: 2, creationTime: "2003:12:14 12:01:44" }) },
    { imageID: "up", addedAt: 0 },
  ];

  it("newest upload first, uploads still without an item on top", () => {
    expect(sortEntries(entries, "uploaded").map((e) => e.imageID)).toEqual(["up", "b", "c", "a"]);
  });

  it("newest capture first, photos without a capture time after them by upload time", () => {
    expect(sortEntries(entries, "captured").map((e) => e.imageID)).toEqual(["up", "a", "c", "b"]);
  });

  it("reads ISO and EXIF capture times alike", () => {
    expect(captureKey("2003:12:14 12:01:44")).toBe("2003-12-14 12:01:44");
    expect(captureKey("2024-05-17T08:30:00+02:00")).toBe("2024-05-17 08:30:00");
    expect(captureKey("2024-05-17")).toBe("2024-05-17 00:00:00");
    expect(captureKey("sometime")).toBeNull();
  });
});

describe("labels", () => {
  const items = [
    item("a", { tags: [{ name: "Flower", confidence: 98 }, { name: "Plant", confidence: 90 }] }),
    item("b", { tags: [{ name: "Plant", confidence: 70 }, { name: "Plant", confidence: 65 }] }),
    undefined,
  ];

  it("counts each label once per photo, most common first", () => {
    expect(labelCounts(items)).toEqual([
      { name: "Plant", count: 2 },
      { name: "Flower", count: 1 },
    ]);
  });

  it("filters by one label; no filter shows everything, uploads included", () => {
    expect(matchesLabel({ imageID: "a", item: items[0] }, "Flower")).toBe(true);
    expect(matchesLabel({ imageID: "b", item: items[1] }, "Flower")).toBe(false);
    expect(matchesLabel({ imageID: "up" }, "Flower")).toBe(false);
    expect(matchesLabel({ imageID: "up" }, "")).toBe(true);
  });
});

describe("diffListing", () => {
  const done = item("me/a/1.jpg", { executionArn: "x1" });
  const running = item("me/a/2.jpg", { processingStatus: "RUNNING", executionArn: "x2" });

  it("finds photos uploaded elsewhere and status changes", () => {
    const known = new Map<string, ImageItem | undefined>([[running.imageID, running]]);
    const diff = diffListing(known, [done, { ...running, processingStatus: "FAILED" }], new Set(), true);
    expect(diff.added.map((i) => i.imageID)).toEqual([done.imageID]);
    expect(diff.changed.map((i) => i.processingStatus)).toEqual(["FAILED"]);
    expect(diff.removed).toEqual([]);
  });

  it("a retried photo (new execution) counts as changed", () => {
    const failed = item("me/a/3.jpg", { processingStatus: "FAILED", executionArn: "x3" });
    const diff = diffListing(new Map([[failed.imageID, failed]]), [{ ...failed, processingStatus: "FAILED", executionArn: "x3-a2" }], new Set(), true);
    expect(diff.changed).toHaveLength(1);
  });

  it("removes photos deleted elsewhere, but never one uploading here nor on a partial listing", () => {
    const known = new Map<string, ImageItem | undefined>([
      [done.imageID, done],
      ["me/a/uploading.jpg", undefined],
    ]);
    expect(diffListing(known, [], new Set(), true).removed).toEqual([done.imageID]);
    expect(diffListing(known, [], new Set(), false).removed).toEqual([]);
  });

  it("a photo deleted here does not come back while its item lingers", () => {
    const diff = diffListing(new Map(), [done], new Set([done.imageID]), true);
    expect(diff.added).toEqual([]);
  });
});

describe("pickRendition", () => {
  it("the thumbnail until renditions exist", () => {
    expect(pickRendition(item("a", { thumbnail: { s3Bucket: "b", s3Key: "Thumbnails/a" } }))).toEqual({ name: "thumbnail", s3Key: "Thumbnails/a" });
    expect(pickRendition(item("a"))).toBeUndefined();
  });

  it("the smallest rendition big enough, else the largest", () => {
    const renditions = [
      { s3Key: "r/250", width: 250, height: 167 },
      { s3Key: "r/2048", width: 2048, height: 1365 },
      { s3Key: "r/1280", width: 1280, height: 853 },
    ];
    const it = item("a", { renditions, thumbnail: { s3Bucket: "b", s3Key: "t" } });
    expect(pickRendition(it, 1200)?.s3Key).toBe("r/1280");
    expect(pickRendition(it, 4000)?.s3Key).toBe("r/2048");
  });
});

describe("renditions as the pipeline stores them", () => {
  const owner = "us-east-1:11111111-2222-3333-4444-555555555555";
  const renditions = [
    { name: "thumbnail", s3Key: `Thumbnails/${owner}/thumbnail/k/x.jpg`, width: 250, height: 188, bytes: 9000, format: "JPEG" },
    { name: "preview", s3Key: `Thumbnails/${owner}/preview/k/x.webp`, width: 1280, height: 960, bytes: 120000, format: "WEBP" },
  ];
  const photo = item("k/x.jpg", { renditions, thumbnail: { s3Bucket: "photos", s3Key: renditions[0].s3Key } });

  it("the photo view shows the preview, on any screen the view fits", () => {
    expect(pickRendition(photo)?.name).toBe("preview");
    expect(pickRendition(photo, 800)?.s3Key).toBe(renditions[1].s3Key);
    expect(pickRendition(photo, 2560)?.s3Key).toBe(renditions[1].s3Key); // the largest there is
    // A thumbnail alone is all there is: the view shows it.
    expect(pickRendition(item("k/y", { renditions: [renditions[0]] }))?.name).toBe("thumbnail");
  });

  it("picks the preview by name when sizes are missing, and ignores entries without a key", () => {
    const unsized = [{ name: "thumbnail", s3Key: "t" }, { name: "preview", s3Key: "p" }, { name: "broken" }, null];
    expect(pickRendition(item("k/z", { renditions: unsized as never }))?.s3Key).toBe("p");
  });

  it("the card shows the thumbnail rendition", () => {
    expect(thumbnailKey(photo)).toBe(renditions[0].s3Key);
    expect(thumbnailKey(item("k/x", { renditions: [...renditions].reverse() }))).toBe(renditions[0].s3Key);
    expect(thumbnailKey(item("k/x", { renditions: [{ s3Key: "big", width: 900, height: 600 }, { s3Key: "small", width: 90, height: 60 }] }))).toBe("small");
    expect(thumbnailKey(item("k/x"))).toBeUndefined();
  });

  it("the picture's aspect ratio from its smallest rendition, else its dimensions", () => {
    expect(aspectRatio(photo)).toBeCloseTo(250 / 188);
    expect(aspectRatio(item("k/p", { dimensions: { width: 3000, height: 4000 } }))).toBeCloseTo(0.75);
    expect(aspectRatio(item("k/q"))).toBe(1);
  });
});

describe("duplicateOf", () => {
  const owner = "us-east-1:11111111-2222-3333-4444-555555555555";
  const original = `${owner}/AbCdEfGh1234/0f8fad5b-d9cb-469f-a165-70867728950e-flower.jpg`;
  const copy = item(`${owner}/AbCdEfGh1234/7c9e6679-7425-40de-944b-e07fc1f90ae7-flower copy.jpg`, { duplicateOf: original });

  it("names the earlier photo as the album shows it, with a link", () => {
    expect(duplicateOf(copy, new Map([[original, "flower.jpg"]]))).toEqual({ imageID: original, name: "flower.jpg", inAlbum: true });
  });

  it("outside the loaded album: the file name in its imageID, else 'an earlier photo', no link", () => {
    expect(duplicateOf(copy)).toEqual({ imageID: original, name: "flower.jpg", inAlbum: false });
    expect(duplicateOf(item("x", { duplicateOf: "someone/else" }))).toEqual({ imageID: "someone/else", name: "an earlier photo", inAlbum: false });
  });

  it("nothing without duplicateOf, or pointing at itself", () => {
    expect(duplicateOf(item("x"))).toBeUndefined();
    expect(duplicateOf(item("x", { duplicateOf: "x" }))).toBeUndefined();
    expect(duplicateOf(item("x", { duplicateOf: "  " }))).toBeUndefined();
    expect(duplicateOf(undefined)).toBeUndefined();
  });

  it("a listing that marks a photo duplicate or flagged changes its card", () => {
    expect(itemVersion(copy)).not.toBe(itemVersion({ ...copy, duplicateOf: undefined }));
    expect(itemVersion(copy)).not.toBe(itemVersion({ ...copy, moderationLabels: [{ name: "Violence", confidence: 90 }] }));
  });
});

describe("step", () => {
  it("moves within the photos and stops at either end", () => {
    expect(step(0, 1, 3)).toBe(1);
    expect(step(2, 1, 3)).toBeNull();
    expect(step(0, -1, 3)).toBeNull();
  });
});
