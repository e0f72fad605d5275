// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ImageItem } from "../status";
import { PhotoCard, type CardState } from "./card";
import { PhotoViewer } from "./viewer";

const q = (el: Element, id: string) => el.querySelector(`[data-testid="${id}"]`);
const flush = () => new Promise((r) => setTimeout(r, 0));
const HASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj";
const T = "Thumbnails/me/thumbnail/k/x.jpg";
const P = "Thumbnails/me/preview/k/x.webp";

beforeAll(() => {
  // jsdom has no modal dialogs.
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.removeAttribute("open");
    this.dispatchEvent(new Event("close"));
  };
});
afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

function paint() {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({
    createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
    putImageData: () => undefined,
  } as never);
}

function setup(states: (Partial<CardState> & { item: ImageItem })[], extra: { openPhoto?: (id: string) => void } = {}) {
  const cards = states.map((s) => new PhotoCard({ imageID: s.item.imageID, name: s.item.imageID.split("/").pop()!, phase: "done", label: "Done", ...s }));
  const signed: string[] = [];
  const viewer = new PhotoViewer({
    cards: () => cards,
    renditionUrl: async (key) => {
      signed.push(key);
      return `http://s3/${key}?sig`;
    },
    ...extra,
  });
  document.body.append(viewer.el);
  return { cards, viewer, signed };
}

const photo = (patch: Partial<ImageItem> = {}): ImageItem => ({
  imageID: "me/k/x.jpg",
  processingStatus: "SUCCEEDED",
  thumbnail: { s3Bucket: "photos", s3Key: T },
  renditions: [
    { name: "thumbnail", s3Key: T, width: 250, height: 188, format: "JPEG" },
    { name: "preview", s3Key: P, width: 1280, height: 960, format: "WEBP" },
  ],
  ...patch,
});

describe("PhotoViewer", () => {
  it("shows the thumbnail at once, then the preview rendition once it has loaded", async () => {
    const { cards, viewer, signed } = setup([{ item: photo(), thumbnailUrl: `http://s3/${T}?sig` }]);
    viewer.open(cards[0]);
    expect(q(viewer.el, "photo-view-image")?.getAttribute("src")).toBe(`http://s3/${T}?sig`);
    await flush();
    expect(signed).toEqual([P]);
    const next = q(viewer.el, "photo-view-loading") as HTMLImageElement;
    expect(next.getAttribute("src")).toBe(`http://s3/${P}?sig`);
    next.dispatchEvent(new Event("load"));
    const shown = viewer.el.querySelectorAll('[data-testid="photo-view-image"]');
    expect(shown).toHaveLength(1);
    expect(shown[0].getAttribute("src")).toBe(`http://s3/${P}?sig`);
  });

  it("keeps the thumbnail when the preview fails to load", async () => {
    const { cards, viewer } = setup([{ item: photo(), thumbnailUrl: `http://s3/${T}?sig` }]);
    viewer.open(cards[0]);
    await flush();
    q(viewer.el, "photo-view-loading")!.dispatchEvent(new Event("error"));
    expect(q(viewer.el, "photo-view-loading")).toBeNull();
    expect(q(viewer.el, "photo-view-image")?.getAttribute("src")).toBe(`http://s3/${T}?sig`);
  });

  it("without renditions: the thumbnail only, nothing else signed", async () => {
    const { cards, viewer, signed } = setup([{ item: photo({ renditions: undefined }), thumbnailUrl: `http://s3/${T}?sig` }]);
    viewer.open(cards[0]);
    await flush();
    expect(signed).toEqual([]);
    expect(q(viewer.el, "photo-view-image")?.getAttribute("src")).toBe(`http://s3/${T}?sig`);
  });

  it("paints the BlurHash until a picture loads", async () => {
    paint();
    const { cards, viewer } = setup([{ item: photo({ placeholder: HASH }) }]);
    viewer.open(cards[0]);
    expect(q(viewer.el, "photo-view-placeholder")).not.toBeNull();
    expect(q(viewer.el, "photo-view-no-image")).toBeNull();
    await flush();
    q(viewer.el, "photo-view-loading")!.dispatchEvent(new Event("load"));
    expect(q(viewer.el, "photo-view-placeholder")).toBeNull();
    expect(q(viewer.el, "photo-view-image")).not.toBeNull();
  });

  it("names the photo it duplicates and moves to it", () => {
    const original = photo({ imageID: "me/k/0f8fad5b-d9cb-469f-a165-70867728950e-flower.jpg" });
    const opened: string[] = [];
    const { cards, viewer } = setup(
      [{ item: original }, { item: photo({ duplicateOf: original.imageID }), duplicate: { imageID: original.imageID, name: "flower.jpg", inAlbum: true } }],
      { openPhoto: (id) => opened.push(id) },
    );
    viewer.open(cards[1]);
    expect(q(viewer.el, "photo-view-duplicate")?.textContent).toBe("Duplicate of flower.jpg");
    (q(viewer.el, "photo-view-duplicate-link") as HTMLButtonElement).click();
    expect(opened).toEqual([original.imageID]);
    viewer.open(cards[0]);
    expect(q(viewer.el, "photo-view-duplicate")).toBeNull();
  });

  it("says a flagged photo was flagged, lists its labels, and blurs it until Show", () => {
    const item = photo({
      moderationLabels: [
        { name: "Graphic Violence Or Gore", confidence: 88.8, parentName: "Violence" },
        { name: "Violence", confidence: 88.8 },
      ],
    });
    const { cards, viewer } = setup([{ item, thumbnailUrl: `http://s3/${T}?sig` }]);
    viewer.open(cards[0]);
    const media = viewer.el.querySelector(".viewer__media")!;
    expect(media.classList.contains("is-flagged")).toBe(true);
    expect(q(viewer.el, "photo-view-flagged")?.textContent).toMatch(/^Flagged: Violence/);
    expect(q(viewer.el, "photo-view-moderation")?.textContent).toBe("Graphic Violence Or Gore 89% (Violence), Violence 89%");
    (q(viewer.el, "photo-view-flag-toggle") as HTMLButtonElement).click();
    expect(media.classList.contains("is-flagged")).toBe(false);
    // The card follows: shown there too.
    expect(cards[0].state.revealed).toBe(true);
    expect(cards[0].el.querySelector(".card__media")!.classList.contains("is-flagged")).toBe(false);
  });
});
