// The application shell: sign-in, album list, gallery. Every view works on the signed-in
// identity's own albums and photos only (the Backend is built for that identity).

import { AlbumExistsError, type Album, type Backend, type PageKey } from "../backend";
import type { UserPool } from "../auth";
import type { WebappConfig } from "../config";
import { backendErrorMessage, isNetworkError, OFFLINE_MESSAGE } from "../errors";
import { albumIdFor, checkAlbumName, MAX_ALBUM_NAME_LENGTH } from "../keys";
import { formatEpochMs } from "../format";
import { albumHash, parseRoute } from "../route";
import { SESSION_KEY, SessionExpiredError, type Session, type SessionState } from "../session";
import { UploadManager } from "../uploads";
import { renderAuthPanel } from "./auth";
import { clear, h } from "./dom";
import { renderGallery } from "./gallery";

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
  private readonly offline: HTMLElement;
  private backend: { key: string; ready: Promise<Backend> } | null = null;
  /** Uploads of the current identity: they outlive the view (leaving an album mid-upload). */
  private uploads: { key: string; manager: UploadManager } | null = null;
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
    this.offline = h("div", { class: "banner banner--offline", role: "status", testid: "offline-banner", hidden: navigator.onLine }, OFFLINE_MESSAGE);
    this.main = h("main", { class: "main" });
    root.append(
      h(
        "header",
        { class: "topbar" },
        h("a", { href: "#/", class: "brand" }, "Photo albums"),
        config.endpoint ? h("span", { class: "env", title: `local emulator at ${config.endpoint}`, testid: "env-badge" }, "local") : null,
        this.userBox,
      ),
      this.offline,
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
    window.addEventListener("offline", () => (this.offline.hidden = false));
    window.addEventListener("online", () => {
      this.offline.hidden = true;
      if (this.banner.textContent === OFFLINE_MESSAGE) this.showError(null);
    });
    // Closing the tab would lose the uploads still going: the browser asks first.
    window.addEventListener("beforeunload", (e) => {
      if ((this.uploads?.manager.active ?? 0) > 0) {
        e.preventDefault();
        e.returnValue = "";
      }
    });
    this.route();
  }

  /** The upload manager of the identity a Backend was built for. */
  private uploadsFor(backend: Backend): UploadManager {
    if (!this.uploads || this.uploads.key !== backend.identityId) {
      const manager = new UploadManager((e, onProgress, signal) => backend.upload(e.file, e.key, e.albumID, onProgress, signal), 3);
      this.uploads = { key: backend.identityId, manager };
    }
    return this.uploads.manager;
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
        h("span", { class: "who" }, h("span", {}, "Signed in as "), h("strong", { testid: "current-user", "data-kind": "user" }, state.displayName)),
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
    // No maxlength: a longer name is refused with a message, never cut silently.
    const nameInput = h("input", {
      id: "album-name",
      placeholder: "Holidays 2026",
      autocomplete: "off",
      "aria-describedby": "album-name-hint",
      testid: "album-name-input",
    });
    const hint = h("span", { id: "album-name-hint", class: "muted hint", testid: "album-name-count" });
    nameInput.addEventListener("input", () => {
      const n = Array.from(nameInput.value.trim()).length;
      hint.textContent = n > MAX_ALBUM_NAME_LENGTH * 0.8 ? `${n} / ${MAX_ALBUM_NAME_LENGTH} characters` : "";
      hint.classList.toggle("over", n > MAX_ALBUM_NAME_LENGTH);
    });
    const formMsg = h("p", { class: "form-error", testid: "create-album-error" });
    const createBtn = h("button", { type: "submit", testid: "create-album-button" }, "Create album");
    const form = h(
      "form",
      { class: "panel create-album", testid: "create-album-form", novalidate: true },
      h("label", { for: "album-name" }, "New album"),
      h("div", { class: "row" }, nameInput, createBtn),
      hint,
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
      const cover = h("div", { class: "album__cover", "aria-hidden": "true" });
      const count = h("span", { class: "muted", testid: "album-count" }, "…");
      const li = h(
        "li",
        { class: "album", testid: "album-item", "data-album-id": a.albumID },
        h(
          "a",
          { href: albumHash(key), class: "album__link" },
          cover,
          h("span", { class: "album__text" }, h("span", { class: "album__name", testid: "album-link" }, a.albumName), count, h("span", { class: "muted album__date" }, `created ${formatEpochMs(a.creationTime)}`)),
        ),
      );
      if (atTop) list.prepend(li);
      else list.append(li);
      empty.hidden = true;
      // Its photo count and cover (the newest processed photo), once the album index answers.
      void backend.albumSummary(a.albumID).then(
        async (sum) => {
          if (signal.aborted) return;
          count.textContent = `${sum.count} photo${sum.count === 1 ? "" : "s"}`;
          li.dataset.count = String(sum.count);
          const url = sum.cover ? await backend.thumbnailUrl(sum.cover) : undefined;
          if (url && !signal.aborted) {
            const img = h("img", { src: url, alt: "", testid: "album-cover", loading: "lazy" });
            img.addEventListener("error", () => img.remove(), { once: true });
            cover.append(img);
          }
        },
        (err: unknown) => {
          console.error("album summary", err);
          count.textContent = "";
        },
      );
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
    loading.hidden = false;
    renderGallery(this.main, {
      config,
      backend,
      uploads: this.uploadsFor(backend),
      album,
      albumKey,
      signal,
      reportError: (err) => this.reportBackendError(err),
      expire: () => this.deps.session.expire(),
      leave: () => {
        location.hash = "#/";
      },
    });
  }
}
