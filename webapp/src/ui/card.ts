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
import { aspectRatio, duplicateOf, type Duplicate } from "../gallery";
import { flagSummary, formatModerationLabel, moderationLabels } from "../moderation";
import { placeholderCanvas } from "../placeholder";
import type { ImageItem, ModerationLabel, Phase } from "../status";
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
  /** The image could not be shown (an unreadable file, a thumbnail that failed to load). */
  mediaFailed?: boolean;
  /** The inline "delete this photo?" question is open. */
  confirmingDelete?: boolean;
  /** An action is under way ("Deleting…", "Retrying…"): its buttons are disabled. */
  busy?: string;
  /** The earlier photo this one duplicates, as the gallery resolved it (else from the item alone). */
  duplicate?: Duplicate;
  /** A photo moderation flagged is shown unblurred (the person chose "Show"). */
  revealed?: boolean;
}

/** What a card's buttons do; an absent handler hides its button. */
export interface CardActions {
  open?(card: PhotoCard): void;
  cancel?(card: PhotoCard): void;
  retryUpload?(card: PhotoCard): void;
  dismiss?(card: PhotoCard): void;
  reprocess?(card: PhotoCard): void;
  delete?(card: PhotoCard): void;
  /** Opens another photo of the album in the photo view (the one this duplicates). */
  openPhoto?(imageID: string): void;
}

export class PhotoCard {
  readonly el: HTMLElement;
  state: CardState;

  constructor(
    state: CardState,
    private readonly actions: CardActions = {},
  ) {
    this.state = state;
    this.el = h("article", { class: "card", testid: "photo-card", tabindex: 0 });
    // Click or Enter anywhere on the card but its buttons and links opens the photo view.
    this.el.addEventListener("click", (e) => {
      if ((e.target as Element).closest("button, a, input, select")) return;
      this.actions.open?.(this);
    });
    this.el.addEventListener("keydown", (e) => {
      if (e.target === this.el && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        this.actions.open?.(this);
      }
    });
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
    el.setAttribute("aria-label", `${s.name}: ${s.label}. Enter opens the photo view.`);
    clear(el);

    const imgSrc = s.mediaFailed ? undefined : (s.thumbnailUrl ?? s.previewUrl);
    const img = imgSrc
      ? h("img", { src: imgSrc, alt: s.name, testid: s.thumbnailUrl ? "card-thumbnail" : "card-preview", loading: "lazy" })
      : null;
    // An unreadable file or a thumbnail that does not load: a plain placeholder, not a broken image.
    img?.addEventListener("error", () => this.update({ mediaFailed: true }), { once: true });
    // The BlurHash until the thumbnail loads (and while its URL is being signed).
    const blur = s.item && !s.mediaFailed ? placeholderCanvas(s.item.placeholder, aspectRatio(s.item), "blurhash", "card-placeholder") : null;
    if (blur && img) img.addEventListener("load", () => blur.remove(), { once: true });
    const flags = moderationLabels(s.item);
    el.append(
      h(
        "div",
        { class: `card__media${flags.length && !s.revealed ? " is-flagged" : ""}` },
        blur,
        img ??
          (blur
            ? null
            : h(
                "div",
                { class: "card__placeholder", testid: s.mediaFailed ? "card-no-preview" : undefined },
                h("span", { "aria-hidden": "true" }, s.phase === "failed" || s.phase === "upload-failed" ? "!" : s.mediaFailed ? "?" : "…"),
                s.mediaFailed ? h("small", {}, "No preview") : null,
              )),
        flags.length ? flagBar(flags, !!s.revealed, "card", (revealed) => this.update({ revealed })) : null,
      ),
    );

    const body = h("div", { class: "card__body" });
    el.append(body);
    body.append(h("h3", { class: "card__name", title: s.name, testid: "card-name" }, s.name));
    body.append(h("p", { class: `status status--${s.phase}`, testid: "card-status" }, s.label));
    const dup = s.duplicate ?? duplicateOf(s.item);
    if (dup) body.append(duplicateLine(dup, "card", this.actions.openPhoto));

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
    const bar = this.actionBar();
    if (bar) body.append(bar);
  }

