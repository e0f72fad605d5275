// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { friendlyError } from "../errors";
import { PhotoCard } from "./card";

const q = (el: Element, id: string) => el.querySelector(`[data-testid="${id}"]`);

describe("PhotoCard", () => {
  it("shows upload progress", () => {
    const c = new PhotoCard({ imageID: "a/x.jpg", name: "x.jpg", phase: "uploading", label: "Uploading 40%", progress: 0.4 });
    expect(c.el.dataset.status).toBe("uploading");
    expect((q(c.el, "upload-progress") as HTMLProgressElement).getAttribute("value")).toBe("40");
    c.update({ progress: 1 });
    expect((q(c.el, "upload-progress") as HTMLProgressElement).getAttribute("value")).toBe("100");
  });

  it("shows the execution while processing", () => {
    const c = new PhotoCard({
      imageID: "a/x.jpg",
      name: "x.jpg",
      phase: "processing",
      label: "Processing",
      executionArn: "arn:aws:states:us-east-1:1:execution:sm:run-42",
    });
    expect(q(c.el, "card-execution")?.textContent).toContain("run-42");
    expect(q(c.el, "upload-progress")).toBeNull();
  });

  it("shows a failure in plain words", () => {
    const c = new PhotoCard({
      imageID: "a/notes.txt",
      name: "notes.txt",
      phase: "failed",
      label: "Failed",
      error: friendlyError("FileTypeNotSupported", "Image type not supported!"),
    });
    expect(c.el.dataset.status).toBe("failed");
    const err = q(c.el, "card-error")!;
    expect(err.getAttribute("data-error-name")).toBe("FileTypeNotSupported");
    expect(err.textContent).toMatch(/not supported\. Upload a JPEG, PNG, HEIC\/HEIF, AVIF, WebP or GIF photo/);
    expect(q(c.el, "card-error-detail")?.textContent).toBe("Image type not supported!");
  });

  it("shows every fact of a done photo", () => {
    const c = new PhotoCard({
      imageID: "a/x.jpg",
      name: "x.jpg",
      phase: "done",
      label: "Done",
      thumbnailUrl: "http://127.0.0.1:4566/photos/Thumbnails/a/x.jpg?sig",
      item: {
        imageID: "a/x.jpg",
        processingStatus: "SUCCEEDED",
        uploadTime: Date.UTC(2026, 10, 25, 12, 0),
        creationTime: "2019-05-03T10:20:30",
        exifMake: "FUJIFILM",
        exifModel: "FinePix REAL 3D W3",
        geo: { latitude: 48.85837, longitude: 2.294481 },
        fileSize: 1581000,
        dimensions: { width: 3648, height: 2736 },
        imageFormat: "JPEG",
        tags: [
          { name: "Tower", confidence: 91.2 },
          { name: "Sky", confidence: 99.1 },
        ],
      },
    });
    expect(q(c.el, "card-thumbnail")?.getAttribute("src")).toContain("Thumbnails/a/x.jpg");
    expect(Array.from(c.el.querySelectorAll('[data-testid="card-tag"]')).map((t) => t.textContent)).toEqual([
      "Sky 99%",
      "Tower 91%",
    ]);
    expect(q(c.el, "card-taken")?.textContent).toBe("2019-05-03 10:20:30");
    expect(q(c.el, "card-camera")?.textContent).toBe("FUJIFILM FinePix REAL 3D W3");
    expect(q(c.el, "card-size")?.textContent).toBe("1.58 MB");
    expect(q(c.el, "card-dimensions")?.textContent).toBe("3648 × 2736");
    expect(q(c.el, "card-uploaded")?.textContent).toMatch(/^2026-11-2[56] \d\d:\d\d$/);
    const link = q(c.el, "card-gps-link") as HTMLAnchorElement;
    expect(link.href).toBe("https://www.openstreetmap.org/?mlat=48.858370&mlon=2.294481#map=15/48.858370/2.294481");
    expect(link.textContent).toBe("48.85837° N, 2.29448° E");
  });

  it("leaves out facts that are absent", () => {
    const c = new PhotoCard({
      imageID: "a/y.png",
      name: "y.png",
      phase: "done",
      label: "Done",
      item: { imageID: "a/y.png", processingStatus: "SUCCEEDED", fileSize: 10, tags: [] },
    });
    expect(q(c.el, "card-gps-link")).toBeNull();
    expect(q(c.el, "card-camera")).toBeNull();
    expect(q(c.el, "card-taken")).toBeNull();
    expect(q(c.el, "card-tags-empty")).not.toBeNull();
  });
});

