// The application shell: sign-in, album list, gallery. Every view works on the signed-in
// identity's own albums and photos only (the Backend is built for that identity).

import { AlbumExistsError, NotYoursError, type Album, type Backend, type PageKey } from "../backend";
import type { UserPool } from "../auth";
import type { WebappConfig } from "../config";
import { backendErrorMessage, isNetworkError } from "../errors";
import { albumIdFor, buildUploadKey, checkAlbumName, cleanFileName, displayNameFromImageId, imageIdFromKey } from "../keys";
import { formatEpochMs } from "../format";
import { albumHash, parseRoute } from "../route";
import { SESSION_KEY, SessionExpiredError, type Session, type SessionState } from "../session";
import { viewFromItem, type ImageItem } from "../status";
import { realSleep, watchImage } from "../watcher";
import { renderAuthPanel } from "./auth";
import { PhotoCard } from "./card";
import { clear, h } from "./dom";
import { Queue } from "./uploads";

const STILL_WAITING_MS = 30_000;

export interface AppDeps {
  config: WebappConfig;
  session: Session;
  pool: UserPool;
  /** Credentials and clients for a session's identity (GetId, GetCredentialsForIdentity). */
  connect(state: SessionState): Promise<Backend>;
}

/** Who a Backend was built for: a user of the pool (by sub) or the guest. */
function principalKey(s: SessionState): string {
  return s.kind === "user" ? `user:${s.sub}` : "guest";
}

export class App {
  private readonly main: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly userBox: HTMLElement;
  /** Aborted whenever the view changes: stops its pollers and frees its thumbnails. */
  private viewAbort = new AbortController();
  private readonly uploads = new Queue(3);
  private backend: { key: string; ready: Promise<Backend> } | null = null;
  private authNotice: string | null = null;
  private lastEmail = "";

  constructor(
    root: HTMLElement,
    private readonly deps: AppDeps,
  ) {
    const { config, session } = deps;
    clear(root);
    this.userBox = h("div", { class: "userbox", testid: "userbox" });
    this.banner = h("div", { class: "banner", role: "alert", testid: "app-error", hidden: true });
    this.main = h("main", { class: "main" });
    root.append(
      h(
        "header",
        { class: "topbar" },
        h("a", { href: "#/", class: "brand" }, "Photo albums"),
        config.endpoint ? h("span", { class: "env", title: config.endpoint, testid: "env-badge" }, "local emulator") : null,
        this.userBox,
      ),
      this.banner,
      this.main,
    );
    session.onChange((_state, reason) => {
      if (reason === "refreshed") return;
      this.backend = null;
      if (reason === "expired") this.authNotice = "Your session has expired. Sign in again.";
      if (reason === "signed-out") location.hash = "#/";
      this.route();
    });
    // Another tab signed in or out: follow it.
    window.addEventListener("storage", (e) => {
      if (e.key !== SESSION_KEY && e.key !== null) return;
      const s = session.state;
      if (!s || !this.backend || principalKey(s) !== this.backend.key) {
        this.backend = null;
        this.route();
      }
    });
    window.addEventListener("hashchange", () => this.route());
    this.route();
  }

  showError(message: string | null): void {
    this.banner.textContent = message ?? "";
    this.banner.hidden = !message;
  }

  private reportBackendError(err: unknown): void {
    console.error(err);
    if (err instanceof SessionExpiredError) return this.deps.session.expire();
    this.showError(backendErrorMessage(err, this.deps.config.endpoint, this.deps.config.region));
  }

  /** The Backend for the current session, built once per identity. */
  private backendFor(state: SessionState): Promise<Backend> {
    const key = principalKey(state);
    if (!this.backend || this.backend.key !== key) {
      const ready = this.deps.connect(state);
      this.backend = { key, ready };
      ready.catch(() => {
        if (this.backend?.ready === ready) this.backend = null;
      });
    }
    return this.backend.ready;
  }

