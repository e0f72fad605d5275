// One photo card: upload progress, pipeline status, then the results.

import {
  formatBytes,
  formatCamera,
  formatCaptureTime,
  formatDimensions,
  formatEpochMs,
  formatGeo,
  formatTag,
  normalizeTags,
  osmUrl,
  parseGeo,
} from "../format";
import type { FriendlyError } from "../errors";
import type { ImageItem, Phase } from "../status";
import { clear, h } from "./dom";

export interface CardState {
  imageID: string;
  name: string;
  phase: Phase;
  label: string;
  /** Upload progress 0..1 while uploading. */
  progress?: number;
  executionArn?: string;
  item?: ImageItem;
  error?: FriendlyError;
  /** A transient note (backend unreachable, still waiting...). */
  note?: string;
  thumbnailUrl?: string;
  /** A local object URL shown until the thumbnail exists. */
  previewUrl?: string;
}

export class PhotoCard {
  readonly el: HTMLElement;
  state: CardState;

  constructor(state: CardState) {
    this.state = state;
    this.el = h("article", { class: "card", testid: "photo-card" });
    this.render();
  }

  update(patch: Partial<CardState>): void {
    this.state = { ...this.state, ...patch };
    this.render();
  }

  private render(): void {
    const s = this.state;
    const el = this.el;
    el.dataset.imageId = s.imageID;
    el.dataset.status = s.phase;
    el.className = `card card--${s.phase}`;
    clear(el);

    const imgSrc = s.thumbnailUrl ?? s.previewUrl;
    el.append(
      h(
        "div",
        { class: "card__media" },
        imgSrc
          ? h("img", {
              src: imgSrc,
              alt: s.name,
              testid: s.thumbnailUrl ? "card-thumbnail" : "card-preview",
              loading: "lazy",
            })
          : h("div", { class: "card__placeholder", "aria-hidden": "true" }, s.phase === "failed" ? "!" : "…"),
      ),
    );

    const body = h("div", { class: "card__body" });
    el.append(body);
    body.append(h("h3", { class: "card__name", title: s.name, testid: "card-name" }, s.name));
    body.append(h("p", { class: `status status--${s.phase}`, testid: "card-status" }, s.label));

    if (s.phase === "uploading") {
      const pct = Math.round((s.progress ?? 0) * 100);
      body.append(
        h("progress", {
          class: "card__progress",
          max: 100,
          value: pct,
          testid: "upload-progress",
          "aria-label": `Upload ${pct}%`,
        }),
      );
    }
    if (s.executionArn && s.phase !== "done") {
      body.append(
        h(
          "p",
          { class: "card__arn", testid: "card-execution", title: s.executionArn },
          "Execution: ",
          h("code", {}, s.executionArn.split(":").slice(-1)[0] ?? s.executionArn),
        ),
      );
    }
    if (s.error) {
      body.append(
        h(
          "div",
          { class: "card__error", role: "alert", testid: "card-error", "data-error-name": s.error.name },
          h("strong", {}, s.error.title),
          s.error.detail ? h("p", { testid: "card-error-detail" }, s.error.detail) : null,
          h("p", { class: "muted" }, `Error: ${s.error.name}`),
        ),
      );
    }
    if (s.note) body.append(h("p", { class: "card__note", testid: "card-note" }, s.note));
    if (s.phase === "done" && s.item) body.append(details(s.item));
  }
}

function details(item: ImageItem): HTMLElement {
  const wrap = h("div", { class: "card__details" });
  const tags = normalizeTags(item.tags);
  if (tags.length > 0) {
    wrap.append(
      h(
        "ul",
        { class: "tags", testid: "card-tags" },
        tags.map((t) => h("li", { class: "tag", testid: "card-tag" }, formatTag(t))),
      ),
    );
  } else {
    wrap.append(h("p", { class: "muted", testid: "card-tags-empty" }, "No labels detected"));
  }
  const rows: [string, string, Node | string][] = [];
  rows.push(["uploaded", "Uploaded", formatEpochMs(item.uploadTime)]);
  const taken = formatCaptureTime(item.creationTime);
  if (taken) rows.push(["taken", "Taken", taken]);
  const camera = formatCamera(item.exifMake, item.exifModel);
  if (camera) rows.push(["camera", "Camera", camera]);
  const geo = parseGeo(item.geo);
  if (geo) {
    rows.push([
      "location",
      "Location",
      h(
        "a",
        { href: osmUrl(geo), target: "_blank", rel: "noopener noreferrer", testid: "card-gps-link" },
        formatGeo(geo),
      ),
    ]);
  }
  if (item.fileSize !== undefined) rows.push(["size", "Size", formatBytes(item.fileSize)]);
  const dims = formatDimensions(item.dimensions);
  if (dims) rows.push(["dimensions", "Dimensions", dims]);
  if (item.imageFormat) rows.push(["format", "Format", item.imageFormat]);
  wrap.append(
    h(
      "dl",
      { class: "facts" },
      rows.flatMap(([id, k, v]) => [h("dt", {}, k), h("dd", { testid: `card-${id}` }, v)]),
    ),
  );
  return wrap;
}
