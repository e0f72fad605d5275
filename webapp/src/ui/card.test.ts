// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
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
    expect(err.textContent).toMatch(/not supported\. Upload a JPEG or PNG/);
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
