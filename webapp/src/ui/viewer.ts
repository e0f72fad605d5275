// The photo view: a modal dialog with the larger rendition (the `preview`; the BlurHash, then
// the thumbnail until it loads, the thumbnail alone when it fails or there is none), every
// fact, labels with confidence, the map link, the failure reason, the duplicate it is of and
// what moderation flagged. Arrow keys move between the photos as the gallery shows them;
// Escape closes.

import { formatTag, normalizeTags } from "../format";
import { aspectRatio, duplicateOf, pickRendition, step } from "../gallery";
import { moderationLabels } from "../moderation";
import { placeholderCanvas } from "../placeholder";
import type { ImageItem } from "../status";
import type { PhotoCard } from "./card";
import { duplicateLine, factRows, flagBar } from "./card";
import { append, clear, h } from "./dom";

export interface ViewerDeps {
  /** The cards in the order the gallery shows them (filtered). */
  cards(): PhotoCard[];
  /** A URL for a rendition key of the identity's own. */
  renditionUrl(s3Key: string): Promise<string>;
  onDelete?(card: PhotoCard): void;
  onReprocess?(card: PhotoCard): void;
  /** Opens another photo of the album (the one this duplicates). */
  openPhoto?(imageID: string): void;
}

export class PhotoViewer {
  readonly el: HTMLDialogElement;
  private current: string | null = null;
  private opener: HTMLElement | null = null;
  private renderToken = 0;

