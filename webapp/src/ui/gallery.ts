// One album: uploads (picker, drops and pastes anywhere on the page), live cards, sort and label
// filter, the photo view, and the actions (delete, retry, cancel). The gallery stays current by
// itself: it lists the album again every few seconds while the page is visible, so photos
// uploaded from another tab, or finished while the user was elsewhere, appear, and status
// changes and deletions show without a reload.

import type { Album, Backend } from "../backend";
import type { WebappConfig } from "../config";
import { backendErrorMessage } from "../errors";
import { ACCEPT, ACCEPTED_FORMATS_TEXT, checkFile } from "../filetype";
import { diffListing, duplicateOf, labelCounts, matchesLabel, sortEntries, thumbnailKey, type Entry, type SortOrder } from "../gallery";
import { buildUploadKey, cleanFileName, displayNameFromImageId, imageIdFromKey } from "../keys";
import { SessionExpiredError } from "../session";
import { isTerminal, viewFromItem, type ImageItem } from "../status";
import type { UploadEntry, UploadManager } from "../uploads";
import { realSleep, watchImage } from "../watcher";
import { PhotoCard } from "./card";
import { clear, h } from "./dom";
import { PhotoViewer } from "./viewer";

const STILL_WAITING_MS = 30_000;
export const REFRESH_MS = 4_000;
const SORT_KEY = "imagePipeline.sort";

export interface GalleryDeps {
  config: WebappConfig;
  backend: Backend;
  uploads: UploadManager;
  album: Album;
  albumKey: string;
  signal: AbortSignal;
  reportError(err: unknown): void;
  expire(): void;
  /** Where the album went after it was deleted. */
  leave(): void;
}

interface Slot {
  card: PhotoCard;
  item?: ImageItem;
  /** Stops this card's status poller. */
  watch?: AbortController;
}

function touchScreen(): boolean {
  return typeof matchMedia === "function" && matchMedia("(hover: none) and (pointer: coarse)").matches;
}

