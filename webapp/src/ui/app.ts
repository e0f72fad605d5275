// The application shell: sign-in, album list, gallery.

import { AlbumExistsError, Backend, type Album, type PageKey } from "../backend";
import type { WebappConfig } from "../config";
import { backendErrorMessage, isNetworkError } from "../errors";
import { albumNameFromId, buildUploadKey, checkAlbumName, cleanFileName, displayNameFromImageId, imageIdFromKey } from "../keys";
import { formatEpochMs } from "../format";
import { albumHash, parseRoute } from "../route";
import type { Session } from "../session";
import { viewFromItem, type ImageItem } from "../status";
import { realSleep, watchImage } from "../watcher";
import { PhotoCard } from "./card";
import { clear, h } from "./dom";
import { Queue } from "./uploads";

const STILL_WAITING_MS = 30_000;

export class App {
  private readonly main: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly userBox: HTMLElement;
  /** Aborted whenever the view changes: stops its pollers. */
  private viewAbort = new AbortController();
  private readonly uploads = new Queue(3);

  constructor(
    root: HTMLElement,
    private readonly config: WebappConfig,
    private readonly backend: Backend,
    private readonly session: Session,
  ) {
    clear(root);
    this.userBox = h("div", { class: "userbox" });
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
    window.addEventListener("hashchange", () => this.route());
    this.route();
  }

  showError(message: string | null): void {
    this.banner.textContent = message ?? "";
    this.banner.hidden = !message;
  }

  private reportBackendError(err: unknown): void {
    console.error(err);
    this.showError(backendErrorMessage(err, this.config.endpoint, this.config.region));
  }

  private route(): void {
    this.viewAbort.abort();
    this.viewAbort = new AbortController();
    this.showError(null);
    clear(this.main);
    const user = this.session.userID;
    this.renderUserBox(user);
    if (!user) return this.renderSignIn();
    const r = parseRoute(location.hash);
    if (r.name === "album") void this.renderGallery(user, r.albumID);
    else void this.renderAlbums(user);
  }

  private renderUserBox(user: string | null): void {
    clear(this.userBox);
    if (!user) return;
    this.userBox.append(
      h("span", { testid: "current-user" }, `Signed in as ${user}`),
      h(
        "button",
        {
          type: "button",
          class: "link",
          testid: "signout-button",
          onclick: () => {
            this.session.signOut();
            location.hash = "#/";
            this.route();
          },
        },
        "Sign out",
      ),
    );
  }

  private renderSignIn(): void {
    const input = h("input", {
      id: "username",
      name: "username",
      autocomplete: "username",
      required: true,
      maxlength: 64,
      testid: "username-input",
      placeholder: "e.g. alice",
    });
    const msg = h("p", { class: "form-error", testid: "signin-error" });
    const form = h(
      "form",
      { class: "panel signin", testid: "signin-form" },
      h("h1", {}, "Sign in"),
      h("p", { class: "muted" }, "Pick a user name. There is no password: this is a test client."),
      h("label", { for: "username" }, "User name"),
      input,
      msg,
      h("button", { type: "submit", testid: "signin-button" }, "Sign in"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const err = this.session.signIn(input.value);
      msg.textContent = err ?? "";
      if (!err) this.route();
    });
    this.main.append(form);
    input.focus();
  }

  private async renderAlbums(user: string): Promise<void> {
    const signal = this.viewAbort.signal;
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

    const addItem = (a: Album, atTop = false) => {
      const li = h(
        "li",
        { class: "album", testid: "album-item", "data-album-id": a.albumID },
        h("a", { href: albumHash(a.albumID), testid: "album-link" }, a.albumName),
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
        const page = await this.backend.listAlbums(user, nextKey);
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
        const album = await this.backend.createAlbum(user, name);
        addItem(album, true);
        nameInput.value = "";
        formMsg.textContent = "";
      } catch (e2) {
        if (e2 instanceof AlbumExistsError) formMsg.textContent = e2.message;
        else if (!isNetworkError(e2) && e2 instanceof Error && !("$metadata" in e2)) formMsg.textContent = e2.message;
        else this.reportBackendError(e2);
      } finally {
        createBtn.disabled = false;
      }
    });