  constructor(private readonly deps: ViewerDeps) {
    this.el = h("dialog", { class: "viewer", testid: "photo-view", "aria-label": "Photo" });
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight") this.move(1);
      else if (e.key === "ArrowLeft") this.move(-1);
      else return;
      e.preventDefault();
    });
    // Escape (the dialog's own cancel) and the close button both end here.
    this.el.addEventListener("close", () => {
      this.current = null;
      this.opener?.focus();
    });
    this.el.addEventListener("click", (e) => {
      if (e.target === this.el) this.close(); // the backdrop
    });
  }

  get openImageID(): string | null {
    return this.current;
  }

  open(card: PhotoCard): void {
    this.opener = card.el;
    this.current = card.state.imageID;
    this.render();
    if (!this.el.open) this.el.showModal();
    this.el.querySelector<HTMLElement>('[data-testid="photo-view-close"]')?.focus();
  }

  close(): void {
    if (this.el.open) this.el.close();
  }

  /** Re-renders when the open photo changed (status, item) or left the gallery. */
  refresh(imageID: string): void {
    if (this.current !== imageID || !this.el.open) return;
    if (!this.deps.cards().some((c) => c.state.imageID === imageID)) this.close();
    else this.render();
  }

  private move(delta: number): void {
    const cards = this.deps.cards();
    const i = cards.findIndex((c) => c.state.imageID === this.current);
    const next = i < 0 ? null : step(i, delta, cards.length);
    if (next === null) return;
    this.current = cards[next].state.imageID;
    this.opener = cards[next].el;
    this.render();
  }

  private render(): void {
    const cards = this.deps.cards();
    const index = cards.findIndex((c) => c.state.imageID === this.current);
    const card = cards[index];
    if (!card) return this.close();
    const s = card.state;
    const token = ++this.renderToken;
    const el = this.el;
    clear(el);
    el.dataset.imageId = s.imageID;
    el.dataset.status = s.phase;

    const flags = moderationLabels(s.item);
    const media = h("div", { class: `viewer__media${flags.length && !s.revealed ? " is-flagged" : ""}` });
    const blur = s.item && !s.mediaFailed ? placeholderCanvas(s.item.placeholder, aspectRatio(s.item), "blurhash", "photo-view-placeholder") : null;
    const flagged = flags.length
      ? flagBar(flags, !!s.revealed, "photo-view", (revealed) => {
          media.classList.toggle("is-flagged", !revealed);
          card.update({ revealed });
        })
      : null;
    const noImage = () => h("div", { class: "card__placeholder", testid: "photo-view-no-image" }, "No picture yet");
    const smallUrl = s.mediaFailed ? undefined : (s.thumbnailUrl ?? s.previewUrl);
    const small = smallUrl ? h("img", { src: smallUrl, alt: s.name, testid: s.thumbnailUrl ? "photo-view-image" : "photo-view-preview" }) : null;
    small?.addEventListener("load", () => blur?.remove(), { once: true });
    small?.addEventListener(
      "error",
      () => {
        small.remove();
        if (!media.querySelector("img")) media.prepend(blur ?? noImage());
      },
      { once: true },
    );
    append(media, [blur, small ?? (blur ? null : noImage()), flagged]);
    // The larger rendition, loaded behind what is shown and swapped in once it has loaded; the
    // thumbnail stays when it fails.
    const rendition = s.item ? pickRendition(s.item) : undefined;
    if (rendition && !s.mediaFailed && !(s.thumbnailUrl && rendition.s3Key === s.item?.thumbnail?.s3Key)) {
      this.deps.renditionUrl(rendition.s3Key).then(
        (url) => {
          if (token !== this.renderToken) return;
          const big = h("img", { src: url, alt: s.name, class: "viewer__next", testid: "photo-view-loading" });
          big.addEventListener(
            "load",
            () => {
              if (token !== this.renderToken) return;
              media.querySelectorAll("img, canvas, .card__placeholder").forEach((n) => n !== big && n.remove());
              big.classList.remove("viewer__next");
              big.setAttribute("data-testid", "photo-view-image");
            },
            { once: true },
          );
          big.addEventListener("error", () => big.remove(), { once: true });
          media.prepend(big);
        },
        (err: unknown) => console.error("rendition", err),
      );
    }

    const dup = s.duplicate ?? duplicateOf(s.item);
    const nav = (delta: number, label: string, testid: string) =>
      h(
        "button",
        { type: "button", class: "secondary", testid, "aria-label": label, disabled: step(index, delta, cards.length) === null, onclick: () => this.move(delta) },
        delta < 0 ? "←" : "→",
      );
    const info = h(
      "div",
      { class: "viewer__info" },
      h("h2", { class: "viewer__name", testid: "photo-view-name" }, s.name),
      h("p", { class: `status status--${s.phase}`, testid: "photo-view-status" }, s.label),
      dup ? duplicateLine(dup, "photo-view", this.deps.openPhoto) : null,
      s.error
        ? h(
            "div",
            { class: "card__error", role: "alert", testid: "photo-view-error", "data-error-name": s.error.name },
            h("strong", {}, s.error.title),
            s.error.detail ? h("p", {}, s.error.detail) : null,
            h("p", { class: "muted" }, `Error: ${s.error.name}`),
          )
        : null,
      s.note ? h("p", { class: "card__note" }, s.note) : null,
      s.item ? labels(s.item) : null,
      s.item ? facts(s.item) : null,
    );
    const actions = h("div", { class: "viewer__actions" });
    if (s.phase === "failed" && this.deps.onReprocess) {
      actions.append(h("button", { type: "button", testid: "photo-view-reprocess", onclick: () => this.deps.onReprocess?.(card) }, "Retry"));
    }
    if (this.deps.onDelete && s.item) {
      actions.append(
        h("button", { type: "button", class: "danger", testid: "photo-view-delete", onclick: () => this.deps.onDelete?.(card) }, "Delete photo"),
      );
    }
    el.append(
      h(
        "div",
        { class: "viewer__bar" },
        nav(-1, "Previous photo", "photo-view-prev"),
        h("span", { class: "muted", testid: "photo-view-position" }, `${index + 1} / ${cards.length}`),
        nav(1, "Next photo", "photo-view-next"),
        h("button", { type: "button", class: "secondary viewer__close", testid: "photo-view-close", "aria-label": "Close", onclick: () => this.close() }, "✕"),
      ),
      h("div", { class: "viewer__body" }, media, h("div", { class: "viewer__side" }, info, actions)),
    );
    // Re-rendering removed the focused button: keep the focus (and so the arrow keys) in the view.
    if (el.open && !el.contains(document.activeElement)) el.querySelector<HTMLElement>('[data-testid="photo-view-close"]')?.focus();
  }
}

function labels(item: ImageItem): HTMLElement {
  const tags = normalizeTags(item.tags);
  if (tags.length === 0) return h("p", { class: "muted", testid: "photo-view-tags-empty" }, item.processingStatus === "SUCCEEDED" ? "No labels detected" : "");
  return h(
    "ul",
    { class: "tags", testid: "photo-view-tags", "aria-label": "Labels" },
    tags.map((t) => h("li", { class: "tag", testid: "photo-view-tag" }, formatTag(t))),
  );
}

function facts(item: ImageItem): HTMLElement {
  const rows = factRows(item);
  if (item.attempt && item.attempt > 1) rows.push(["attempt", "Attempt", String(item.attempt)]);
  if (item.executionArn) rows.push(["execution", "Execution", item.executionArn.split(":").slice(-1)[0] ?? item.executionArn]);
  return h(
    "dl",
    { class: "facts", testid: "photo-view-facts" },
    rows.flatMap(([id, k, v]) => {
      const value = v instanceof Element && id === "location" ? relabel(v, "photo-view-map-link") : v;
      return [h("dt", {}, k), h("dd", { testid: `photo-view-${id}` }, value)];
    }),
  );
}

function relabel(el: Element, testid: string): Element {
  el.setAttribute("data-testid", testid);
  return el;
}