export function renderGallery(main: HTMLElement, deps: GalleryDeps): void {
  const { config, backend, uploads, album, albumKey, signal } = deps;
  const albumID = album.albumID;
  const slots = new Map<string, Slot>();
  const deleting = new Set<string>();
  const objectUrls = new Set<string>();
  signal.addEventListener("abort", () => {
    objectUrls.forEach((u) => URL.revokeObjectURL(u));
    slots.forEach((s) => s.watch?.abort());
  });

  // ---- layout ---------------------------------------------------------------------------
  const fileInput = h("input", { type: "file", multiple: true, accept: ACCEPT, id: "file-input", testid: "file-input", class: "visually-hidden" });
  const touch = touchScreen();
  const drop = h(
    "label",
    { for: "file-input", class: "dropzone", testid: "dropzone" },
    h("strong", {}, touch ? "Tap to choose photos" : "Drop photos anywhere on this page"),
    h("span", { testid: "dropzone-formats" }, `${touch ? "" : ", paste them, or click to choose"} (${ACCEPTED_FORMATS_TEXT}; many at once)`),
  );
  const refused = h("div", { class: "refused", role: "status", testid: "upload-refused", hidden: true });
  const sortSelect = h(
    "select",
    { testid: "sort-select", "aria-label": "Sort photos" },
    h("option", { value: "uploaded" }, "Newest upload first"),
    h("option", { value: "captured" }, "Newest capture first"),
  );
  sortSelect.value = localStorage.getItem(SORT_KEY) === "captured" ? "captured" : "uploaded";
  const labelSelect = h("select", { testid: "label-filter", "aria-label": "Filter by label" });
  const countText = h("span", { class: "muted", testid: "photo-count" });
  const toolbar = h("div", { class: "toolbar" }, sortSelect, labelSelect, countText);
  const grid = h("section", { class: "grid", testid: "photo-grid", "aria-live": "polite" });
  const empty = h("p", { class: "muted", testid: "gallery-empty", hidden: true }, "No photos yet.");
  const liveNote = h("p", { class: "muted live-note", testid: "gallery-live" });
  const viewer = new PhotoViewer({
    cards: () => visibleCards(),
    renditionUrl: (key) => backend.renditionUrl(key),
    onDelete: (card) => void deletePhoto(card),
    onReprocess: backend.canReprocess ? (card) => void reprocess(card) : undefined,
    openPhoto: (id) => openPhoto(id),
  });
  main.append(albumActions(), fileInput, drop, refused, toolbar, empty, grid, liveNote, viewer.el);

  // ---- cards ----------------------------------------------------------------------------
  const cardActions = {
    open: (card: PhotoCard) => viewer.open(card),
    cancel: (card: PhotoCard) => {
      uploads.cancel(card.state.imageID);
      removeSlot(card.state.imageID);
    },
    retryUpload: (card: PhotoCard) => uploads.retry(card.state.imageID),
    dismiss: (card: PhotoCard) => {
      uploads.forget(card.state.imageID);
      removeSlot(card.state.imageID);
    },
    reprocess: backend.canReprocess ? (card: PhotoCard) => void reprocess(card) : undefined,
    delete: (card: PhotoCard) => void deletePhoto(card),
    openPhoto: (id: string) => openPhoto(id),
  };

  /** Opens a photo of the album in the photo view (the label filter is cleared when it hides it). */
  function openPhoto(imageID: string): void {
    const card = slots.get(imageID)?.card;
    if (!card) return;
    if (card.el.hidden) {
      labelSelect.value = "";
      layout();
    }
    viewer.open(card);
  }

  const visibleCards = () => [...grid.children].map((el) => cardOf(el)).filter((c): c is PhotoCard => !!c && !c.el.hidden);
  const cardOf = (el: Element) => slots.get((el as HTMLElement).dataset.imageId ?? "")?.card;

  function layout(): void {
    const entries: Entry[] = [...slots].map(([imageID, s]) => ({ imageID, item: s.item, addedAt: uploads.get(imageID)?.addedAt }));
    const label = labelSelect.value;
    const labels = labelCounts(entries.map((e) => e.item));
    const options = [h("option", { value: "" }, "All labels"), ...labels.map((l) => h("option", { value: l.name }, `${l.name} (${l.count})`))];
    const keep = labels.some((l) => l.name === label) ? label : "";
    labelSelect.replaceChildren(...options);
    labelSelect.value = keep;
    labelSelect.disabled = labels.length === 0;
    let shown = 0;
    for (const e of sortEntries(entries, sortSelect.value as SortOrder)) {
      const card = slots.get(e.imageID)!.card;
      card.el.hidden = !matchesLabel(e, keep);
      if (!card.el.hidden) shown++;
      grid.append(card.el); // moves it into place
    }
    // "Duplicate of <name>" follows the album: a link while that photo is here.
    const names = new Map([...slots].map(([id, sl]) => [id, sl.card.state.name] as const));
    for (const sl of slots.values()) {
      const dup = duplicateOf(sl.item, names);
      const had = sl.card.state.duplicate;
      if (dup?.imageID !== had?.imageID || dup?.name !== had?.name || dup?.inAlbum !== had?.inAlbum) sl.card.update({ duplicate: dup });
    }
    empty.hidden = slots.size > 0;
    countText.textContent = slots.size === 0 ? "" : keep ? `${shown} of ${slots.size} photos` : `${slots.size} photo${slots.size === 1 ? "" : "s"}`;
  }
  sortSelect.addEventListener("change", () => {
    localStorage.setItem(SORT_KEY, sortSelect.value);
    layout();
  });
  labelSelect.addEventListener("change", layout);

  function removeSlot(imageID: string): void {
    const s = slots.get(imageID);
    if (!s) return;
    s.watch?.abort();
    if (s.card.state.previewUrl) URL.revokeObjectURL(s.card.state.previewUrl);
    s.card.el.remove();
    slots.delete(imageID);
    viewer.refresh(imageID);
    layout();
  }

  const showThumbnail = async (card: PhotoCard, item: ImageItem) => {
    try {
      const url = await backend.thumbnailUrl(item);
      if (!url || signal.aborted) return;
      card.update({ thumbnailUrl: url, mediaFailed: false });
      viewer.refresh(card.state.imageID);
    } catch (err) {
      console.error("thumbnail", err);
    }
  };

  function applyItem(slot: Slot, item: ImageItem | undefined): void {
    const card = slot.card;
    const view = viewFromItem(item);
    const before = card.state.item ? thumbnailKey(card.state.item) : undefined;
    if (item) slot.item = item;
    card.update({ phase: view.phase, label: view.label, executionArn: view.executionArn, error: view.error, item: item ?? card.state.item });
    const key = item ? thumbnailKey(item) : undefined;
    if (view.phase === "done" && item && key && (!card.state.thumbnailUrl || before !== key)) void showThumbnail(card, item);
    viewer.refresh(card.state.imageID);
  }

  /** Polls the photo's item briskly until it is terminal (the listing catches everything else). */
  function follow(slot: Slot): void {
    slot.watch?.abort();
    const watch = new AbortController();
    slot.watch = watch;
    signal.addEventListener("abort", () => watch.abort(), { once: true });
    const card = slot.card;
    void watchImage(
      card.state.imageID,
      { getItem: (id) => backend.getImage(id), sleep: realSleep, now: () => Date.now() },
      (u) => {
        if (deleting.has(card.state.imageID)) return watch.abort();
        let note: string | undefined;
        if (u.pollError) note = `${backendErrorMessage(u.pollError, config.endpoint, config.region)} Retrying…`;
        else if (u.view.phase === "uploaded" && u.sincePhaseMs > STILL_WAITING_MS) note = "Still waiting for the pipeline to pick this photo up…";
        card.update({ note });
        if (!u.pollError) {
          applyItem(slot, u.item);
          if (isTerminal(u.view.phase)) layout();
        }
      },
      {
        signal: watch.signal,
        isFatal: (err) => {
          if (err instanceof SessionExpiredError) deps.expire();
          return err instanceof SessionExpiredError || (err as Error)?.name === "NotYoursError";
        },
      },
    );
  }

  function addItem(item: ImageItem): void {
    if (slots.has(item.imageID) || deleting.has(item.imageID)) return;
    const view = viewFromItem(item);
    const card = new PhotoCard(
      { imageID: item.imageID, name: displayNameFromImageId(item.imageID), phase: view.phase, label: view.label, executionArn: view.executionArn, error: view.error, item },
      cardActions,
    );
    const slot: Slot = { card, item };
    slots.set(item.imageID, slot);
    if (view.phase === "done") void showThumbnail(card, item);
    else follow(slot);
  }

  // ---- uploads (kept by the app: they go on while the user is elsewhere) ----------------------
  function uploadView(e: UploadEntry): Partial<PhotoCard["state"]> {
    switch (e.state) {
      case "queued":
        return { phase: "uploading", label: "Waiting to upload", progress: 0, note: undefined, error: undefined };
      case "uploading":
        return { phase: "uploading", label: `Uploading ${Math.round(e.progress * 100)}%`, progress: e.progress, note: undefined };
      case "failed":
        return { phase: "upload-failed", label: "Upload failed", note: backendErrorMessage(e.error, config.endpoint, config.region) };
      default:
        return { phase: "uploaded", label: "Uploaded, waiting for the pipeline", progress: 1, note: undefined };
    }
  }

  function showUpload(e: UploadEntry): void {
    let slot = slots.get(e.imageID);
    if (!slot) {
      // Only a file the browser can show gets a preview (an unreadable one falls back to a placeholder).
      const preview = /^image\/(jpeg|png|gif|webp|avif)$/.test(e.file.type);
      let previewUrl: string | undefined;
      if (preview) {
        previewUrl = URL.createObjectURL(e.file);
        objectUrls.add(previewUrl);
      }
      slot = { card: new PhotoCard({ imageID: e.imageID, name: e.name, label: "", phase: "uploading", previewUrl, ...uploadView(e) }, cardActions) };
      slots.set(e.imageID, slot);
      layout();
    } else if (slot.item) {
      return; // the listing has it: the item tells more than the upload
    } else {
      slot.card.update(uploadView(e));
    }
    if (e.state === "uploaded") {
      uploads.forget(e.imageID);
      follow(slot);
    }
    if (e.state === "failed" && e.error instanceof SessionExpiredError) deps.expire();
  }

  const unsubscribe = uploads.subscribe((e) => {
    if (e.albumID !== albumID || signal.aborted) return;
    if (e.state === "cancelled") return removeSlot(e.imageID);
    showUpload(e);
  });
  signal.addEventListener("abort", unsubscribe, { once: true });

  async function uploadFiles(files: File[]): Promise<void> {
    if (files.length === 0) return;
    const checks = await Promise.all(files.map(async (f) => ({ file: f, check: await checkFile(f) })));
    if (signal.aborted) return;
    const bad = checks.filter((c) => !c.check.ok);
    clear(refused);
    refused.hidden = bad.length === 0;
    if (bad.length) {
      refused.append(
        h("strong", {}, `${bad.length === 1 ? "One file was" : `${bad.length} files were`} not uploaded:`),
        h(
          "ul",
          {},
          bad.map((c) =>
            h("li", { testid: "refused-file", "data-file-name": cleanFileName(c.file.name) }, h("b", {}, cleanFileName(c.file.name)), ` — ${c.check.ok ? "" : c.check.reason}`),
          ),
        ),
        h("button", { type: "button", class: "link", testid: "upload-refused-dismiss", onclick: () => (refused.hidden = true) }, "Dismiss"),
      );
    }
    for (const { file } of checks.filter((c) => c.check.ok)) {
      const key = buildUploadKey(config.incomingPrefix, backend.identityId, albumKey, file.name);
      uploads.add(file, key, imageIdFromKey(key, config.incomingPrefix), albumID, cleanFileName(file.name));
    }
  }

  fileInput.addEventListener("change", () => {
    const files = Array.from(fileInput.files ?? []);
    fileInput.value = "";
    void uploadFiles(files);
  });
  // The whole page takes drops and pastes while the album is open.
  const on = { signal } as AddEventListenerOptions;
  let depth = 0;
  window.addEventListener(
    "dragenter",
    (e) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      depth++;
      document.body.classList.add("dropping");
    },
    on,
  );
  window.addEventListener(
    "dragleave",
    () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) document.body.classList.remove("dropping");
    },
    on,
  );
  window.addEventListener("dragover", (e) => e.preventDefault(), on);
  window.addEventListener(
    "drop",
    (e) => {
      e.preventDefault();
      depth = 0;
      document.body.classList.remove("dropping");
      void uploadFiles(Array.from(e.dataTransfer?.files ?? []));
    },
    on,
  );
  window.addEventListener(
    "paste",
    (e) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length) {
        e.preventDefault();
        void uploadFiles(files);
      }
    },
    on,
  );
  signal.addEventListener("abort", () => document.body.classList.remove("dropping"), { once: true });

  // ---- actions ----------------------------------------------------------------------------
  async function deletePhoto(card: PhotoCard): Promise<void> {
    const id = card.state.imageID;
    card.update({ busy: "Deleting…", confirmingDelete: false });
    try {
      await backend.deleteImage(id);
      deleting.add(id); // the item may be listed for a few more seconds
      uploads.forget(id);
      removeSlot(id);
    } catch (err) {
      card.update({ busy: undefined });
      deps.reportError(err);
    }
  }

  async function reprocess(card: PhotoCard): Promise<void> {
    const id = card.state.imageID;
    card.update({ busy: "Retrying…" });
    try {
      const answer = await backend.reprocess([id]);
      console.info("reprocess", JSON.stringify(answer));
      const refusedOne = [...answer.refused, ...answer.failed][0];
      const skipped = answer.skipped[0];
      card.update({ busy: undefined });
      if (answer.started.length) {
        card.update({ phase: "processing", label: "Processing again", error: undefined, note: undefined });
        const slot = slots.get(id);
        if (slot) follow(slot);
      } else if (refusedOne) {
        card.update({ note: `The retry was refused: ${"cause" in refusedOne && refusedOne.cause ? refusedOne.cause : refusedOne.error ?? "unknown reason"}.` });
      } else if (skipped) {
        card.update({ note: `Nothing to retry: ${skipped.reason ?? "already processed"}.` });
      } else {
        card.update({ note: "The retry started nothing (the reprocess function gave no answer for this photo)." });
      }
      viewer.refresh(id);
    } catch (err) {
      card.update({ busy: undefined, note: backendErrorMessage(err, config.endpoint, config.region) });
      if (err instanceof SessionExpiredError) deps.expire();
    }
  }

  function albumActions(): HTMLElement {
    const box = h("div", { class: "album-actions" });
    const ask = () => {
      clear(box);
      const n = slots.size;
      box.append(
        h("span", {}, `Delete “${album.albumName}” and its ${n} photo${n === 1 ? "" : "s"}? This cannot be undone here.`),
        h("button", { type: "button", class: "small danger", testid: "album-delete-confirm", onclick: () => void remove() }, "Delete album"),
        h("button", { type: "button", class: "small secondary", testid: "album-delete-cancel", onclick: idle }, "Keep"),
      );
    };
    const idle = () => {
      clear(box);
      box.append(h("button", { type: "button", class: "small secondary", testid: "album-delete", onclick: ask }, "Delete album…"));
    };
    const remove = async () => {
      clear(box);
      const progress = h("span", { class: "muted", testid: "album-delete-progress" }, "Deleting…");
      box.append(progress);
      for (const id of slots.keys()) uploads.cancel(id);
      try {
        await backend.deleteAlbum(albumID, (p) => (progress.textContent = `Deleting photos: ${p.deleted} of ${p.total}…`));
        deps.leave();
      } catch (err) {
        idle();
        deps.reportError(err);
      }
    };
    idle();
    return box;
  }

  // ---- the listing, now and every few seconds ---------------------------------------------------
  let first = true;
  async function refresh(): Promise<void> {
    try {
      const { items, complete } = await backend.listAllImages(albumID);
      if (signal.aborted) return;
      const known = new Map([...slots].map(([id, s]) => [id, s.item] as const));
      const diff = diffListing(known, items, deleting, complete);
      diff.added.forEach(addItem);
      for (const item of diff.changed) {
        const slot = slots.get(item.imageID);
        if (!slot) continue;
        applyItem(slot, item);
        if (!isTerminal(viewFromItem(item).phase) && !slot.watch) follow(slot);
      }
      for (const id of diff.removed) removeSlot(id);
      // A photo deleted here is forgotten once the trigger removed its item.
      const listed = new Set(items.map((i) => i.imageID));
      for (const id of deleting) if (!listed.has(id)) deleting.delete(id);
      // Uploads made here: the listing's item replaces the upload's view.
      for (const item of items) uploads.forget(item.imageID);
      layout();
      liveNote.textContent = `Up to date · ${new Date().toLocaleTimeString()}`;
      if (first) main.querySelector('[data-testid="gallery-loading"]')?.setAttribute("hidden", "");
      first = false;
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof SessionExpiredError) return deps.expire();
      liveNote.textContent = backendErrorMessage(err, config.endpoint, config.region);
      if (first) {
        main.querySelector('[data-testid="gallery-loading"]')?.setAttribute("hidden", "");
        deps.reportError(err);
      }
      first = false;
    }
  }

  // The uploads still going (or failed) from an earlier visit come back at once.
  uploads.forAlbum(albumID).forEach(showUpload);
  layout();
  void (async () => {
    await refresh();
    while (!signal.aborted) {
      await realSleep(REFRESH_MS, signal);
      if (signal.aborted) break;
      if (document.visibilityState === "hidden") continue;
      await refresh();
    }
  })();
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && void refresh(), on);
  window.addEventListener("online", () => void refresh(), on);
}