describe("PhotoCard actions", () => {
  const base = { imageID: "a/x.jpg", name: "x.jpg", label: "" } as const;

  it("offers cancel while uploading, retry after a failed upload, retry and delete after a failed processing", () => {
    const calls: string[] = [];
    const actions = {
      cancel: () => calls.push("cancel"),
      retryUpload: () => calls.push("retryUpload"),
      dismiss: () => calls.push("dismiss"),
      reprocess: () => calls.push("reprocess"),
      delete: () => calls.push("delete"),
    };
    const c = new PhotoCard({ ...base, phase: "uploading" }, actions);
    (q(c.el, "card-cancel") as HTMLButtonElement).click();
    c.update({ phase: "upload-failed" });
    (q(c.el, "card-retry-upload") as HTMLButtonElement).click();
    c.update({ phase: "failed" });
    (q(c.el, "card-reprocess") as HTMLButtonElement).click();
    expect(calls).toEqual(["cancel", "retryUpload", "reprocess"]);
  });

  it("hides retry when the deployment has no reprocess function", () => {
    const c = new PhotoCard({ ...base, phase: "failed" }, { delete: () => undefined });
    expect(q(c.el, "card-reprocess")).toBeNull();
    expect(q(c.el, "card-delete")).not.toBeNull();
  });

  it("asks before deleting, inline", () => {
    const calls: string[] = [];
    const c = new PhotoCard({ ...base, phase: "done" }, { delete: () => calls.push("delete") });
    (q(c.el, "card-delete") as HTMLButtonElement).click();
    expect(calls).toEqual([]);
    (q(c.el, "card-delete-cancel") as HTMLButtonElement).click();
    expect(q(c.el, "card-delete-confirm")).toBeNull();
    (q(c.el, "card-delete") as HTMLButtonElement).click();
    (q(c.el, "card-delete-confirm") as HTMLButtonElement).click();
    expect(calls).toEqual(["delete"]);
  });

  it("opens on click or Enter, but not from its buttons", () => {
    const opened: string[] = [];
    const c = new PhotoCard({ ...base, phase: "done" }, { open: (card) => opened.push(card.state.imageID), delete: () => undefined });
    c.el.click();
    c.el.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    (q(c.el, "card-delete") as HTMLButtonElement).click();
    expect(opened).toEqual(["a/x.jpg", "a/x.jpg"]);
  });

  it("shows a placeholder instead of a broken image", () => {
    const c = new PhotoCard({ ...base, phase: "upload-failed", previewUrl: "blob:x" });
    q(c.el, "card-preview")!.dispatchEvent(new Event("error"));
    expect(q(c.el, "card-preview")).toBeNull();
    expect(q(c.el, "card-no-preview")?.textContent).toMatch(/No preview/);
  });
});