    await loadPage();
  }

  private async renderGallery(user: string, albumID: string): Promise<void> {
    const signal = this.viewAbort.signal;
    const title = h("h1", { testid: "album-title" }, albumNameFromId(albumID));
    this.main.append(h("a", { href: "#/", class: "back", testid: "back-to-albums" }, "← Albums"), title);
    if (!albumID.startsWith(`${user}/`)) {
      this.main.append(
        h("p", { class: "panel", testid: "album-not-yours" }, `This album belongs to another user. Sign in as its owner to open it.`),
      );
      return;
    }

    const fileInput = h("input", { type: "file", multiple: true, id: "file-input", testid: "file-input", class: "visually-hidden" });
    const drop = h(
      "label",
      { for: "file-input", class: "dropzone", testid: "dropzone" },
      h("strong", {}, "Drop photos here"),
      h("span", {}, " or click to choose (JPEG or PNG; many at once)"),
    );
    const grid = h("section", { class: "grid", testid: "photo-grid", "aria-live": "polite" });
    const empty = h("p", { class: "muted", testid: "gallery-empty", hidden: true }, "No photos yet.");
    const loading = h("p", { class: "muted", testid: "gallery-loading" }, "Loading photos…");
    const more = h("button", { type: "button", testid: "images-load-more", hidden: true }, "Load more");
    this.main.append(fileInput, drop, loading, empty, grid, more);

    const cards = new Map<string, PhotoCard>();

    const follow = (card: PhotoCard) => {
      void watchImage(
        card.state.imageID,
        {
          getItem: (id) => this.backend.getImage(id),
          describeExecution: (arn) => this.backend.describeExecution(arn),
          sleep: realSleep,
          now: () => Date.now(),
        },
        (u) => {
          let note: string | undefined;
          if (u.pollError) {
            note = `${backendErrorMessage(u.pollError, this.config.endpoint, this.config.region)} Retrying…`;
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
          if (u.view.phase === "done" && u.item && !card.state.thumbnailUrl) void this.showThumbnail(card, u.item);
        },
        { signal },
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
      if (view.phase === "done") void this.showThumbnail(card, item);
      else follow(card);
    };

    let nextKey: PageKey;
    const loadPage = async () => {
      more.disabled = true;
      try {
        const page = await this.backend.listImages(albumID, nextKey);
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
        const key = buildUploadKey(this.config.incomingPrefix, albumID, file.name);
        const imageID = imageIdFromKey(key, this.config.incomingPrefix);
        const isImage = /^image\/(jpeg|png|gif|webp|bmp)$/.test(file.type);
        const card = new PhotoCard({
          imageID,
          name: cleanFileName(file.name),
          phase: "uploading",
          label: "Waiting to upload",
          progress: 0,
          previewUrl: isImage ? URL.createObjectURL(file) : undefined,
        });
        cards.set(imageID, card);
        grid.prepend(card.el);
        void this.uploads
          .run(async () => {
            card.update({ label: "Uploading" });
            await this.backend.upload(file, key, { userID: user, albumID }, (f) =>
              card.update({ progress: f, label: `Uploading ${Math.round(f * 100)}%` }),
            );
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
                note: backendErrorMessage(err, this.config.endpoint, this.config.region),
              });
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

    // The album's own record gives its readable name; a missing record is not fatal.
    this.backend.getAlbum(albumID).then(
      (a) => {
        if (a?.albumName) title.textContent = a.albumName;
        else if (!signal.aborted) title.after(h("p", { class: "muted", testid: "album-missing" }, "This album has no record (yet)."));
      },
      () => undefined,
    );
    await loadPage();
  }

  private async showThumbnail(card: PhotoCard, item: ImageItem): Promise<void> {
    try {
      const url = await this.backend.thumbnailUrl(item);
      if (url) {
        if (card.state.previewUrl) URL.revokeObjectURL(card.state.previewUrl);
        card.update({ thumbnailUrl: url, previewUrl: undefined });
      }
    } catch (err) {
      console.error("thumbnail", err);
    }
  }
}