  private actionBar(): HTMLElement | null {
    const s = this.state;
    const a = this.actions;
    const button = (testid: string, text: string, fn: ((c: PhotoCard) => void) | undefined, cls = "secondary") =>
      fn ? h("button", { type: "button", class: `small ${cls}`, testid, disabled: !!s.busy, onclick: () => fn(this) }, text) : null;
    if (s.busy) return h("div", { class: "card__actions" }, h("span", { class: "muted", testid: "card-busy" }, s.busy));
    if (s.confirmingDelete) {
      return h(
        "div",
        { class: "card__actions card__confirm", role: "group", "aria-label": "Delete this photo?" },
        h("span", {}, "Delete this photo?"),
        button("card-delete-confirm", "Delete", a.delete, "danger"),
        h("button", { type: "button", class: "small secondary", testid: "card-delete-cancel", onclick: () => this.update({ confirmingDelete: false }) }, "Keep"),
      );
    }
    const askDelete = a.delete ? () => this.update({ confirmingDelete: true }) : undefined;
    const buttons =
      s.phase === "uploading"
        ? [button("card-cancel", "Cancel", a.cancel)]
        : s.phase === "upload-failed"
          ? [button("card-retry-upload", "Retry upload", a.retryUpload, ""), button("card-dismiss", "Remove", a.dismiss)]
          : s.phase === "failed"
            ? [button("card-reprocess", "Retry", a.reprocess, ""), button("card-delete", "Delete", askDelete)]
            : [button("card-delete", "Delete", askDelete)];
    const shown = buttons.filter((b) => b !== null);
    return shown.length ? h("div", { class: "card__actions" }, shown) : null;
  }
}

/**
 * "Flagged: Explicit Nudity" over a blurred picture, with a Show/Hide toggle; every label with
 * its confidence in the tooltip. `prefix`: "card" or "photo-view" (test ids).
 */
export function flagBar(labels: ModerationLabel[], revealed: boolean, prefix: string, toggle: (revealed: boolean) => void): HTMLElement {
  const button = h("button", { type: "button", class: "small secondary", testid: `${prefix}-flag-toggle` });
  const set = (r: boolean) => {
    revealed = r;
    button.textContent = r ? "Hide" : "Show";
    button.setAttribute("aria-pressed", String(r));
  };
  set(revealed);
  button.addEventListener("click", () => {
    set(!revealed);
    toggle(revealed);
  });
  return h("div", { class: "flag", testid: `${prefix}-flagged`, title: labels.map(formatModerationLabel).join(", ") }, h("span", {}, flagSummary(labels)), button);
}

/** "Duplicate of <name>": the name opens that photo when it is in the album. */
export function duplicateLine(dup: Duplicate, prefix: string, open?: (imageID: string) => void): HTMLElement {
  return h(
    "p",
    { class: "duplicate", testid: `${prefix}-duplicate`, "data-duplicate-of": dup.imageID },
    "Duplicate of ",
    dup.inAlbum && open
      ? h("button", { type: "button", class: "link", testid: `${prefix}-duplicate-link`, onclick: () => open(dup.imageID) }, dup.name)
      : h("span", {}, dup.name),
  );
}

export type FactRow = [id: string, label: string, value: Node | string];

/** The facts of a processed photo, as the card and the photo view list them. */
export function factRows(item: ImageItem): FactRow[] {
  const rows: FactRow[] = [];
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
      h("a", { href: osmUrl(geo), target: "_blank", rel: "noopener noreferrer", testid: "card-gps-link" }, formatGeo(geo)),
    ]);
  }
  if (item.fileSize !== undefined) rows.push(["size", "Size", formatBytes(item.fileSize)]);
  const dims = formatDimensions(item.dimensions);
  if (dims) rows.push(["dimensions", "Dimensions", dims]);
  if (item.imageFormat) rows.push(["format", "Format", item.imageFormat]);
  const flags = moderationLabels(item);
  if (flags.length) rows.push(["moderation", "Flagged", flags.map(formatModerationLabel).join(", ")]);
  return rows;
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
  const rows = factRows(item);
  wrap.append(
    h(
      "dl",
      { class: "facts" },
      rows.flatMap(([id, k, v]) => [h("dt", {}, k), h("dd", { testid: `card-${id}` }, v)]),
    ),
  );
  return wrap;
}