describe("PhotoCard, the pipeline's newer attributes", () => {
  const HASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj";
  const base = { imageID: "me/k/x.jpg", name: "x.jpg", phase: "done", label: "Done" } as const;
  const item = { imageID: "me/k/x.jpg", processingStatus: "SUCCEEDED", placeholder: HASH, renditions: [{ name: "thumbnail", s3Key: "Thumbnails/me/thumbnail/k/x.jpg", width: 250, height: 125 }] };
  const paint = () => {
    const put = vi.fn();
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({
      createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
      putImageData: put,
    } as never);
    return put;
  };
  afterEach(() => vi.restoreAllMocks());

  it("paints the BlurHash while the thumbnail's URL is signed, and under it until it loads", () => {
    const put = paint();
    const c = new PhotoCard({ ...base, item });
    const canvas = q(c.el, "card-placeholder") as HTMLCanvasElement;
    expect([canvas.width, canvas.height]).toEqual([32, 16]); // the thumbnail's 2:1
    expect(put).toHaveBeenCalledTimes(1);
    expect(q(c.el, "card-no-preview")).toBeNull();
    expect(c.el.querySelector(".card__placeholder")).toBeNull(); // the blur instead of "…"
    c.update({ thumbnailUrl: "http://s3/thumb?sig" });
    expect(q(c.el, "card-placeholder")).not.toBeNull();
    q(c.el, "card-thumbnail")!.dispatchEvent(new Event("load"));
    expect(q(c.el, "card-placeholder")).toBeNull();
  });

  it("no placeholder without a valid hash, nor for a picture that failed", () => {
    paint();
    expect(q(new PhotoCard({ ...base, item: { ...item, placeholder: "x" } }).el, "card-placeholder")).toBeNull();
    const failed = new PhotoCard({ ...base, item, mediaFailed: true });
    expect(q(failed.el, "card-placeholder")).toBeNull();
    expect(q(failed.el, "card-no-preview")).not.toBeNull();
  });

  it("says which photo it duplicates, and opens it when it is in the album", () => {
    const opened: string[] = [];
    const original = "me/k/0f8fad5b-d9cb-469f-a165-70867728950e-flower.jpg";
    const c = new PhotoCard(
      { ...base, item: { imageID: "me/k/x.jpg", duplicateOf: original }, duplicate: { imageID: original, name: "flower.jpg", inAlbum: true } },
      { openPhoto: (id) => opened.push(id), open: () => opened.push("card") },
    );
    expect(q(c.el, "card-duplicate")?.textContent).toBe("Duplicate of flower.jpg");
    (q(c.el, "card-duplicate-link") as HTMLButtonElement).click();
    expect(opened).toEqual([original]); // the link, not the card's own photo view
    // Not in the loaded album: the name without a link; an id of no known form: "an earlier photo".
    c.update({ duplicate: undefined });
    expect(q(c.el, "card-duplicate")?.textContent).toBe("Duplicate of flower.jpg");
    expect(q(c.el, "card-duplicate-link")).toBeNull();
    c.update({ item: { imageID: "me/k/x.jpg", duplicateOf: "elsewhere" } });
    expect(q(c.el, "card-duplicate")?.textContent).toBe("Duplicate of an earlier photo");
    c.update({ item: { imageID: "me/k/x.jpg" } });
    expect(q(c.el, "card-duplicate")).toBeNull();
  });

  it("blurs a flagged photo behind a Show toggle and lists its labels", () => {
    const flagged = {
      ...item,
      placeholder: undefined,
      moderationLabels: [
        { name: "Nudity", confidence: 97.4, parentName: "Explicit Nudity" },
        { name: "Explicit Nudity", confidence: 97.4 },
      ],
    };
    const c = new PhotoCard({ ...base, item: flagged, thumbnailUrl: "http://s3/thumb?sig" });
    const media = () => c.el.querySelector(".card__media")!;
    expect(media().classList.contains("is-flagged")).toBe(true);
    expect(q(c.el, "card-flagged")?.textContent).toMatch(/^Flagged: Explicit Nudity/);
    expect(q(c.el, "card-flagged")?.getAttribute("title")).toBe("Nudity 97% (Explicit Nudity), Explicit Nudity 97%");
    expect(q(c.el, "card-moderation")?.textContent).toBe("Nudity 97% (Explicit Nudity), Explicit Nudity 97%");
    const toggle = () => q(c.el, "card-flag-toggle") as HTMLButtonElement;
    expect(toggle().textContent).toBe("Show");
    toggle().click();
    expect(media().classList.contains("is-flagged")).toBe(false);
    expect(toggle().textContent).toBe("Hide");
    expect(toggle().getAttribute("aria-pressed")).toBe("true");
    toggle().click();
    expect(media().classList.contains("is-flagged")).toBe(true);
  });

  it("an unflagged photo is neither blurred nor labelled", () => {
    const c = new PhotoCard({ ...base, item: { ...item, placeholder: undefined }, thumbnailUrl: "http://s3/t" });
    expect(c.el.querySelector(".is-flagged")).toBeNull();
    expect(q(c.el, "card-flagged")).toBeNull();
    expect(q(c.el, "card-moderation")).toBeNull();
  });
});