  private route(): void {
    this.viewAbort.abort();
    this.viewAbort = new AbortController();
    const signal = this.viewAbort.signal;
    this.showError(null);
    clear(this.main);
    const state = this.deps.session.state;
    this.renderUserBox(state);
    if (!state) return this.renderSignIn();
    this.authNotice = null;
    if (state.kind === "user") this.lastEmail = state.email;

    const connecting = h("p", { class: "muted", testid: "connecting" }, "Getting your credentials…");
    this.main.append(connecting);
    this.backendFor(state).then(
      (backend) => {
        if (signal.aborted) return;
        connecting.remove();
        this.userBox.querySelector('[data-testid="current-user"]')?.setAttribute("data-identity-id", backend.identityId);
        const r = parseRoute(location.hash);
        if (r.name === "album") void this.renderGallery(backend, r.albumKey, signal);
        else void this.renderAlbums(backend, signal);
      },
      (err: unknown) => {
        if (signal.aborted) return;
        console.error(err);
        if (err instanceof SessionExpiredError) return this.deps.session.expire();
        connecting.remove();
        this.main.append(
          h(
            "div",
            { class: "panel", role: "alert", testid: "connect-error" },
            h("p", {}, `Could not get credentials for your identity. ${backendErrorMessage(err, this.deps.config.endpoint, this.deps.config.region)}`),
            h(
              "div",
              { class: "row" },
              h("button", { type: "button", testid: "connect-retry", onclick: () => this.route() }, "Try again"),
              h("button", { type: "button", class: "secondary", onclick: () => void this.deps.session.signOut() }, "Sign out"),
            ),
          ),
        );
      },
    );
  }

  private renderUserBox(state: SessionState | null): void {
    clear(this.userBox);
    if (!state) return;
    const signOut = h(
      "button",
      {
        type: "button",
        class: "link",
        testid: "signout-button",
        title: state.kind === "guest" ? "Leaving forgets this guest identity: its photos cannot be reached again." : undefined,
        onclick: () => void this.deps.session.signOut(),
      },
      state.kind === "guest" ? "Leave" : "Sign out",
    );
    if (state.kind === "guest") {
      this.userBox.append(h("span", { testid: "current-user", "data-kind": "guest" }, "Guest"), signOut);
    } else {
      this.userBox.append(
        h("span", { class: "who" }, "Signed in as ", h("strong", { testid: "current-user", "data-kind": "user" }, state.displayName)),
        h("span", { class: "muted email", testid: "current-email" }, state.email),
        signOut,
      );
    }
  }

  private renderSignIn(): void {
    const { config, pool, session } = this.deps;
    renderAuthPanel(this.main, { config, pool, session, notice: this.authNotice, email: this.lastEmail });
  }

  private async renderAlbums(backend: Backend, signal: AbortSignal): Promise<void> {
    const nameInput = h("input", {
      id: "album-name",
      required: true,
      maxlength: 100,
      placeholder: "Holidays 2026",
      testid: "album-name-input",
    });
    const formMsg = h("p", { class: "form-error", testid: "create-album-error" });
    const createBtn = h("button", { type: "submit", testid: "create-album-button" }, "Create album");
    const form = h(
      "form",
      { class: "panel create-album", testid: "create-album-form" },
      h("label", { for: "album-name" }, "New album"),
      h("div", { class: "row" }, nameInput, createBtn),
      formMsg,
    );
    const list = h("ul", { class: "albums", testid: "album-list" });
    const empty = h("p", { class: "muted", testid: "albums-empty", hidden: true }, "No albums yet: create one.");
    const status = h("p", { class: "muted", testid: "albums-loading" }, "Loading albums…");
    const more = h("button", { type: "button", testid: "albums-load-more", hidden: true }, "Load more");
    this.main.append(h("h1", {}, "Your albums"), form, status, empty, list, more);

    const shown = new Set<string>();
    const addItem = (a: Album, atTop = false) => {
      if (shown.has(a.albumID)) return;
      shown.add(a.albumID);
      const key = a.albumID.slice(backend.identityId.length + 1);
      const li = h(
        "li",
        { class: "album", testid: "album-item", "data-album-id": a.albumID },
        h("a", { href: albumHash(key), testid: "album-link" }, a.albumName),
        h("span", { class: "muted" }, ` created ${formatEpochMs(a.creationTime)}`),
      );
      if (atTop) list.prepend(li);
      else list.append(li);
      empty.hidden = true;
    };

    let nextKey: PageKey;
    const loadPage = async () => {
      more.disabled = true;
      try {
        const page = await backend.listAlbums(nextKey);
        if (signal.aborted) return;
        page.items.forEach((a) => addItem(a));
        nextKey = page.nextKey;
        more.hidden = !nextKey;
        empty.hidden = list.children.length > 0;
        this.showError(null);
      } catch (err) {
        if (!signal.aborted) this.reportBackendError(err);
      } finally {
        status.hidden = true;
        more.disabled = false;
      }
    };
    more.addEventListener("click", () => void loadPage());

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const name = nameInput.value;
      const err = checkAlbumName(name);
      formMsg.textContent = err ?? "";
      if (err) return;
      createBtn.disabled = true;
      try {
        const album = await backend.createAlbum(name);
        if (signal.aborted) return;
        addItem(album, true);
        nameInput.value = "";
        formMsg.textContent = "";
      } catch (e2) {
        if (e2 instanceof AlbumExistsError) formMsg.textContent = e2.message;
        else if (!isNetworkError(e2) && e2 instanceof Error && !("$metadata" in e2) && !(e2 instanceof SessionExpiredError)) {
          formMsg.textContent = e2.message;
        } else this.reportBackendError(e2);
      } finally {
        createBtn.disabled = false;
      }
    });

    await loadPage();
  }

  private async renderGallery(backend: Backend, albumKey: string, signal: AbortSignal): Promise<void> {
    const { config } = this.deps;
    const albumID = albumIdFor(backend.identityId, albumKey);
    const title = h("h1", { testid: "album-title" }, "Album");
    const loading = h("p", { class: "muted", testid: "gallery-loading" }, "Loading photos…");
    this.main.append(h("a", { href: "#/", class: "back", testid: "back-to-albums" }, "← Albums"), title, loading);

    // The album's own record gives its name: without one there is nothing to upload into.
    let album: Album | undefined;
    try {
      album = await backend.getAlbum(albumID);
    } catch (err) {
      if (signal.aborted) return;
      loading.hidden = true;
      return this.reportBackendError(err);
    }
    if (signal.aborted) return;
    if (!album) {
      loading.hidden = true;
      title.textContent = "No such album";
      this.main.append(
        h("p", { class: "panel", testid: "album-missing" }, "You have no album at this address. Open one from your albums."),
      );
      return;
    }
    title.textContent = album.albumName;

    const fileInput = h("input", { type: "file", multiple: true, id: "file-input", testid: "file-input", class: "visually-hidden" });
    const drop = h(
      "label",
      { for: "file-input", class: "dropzone", testid: "dropzone" },
      h("strong", {}, "Drop photos here"),
      h("span", {}, " or click to choose (JPEG or PNG; many at once)"),
    );
    const grid = h("section", { class: "grid", testid: "photo-grid", "aria-live": "polite" });
    const empty = h("p", { class: "muted", testid: "gallery-empty", hidden: true }, "No photos yet.");
    const more = h("button", { type: "button", testid: "images-load-more", hidden: true }, "Load more");
    loading.before(fileInput, drop);
    this.main.append(empty, grid, more);

    const cards = new Map<string, PhotoCard>();
    // Local previews of the files being uploaded, freed when the view changes.
    const objectUrls = new Set<string>();
    signal.addEventListener("abort", () => objectUrls.forEach((u) => URL.revokeObjectURL(u)), { once: true });
    const objectUrl = (blob: Blob) => {
      const u = URL.createObjectURL(blob);
      objectUrls.add(u);
      return u;
    };

    const showThumbnail = async (card: PhotoCard, item: ImageItem) => {
      try {
        const url = await backend.thumbnailUrl(item);
        if (!url || signal.aborted) return;
        if (card.state.previewUrl) URL.revokeObjectURL(card.state.previewUrl);
        card.update({ thumbnailUrl: url, previewUrl: undefined });
      } catch (err) {
        console.error("thumbnail", err);
      }
    };

    const follow = (card: PhotoCard) => {
      void watchImage(
        card.state.imageID,
        { getItem: (id) => backend.getImage(id), sleep: realSleep, now: () => Date.now() },
        (u) => {
          let note: string | undefined;
          if (u.pollError) {
            note = `${backendErrorMessage(u.pollError, config.endpoint, config.region)} Retrying…`;
          } else if (u.view.phase === "uploaded" && u.sincePhaseMs > STILL_WAITING_MS) {
            note = "Still waiting for the pipeline to pick this photo up…";
          }
          card.update({
            phase: u.view.phase,
            label: u.view.label,
            executionArn: u.view.executionArn,
            error: u.view.error,
            item: u.item ?? card.state.item,
            note,
          });
          if (u.view.phase === "done" && u.item && !card.state.thumbnailUrl) void showThumbnail(card, u.item);
        },
        {
          signal,
          isFatal: (err) => {
            if (err instanceof SessionExpiredError) this.deps.session.expire();
            return err instanceof SessionExpiredError || err instanceof NotYoursError;
          },
        },
      );
    };

    const addExisting = (item: ImageItem) => {
      if (cards.has(item.imageID)) return;
      const view = viewFromItem(item);
      const card = new PhotoCard({
        imageID: item.imageID,
        name: displayNameFromImageId(item.imageID),
        phase: view.phase,
        label: view.label,
        executionArn: view.executionArn,
        error: view.error,
        item,
      });
      cards.set(item.imageID, card);
      grid.append(card.el);
      if (view.phase === "done") void showThumbnail(card, item);
      else follow(card);
    };

    let nextKey: PageKey;
    const loadPage = async () => {
      more.disabled = true;
      try {
        const page = await backend.listImages(albumID, nextKey);
        if (signal.aborted) return;
        page.items.forEach(addExisting);
        nextKey = page.nextKey;
        more.hidden = !nextKey;
        empty.hidden = cards.size > 0;
      } catch (err) {
        if (!signal.aborted) this.reportBackendError(err);
      } finally {
        loading.hidden = true;
        more.disabled = false;
      }
    };
    more.addEventListener("click", () => void loadPage());

    const uploadFiles = (files: File[]) => {
      empty.hidden = true;
      // Newest first, like the listing: the first chosen file ends up at the top.
      for (const file of [...files].reverse()) {
        const key = buildUploadKey(config.incomingPrefix, backend.identityId, albumKey, file.name);
        const imageID = imageIdFromKey(key, config.incomingPrefix);
        const isImage = /^image\/(jpeg|png|gif|webp|bmp)$/.test(file.type);
        const card = new PhotoCard({
          imageID,
          name: cleanFileName(file.name),
          phase: "uploading",
          label: "Waiting to upload",
          progress: 0,
          previewUrl: isImage ? objectUrl(file) : undefined,
        });
        cards.set(imageID, card);
        grid.prepend(card.el);
        void this.uploads
          .run(async () => {
            card.update({ label: "Uploading" });
            await backend.upload(file, key, albumID, (f) => card.update({ progress: f, label: `Uploading ${Math.round(f * 100)}%` }));
          })
          .then(
            () => {
              card.update({ phase: "uploaded", label: "Uploaded, waiting for the pipeline", progress: 1 });
              follow(card);
            },
            (err) => {
              console.error(err);
              card.update({
                phase: "upload-failed",
                label: "Upload failed",
                note: backendErrorMessage(err, config.endpoint, config.region),
              });
              if (err instanceof SessionExpiredError) this.deps.session.expire();
            },
          );
      }
    };

    fileInput.addEventListener("change", () => {
      const files = Array.from(fileInput.files ?? []);
      fileInput.value = "";
      if (files.length) uploadFiles(files);
    });
    drop.addEventListener("dragover", (e) => {
      e.preventDefault();
      drop.classList.add("dropzone--over");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("dropzone--over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("dropzone--over");
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (files.length) uploadFiles(files);
    });

    await loadPage();
  }
}
