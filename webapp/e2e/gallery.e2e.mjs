#!/usr/bin/env node
// End-to-end test of the web app against a running stack (the local emulator or AWS).
//
// Two people, each in their own browser context: they sign up (email, password, a non-ASCII
// display name), create an album with a non-ASCII name, upload photos, wait until every card
// reaches its end state and check what each card shows; after a reload each sees their session
// restored and their own album and photos, and never the other's. The first also uploads an
// unsupported file (FileTypeNotSupported in plain words). Then the second signs out and signs in
// as the first in the same tab: the same identity, the first's album only.
//
// The first also: uploads ten files at once (six real photos, a BMP and a truncated JPEG the
// pipeline fails, a text file and an empty file the app refuses before upload), opens the photo
// view (arrow keys, Escape), retries a failed processing and an upload that failed (from memory),
// deletes a photo and an album, sees in a second tab what the first uploads without a reload, is
// told "offline" when offline, is refused a 300-character album name, and the gallery at 390 px
// has no horizontal overflow. Screenshots: gallery.png, photo-view.png, gallery-phone.png.
//
//   WEBAPP_URL=http://127.0.0.1:5173/ node e2e/gallery.e2e.mjs
//
// Environment:
//   WEBAPP_URL       the app (required), e.g. as printed by `make webapp`
//   E2E_PHOTOS       the first user's photos, separated by ":" (default: three from tests/fixtures/images)
//   E2E_GPS_PHOTO    file name among them that has GPS (default: has-lens-info.jpg)
//   E2E_TIMEOUT_MS   how long the pipeline may take for one user's uploads (default 300000)
//   E2E_ARTIFACTS    folder for screenshots and the browser console logs (default e2e/artifacts)
//   CHROMIUM_PATH    browser (default /usr/bin/chromium)
//   E2E_HEADED=1     show the browser
//
// The pool must confirm users at sign-up (environments/local's PreSignUp trigger does): there is
// no mailbox to read a code from. Exit code 0 when every check passed; the last line is a JSON
// summary (for a pytest driver).
import { chromium } from "playwright-core";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");

const FIXTURES = join(repo, "tests/fixtures/images");
const DEFAULT_PHOTOS = ["flower.jpg", "iptc.jpg", "hopper_orientation_6.jpg", "flower2.jpg", "has-lens-info.jpg", "sugarshack.mpo"].map((f) =>
  join(FIXTURES, f),
);
/** The camera each real photo's EXIF names (photos not listed have none). */
const CAMERAS = { "flower.jpg": /Canon PowerShot S40/, "iptc.jpg": /Nokia/, "has-lens-info.jpg": /Apple/, "sugarshack.mpo": /Nintendo/ };
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const TERMINAL = ["done", "failed", "upload-failed"];
const PASSWORD = "Correct-Horse-42";

/**
 * A valid 1x1 24-bit BMP: a real image of a type the pipeline does not accept
 * (FileTypeNotSupported; GIF, WebP, HEIF and AVIF are accepted now).
 */
const TINY_BMP = (() => {
  const b = Buffer.alloc(58);
  b.write("BM", 0, "latin1");
  b.writeUInt32LE(58, 2); // file size
  b.writeUInt32LE(54, 10); // pixel data offset
  b.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  b.writeInt32LE(1, 18); // width
  b.writeInt32LE(1, 22); // height
  b.writeUInt16LE(1, 26); // planes
  b.writeUInt16LE(24, 28); // bits per pixel
  b.writeUInt32LE(4, 34); // image size (one row, padded to 4 bytes)
  b.writeInt32LE(2835, 38);
  b.writeInt32LE(2835, 42);
  b.set([0x40, 0x80, 0xc0], 54); // one pixel (B, G, R)
  return b;
})();

export function options(env = process.env) {
  const url = env.WEBAPP_URL;
  if (!url) throw new Error("WEBAPP_URL is not set (e.g. http://127.0.0.1:5173/ from `make webapp`)");
  const photos = env.E2E_PHOTOS ? env.E2E_PHOTOS.split(":").filter(Boolean) : DEFAULT_PHOTOS;
  for (const p of photos) if (!existsSync(p)) throw new Error(`photo not found: ${p}`);
  return {
    url,
    photos,
    gpsPhoto: env.E2E_GPS_PHOTO ?? "has-lens-info.jpg",
    timeoutMs: Number(env.E2E_TIMEOUT_MS ?? 300_000),
    artifacts: resolve(env.E2E_ARTIFACTS ?? join(here, "artifacts")),
    chromium: env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headed: env.E2E_HEADED === "1",
  };
}

export async function run(opts) {
  const checks = [];
  const check = (name, ok, detail = "") => {
    checks.push({ name, ok: Boolean(ok), detail });
    console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
    return Boolean(ok);
  };
  mkdirSync(opts.artifacts, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "webapp-e2e-"));
  const unsupported = join(work, "not-accepted.bmp");
  writeFileSync(unsupported, TINY_BMP);
  // Damaged: an image's first bytes, so only the pipeline can tell (ImageDecodeError).
  const truncated = join(work, "truncated.jpg");
  const whole = readFileSync(join(FIXTURES, "iptc.jpg"));
  writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
  // Refused before upload: no image at all.
  const notes = join(work, "notes.jpg");
  writeFileSync(notes, "a text file with a photo's name\n");
  const emptyFile = join(work, "empty.png");
  writeFileSync(emptyFile, "");
  const retryPhoto = join(work, "retry-me.jpg");
  copyFileSync(join(FIXTURES, "flower.jpg"), retryPhoto);
  const secondTabPhoto = join(work, "from the other tab.png");
  copyFileSync(join(FIXTURES, "1_trns.png"), secondTabPhoto);
  // A file name in any Unicode must come back exactly.
  const unicodePhoto = join(work, "照片 ü 🌸 #1.jpg");
  copyFileSync(join(FIXTURES, "r_sony.jpg"), unicodePhoto);

  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const zoe = {
    label: "Zoë",
    email: `zoe-${stamp}@example.com`,
    name: "Zoë Ångström",
    album: "Ferien Zürich 2024",
    photos: opts.photos,
    unsupported,
    damaged: [{ file: truncated, error: "ImageDecodeError" }],
    refused: [notes, emptyFile],
  };
  const lei = {
    label: "李雷",
    email: `lei-${stamp}@example.com`,
    name: "李雷",
    album: "北京 🐼 相册",
    photos: [unicodePhoto],
    unsupported: null,
    damaged: [],
    refused: [],
  };

  const browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: !opts.headed,
    args: opts.headed ? CHROMIUM_FLAGS.filter((f) => f !== "--headless") : CHROMIUM_FLAGS,
  });
  const logs = {};
  const pages = [];
  const watchPage = (page, label) => {
    const log = (logs[label] = []);
    page.on("console", (m) => log.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
    page.on("response", (r) => {
      if (r.status() === 404 && new URL(r.url()).origin === new URL(opts.url).origin) log.push(`[404] ${r.url()}`);
    });
    page.setDefaultTimeout(30_000);
    pages.push(page);
    return page;
  };
  const newPage = async (label) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    return watchPage(await context.newPage(), label);
  };

  try {
    // ---- Zoë: sign-up checks, sign up, album, uploads --------------------------------------
    const a = await newPage("zoe");
    await a.goto(opts.url);
    await a.locator('[data-testid="auth-panel"], [data-testid="config-error"]').first().waitFor();
    if (await a.getByTestId("config-error").count()) {
      check("configuration loads", false, await a.getByTestId("config-error").innerText());
      return finish();
    }
    const config = await a.evaluate(async () => (await fetch("config.json", { cache: "no-store" })).json());
    check(
      "a guest path only where guests are allowed",
      (await a.getByTestId("guest-button").count()) === (config.allowGuests ? 1 : 0),
      `allowGuests=${config.allowGuests}`,
    );

    await a.getByTestId("show-signup").click();
    await a.getByTestId("signup-email").fill(zoe.email);
    await a.getByTestId("signup-name").fill(zoe.name);
    await a.getByTestId("signup-password").fill("short1");
    await a.getByTestId("signup-button").click();
    const weak = await a.getByTestId("signup-error").innerText();
    check("a weak password is refused before sign-up, in plain words", /12 characters/.test(weak) && /upper-case/.test(weak), weak);

    const zoeId = await signUp(a, zoe, check);
    if (!zoeId) return finish();

    await a.reload();
    await signedIn(a);
    check("the session is restored after a reload", (await a.getByTestId("current-user").innerText()) === zoe.name);

    // A reload after the ID token expired: the session refreshes it (REFRESH_TOKEN_AUTH) first.
    const before = await a.evaluate(() => {
      const s = JSON.parse(localStorage.getItem("imagePipeline.session"));
      const old = s.tokens.idToken;
      s.tokens.expiresAt = Date.now() - 1000;
      localStorage.setItem("imagePipeline.session", JSON.stringify(s));
      return old;
    });
    await a.reload();
    const refreshedId = await signedIn(a);
    const after = await a.evaluate(() => JSON.parse(localStorage.getItem("imagePipeline.session")));
    check(
      "an expired ID token is refreshed on reload, same identity",
      refreshedId === zoeId && after.tokens.idToken !== before && after.tokens.expiresAt > Date.now() + 30 * 60_000,
      refreshedId,
    );

    const zoeAlbum = await createAlbum(a, zoe, check);
    await a.getByTestId("album-name-input").fill(zoe.album);
    await a.getByTestId("create-album-button").click();
    await a.getByTestId("create-album-error").filter({ hasText: "already" }).waitFor();
    check(`${zoe.label}: a second album with the same name is refused`, true);
    check(`${zoe.label}: the album id begins with the identity id`, zoeAlbum.startsWith(`${zoeId}/`), zoeAlbum);

    await albumNameChecks(a, check);
    await openAlbum(a, zoe);
    await uploadAndWait(a, zoe, opts, check);
    await checkCards(a, zoe, opts, check, `${zoe.label}, after upload`);
    await a.screenshot({ path: join(opts.artifacts, "gallery.png") });

    await a.reload();
    await signedIn(a);
    await reloadedGallery(a, zoe);
    check(`${zoe.label}: after a reload the album keeps its name`, (await a.getByTestId("album-title").innerText()) === zoe.album);
    await checkCards(a, zoe, opts, check, `${zoe.label}, after reload`);
    await a.screenshot({ path: join(opts.artifacts, "gallery-reloaded.png"), fullPage: true });

    await photoView(a, zoe, opts, check);
    await reprocessFailed(a, config, check);
    await retryFailedUpload(a, zoe, retryPhoto, check);
    await deletePhoto(a, zoe, check);
    await secondTab(a, zoe, watchPage, secondTabPhoto, check);
    await offline(a, check);
    await phone(a, opts, check);
    await albumCounts(a, zoe, check);
    await deleteAlbum(a, join(FIXTURES, "flower2.jpg"), check);

    // ---- 李雷: a second user, in another browser ---------------------------------------------
    const b = await newPage("lei");
    await b.goto(opts.url);
    await b.getByTestId("auth-panel").waitFor();
    await b.getByTestId("show-signup").click();
    await b.getByTestId("signup-email").fill(zoe.email);
    await b.getByTestId("signup-name").fill(lei.name);
    await b.getByTestId("signup-password").fill(PASSWORD);
    await b.getByTestId("signup-button").click();
    const taken = b.getByTestId("signup-error");
    await taken.filter({ hasText: /\S/ }).waitFor();
    check(
      "an email already signed up is refused by name",
      (await taken.getAttribute("data-error-name")) === "UsernameExistsException" && /already exists/.test(await taken.innerText()),
      `${await taken.getAttribute("data-error-name")}: ${await taken.innerText()}`,
    );
    await b.reload();
    const leiId = await signUp(b, lei, check);
    if (!leiId) return finish();
    check("the two users have different identity ids", leiId !== zoeId, `${zoeId} / ${leiId}`);

    await albumsLoaded(b);
    check(`${lei.label}: sees none of ${zoe.label}'s albums`, (await b.getByTestId("album-item").count()) === 0 && (await b.getByTestId("albums-empty").isVisible()));
    const leiAlbum = await createAlbum(b, lei, check);
    await openAlbum(b, lei);
    await uploadAndWait(b, lei, opts, check);
    await checkCards(b, lei, opts, check, `${lei.label}, after upload`);
    await b.reload();
    await signedIn(b);
    check(`${lei.label}: the session is restored after a reload`, (await b.getByTestId("current-user").innerText()) === lei.name);
    await reloadedGallery(b, lei);
    check(`${lei.label}: after a reload the album keeps its name`, (await b.getByTestId("album-title").innerText()) === lei.album);
    await checkCards(b, lei, opts, check, `${lei.label}, after reload`);
    await b.screenshot({ path: join(opts.artifacts, "gallery-second-user.png"), fullPage: true });
    await albumList(b, [lei.album], check, `${lei.label}: lists only their own album`);

    // A link to the other's album opens nothing of theirs (album keys are scoped to the identity).
    const zoeKey = zoeAlbum.slice(zoeId.length + 1);
    await b.goto(new URL(`#/album/${encodeURIComponent(zoeKey)}`, opts.url).href);
    await b.getByTestId("album-missing").waitFor();
    check(`${lei.label}: ${zoe.label}'s album link shows none of her photos`, (await b.getByTestId("photo-card").count()) === 0);

    // ---- the same tab, another user: sign out, a wrong password, then sign in as Zoë ---------
    await b.goto(opts.url);
    await signedIn(b);
    const refreshToken = await b.evaluate(() => JSON.parse(localStorage.getItem("imagePipeline.session")).tokens.refreshToken);
    await b.getByTestId("signout-button").click();
    await b.getByTestId("signin-form").waitFor();
    check("signing out forgets the session", (await b.getByTestId("current-user").count()) === 0);
    // The server forgot it too: the old refresh token no longer refreshes.
    await b.waitForTimeout(500);
    const reuse = await b.evaluate(
      async ({ endpoint, region, clientId, token }) => {
        const res = await fetch(endpoint ?? `https://cognito-idp.${region}.amazonaws.com/`, {
          method: "POST",
          headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth" },
          body: JSON.stringify({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: token } }),
        });
        return { status: res.status, body: await res.text() };
      },
      { endpoint: config.endpoint, region: config.region, clientId: config.userPoolClientId, token: refreshToken },
    );
    check("signing out revokes the refresh token on the server", reuse.status === 400 && /NotAuthorized/.test(reuse.body), `${reuse.status} ${reuse.body.slice(0, 120)}`);
    await b.reload();
    await b.getByTestId("signin-form").waitFor();
    check("and it stays signed out after a reload", (await b.getByTestId("current-user").count()) === 0);
    await b.getByTestId("signin-email").fill(zoe.email);
    await b.getByTestId("signin-password").fill("Wrong-Password-1");
    await b.getByTestId("signin-button").click();
    const wrong = b.getByTestId("signin-error");
    await wrong.filter({ hasText: /\S/ }).waitFor();
    check(
      "a wrong password is refused by name",
      (await wrong.getAttribute("data-error-name")) === "NotAuthorizedException" && /Incorrect email or password/.test(await wrong.innerText()),
      `${await wrong.getAttribute("data-error-name")}: ${await wrong.innerText()}`,
    );
    await b.getByTestId("signin-password").fill(PASSWORD);
    await b.getByTestId("signin-button").click();
    const again = await signedIn(b);
    check(`${zoe.label} signing in again gets the same identity`, again === zoeId, again);
    check(`${zoe.label}'s display name comes from her attributes`, (await b.getByTestId("current-user").innerText()) === zoe.name);
    await albumList(b, [zoe.album], check, `${zoe.label} (signed in in ${lei.label}'s tab): lists only her own album`);

    // And Zoë's first browser still sees only her own album.
    await a.goto(opts.url);
    await signedIn(a);
    await albumList(a, [zoe.album], check, `${zoe.label}: lists only her own album`);

    for (const [label, log] of Object.entries(logs)) {
      const errors = log.filter((l) => l.startsWith("[pageerror]"));
      check(`${label}: no uncaught page errors`, errors.length === 0, errors.join(" | "));
      const warnings = log.filter((l) => l.startsWith("[warning]"));
      check(`${label}: no console warnings`, warnings.length === 0, warnings.join(" | "));
      const missing = log.filter((l) => l.startsWith("[404]"));
      check(`${label}: nothing of the app's is missing (favicon included)`, missing.length === 0, missing.join(" | "));
    }
    void leiAlbum;
    return finish();
  } catch (err) {
    check("e2e ran to the end", false, String(err?.stack ?? err));
    for (const [i, page] of pages.entries()) {
      try {
        await page.screenshot({ path: join(opts.artifacts, `failure-${i + 1}.png`), fullPage: true });
      } catch {
        /* best effort */
      }
    }
    return finish();
  } finally {
    for (const [label, log] of Object.entries(logs)) writeFileSync(join(opts.artifacts, `console-${label}.log`), log.join("\n") + "\n");
    await browser.close();
  }

  function finish() {
    const failed = checks.filter((c) => !c.ok).length;
    return { passed: checks.length - failed, failed, checks };
  }
}

/** Waits until the header shows a signed-in identity; returns its identity id. */
async function signedIn(page) {
  const who = page.locator('[data-testid="current-user"][data-identity-id]');
  await who.waitFor({ timeout: 60_000 });
  return who.getAttribute("data-identity-id");
}

/** Signs up (the pool confirms at once) and lands signed in; returns the identity id or null. */
async function signUp(page, user, check) {
  if (!(await page.getByTestId("signup-form").count())) await page.getByTestId("show-signup").click();
  await page.getByTestId("signup-email").fill(user.email);
  await page.getByTestId("signup-name").fill(user.name);
  await page.getByTestId("signup-password").fill(PASSWORD);
  await page.getByTestId("signup-button").click();
  const outcome = page.locator(
    '[data-testid="current-user"][data-identity-id], [data-testid="confirm-form"], [data-testid="signup-error"][data-error-name], [data-testid="signin-error"][data-error-name], [data-testid="connect-error"]',
  );
  await outcome.first().waitFor({ timeout: 60_000 });
  if (!(await page.locator('[data-testid="current-user"][data-identity-id]').count())) {
    const text = await outcome.first().innerText();
    check(`${user.label}: signs up and is signed in straight away`, false, text.replace(/\s+/g, " "));
    return null;
  }
  const id = await page.getByTestId("current-user").getAttribute("data-identity-id");
  check(`${user.label}: signs up and is signed in straight away`, true, id);
  check(`${user.label}: the header shows the display name exactly`, (await page.getByTestId("current-user").innerText()) === user.name, await page.getByTestId("current-user").innerText());
  check(`${user.label}: the identity id is <region>:<uuid>`, /^[a-z]{2}(-[a-z]+)+-\d+:[0-9a-f-]{32,}$/.test(id ?? ""), id);
  return id;
}

/** Creates the user's album from the album list; returns its albumID. */
async function createAlbum(page, user, check) {
  await albumsLoaded(page);
  await page.getByTestId("album-name-input").fill(user.album);
  await page.getByTestId("create-album-button").click();
  const item = page.getByTestId("album-item").filter({ has: page.getByTestId("album-link").getByText(user.album, { exact: true }) });
  await item.waitFor();
  check(`${user.label}: album “${user.album}” created`, true);
  return item.getAttribute("data-album-id");
}

async function openAlbum(page, user) {
  await page
    .getByTestId("album-item")
    .filter({ has: page.getByTestId("album-link").getByText(user.album, { exact: true }) })
    .getByTestId("album-link")
    .click();
  await page.getByTestId("album-title").filter({ hasText: user.album }).waitFor();
  await page.getByTestId("gallery-loading").waitFor({ state: "hidden" });
}

/** The files that become cards (uploaded); `user.refused` are refused before upload. */
function filesOf(user) {
  return [...user.photos, ...(user.unsupported ? [user.unsupported] : []), ...user.damaged.map((d) => d.file)];
}

async function uploadAndWait(page, user, opts, check) {
  const files = filesOf(user);
  const started = Date.now();
  const accept = await page.getByTestId("file-input").getAttribute("accept");
  check(`${user.label}: the file picker accepts images only`, /image\/\*/.test(accept ?? ""), accept ?? "none");
  await page.getByTestId("file-input").setInputFiles([...files, ...user.refused]);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="photo-card"]').length === n, files.length, {
    timeout: 10_000,
  });
  check(`${user.label}: a card per uploaded file at once (${files.length + user.refused.length} chosen)`, (await page.getByTestId("photo-card").count()) === files.length);
  if (user.refused.length) {
    const refused = await page.getByTestId("refused-file").allInnerTexts();
    check(
      `${user.label}: files that are no image are refused before upload, each with its reason`,
      refused.length === user.refused.length && refused.some((t) => /notes\.jpg.*not an image/.test(t)) && refused.some((t) => /empty\.png.*empty/.test(t)),
      refused.join(" | "),
    );
  }

  // Track the phases each card goes through.
  await page.evaluate(() => {
    window.__phases = {};
    const seen = () =>
      document.querySelectorAll('[data-testid="photo-card"]').forEach((c) => {
        const name = c.querySelector('[data-testid="card-name"]')?.textContent ?? "?";
        const list = (window.__phases[name] ??= []);
        if (list[list.length - 1] !== c.dataset.status) list.push(c.dataset.status);
      });
    seen();
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.waitForFunction(
    (terminal) => Array.from(document.querySelectorAll('[data-testid="photo-card"]')).every((c) => terminal.includes(c.dataset.status)),
    TERMINAL,
    { timeout: opts.timeoutMs, polling: 500 },
  );
  check(`${user.label}: every card reached an end state`, true, `${((Date.now() - started) / 1000).toFixed(1)} s`);
  const phases = await page.evaluate(() => window.__phases);
  console.log(`phases seen (${user.label}): ${JSON.stringify(phases)}`);
  for (const p of user.photos) {
    const seen = phases[basename(p)] ?? [];
    check(`${user.label}: ${basename(p)} went through processing`, seen.includes("processing") || seen.includes("uploaded"), seen.join(" -> "));
  }
}

/** After a reload of a gallery: every card back, every done card with its thumbnail. */
async function reloadedGallery(page, user) {
  await page.getByTestId("album-title").filter({ hasText: user.album }).waitFor();
  await page.getByTestId("gallery-loading").waitFor({ state: "hidden" });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="photo-card"]').length === n, filesOf(user).length);
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll('[data-testid="photo-card"][data-status="done"]')).every((c) => c.querySelector('[data-testid="card-thumbnail"]')),
  );
}

/** The album list, once its first page has loaded (or failed). */
async function albumsLoaded(page) {
  await page.waitForFunction(() => {
    const loading = document.querySelector('[data-testid="albums-loading"]');
    return document.querySelector('[data-testid="album-list"]') && loading && loading.hidden;
  });
}

async function albumList(page, expected, check, name) {
  const opened = new URL(page.url());
  opened.hash = "#/";
  await page.goto(opened.href);
  await albumsLoaded(page);
  const names = await page.getByTestId("album-link").allInnerTexts();
  check(name, JSON.stringify(names) === JSON.stringify(expected), names.join(" | "));
}

async function checkCards(page, user, opts, check, when) {
  const byName = (name) => page.getByTestId("photo-card").filter({ has: page.getByTestId("card-name").getByText(name, { exact: true }) });
  const count = await page.getByTestId("photo-card").count();
  check(`${when}: exactly the user's own ${filesOf(user).length} cards`, count === filesOf(user).length, `${count} cards`);
  for (const p of user.photos) {
    const name = basename(p);
    const card = byName(name);
    const status = (await card.count()) === 1 ? await card.getAttribute("data-status") : null;
    check(`${when}: ${name} is done`, status === "done", status ?? "no card with exactly this name");
    if (status !== "done") {
      const err = await card.getByTestId("card-error").allInnerTexts();
      if (err.length) console.log(`  ${name}: ${err.join(" ")}`);
      continue;
    }
    // Thumbnails load lazily: bring the card into view first.
    await card.scrollIntoViewIfNeeded().catch(() => undefined);
    const thumbOk = await card
      .getByTestId("card-thumbnail")
      .evaluate(
        (img) =>
          new Promise((done) => {
            const ok = () => done(img.naturalWidth > 0 && img.naturalWidth <= 250 && img.naturalHeight <= 250);
            if (img.complete) ok();
            else {
              img.addEventListener("load", ok, { once: true });
              img.addEventListener("error", () => done(false), { once: true });
            }
          }),
      )
      .catch(() => false);
    check(`${when}: ${name} thumbnail loads (<= 250 px)`, thumbOk);
    const tags = await card.getByTestId("card-tag").allInnerTexts();
    check(`${when}: ${name} has tags with confidence`, tags.length > 0 && tags.every((t) => /\d+%$/.test(t)), tags.join(", "));
    const size = await card.getByTestId("card-size").innerText();
    check(`${when}: ${name} shows its size`, /^\d+(\.\d+)? (B|KB|MB)$/.test(size), size);
    const dims = await card.getByTestId("card-dimensions").innerText();
    check(`${when}: ${name} shows its dimensions`, /^\d+ × \d+$/.test(dims), dims);
    const uploaded = await card.getByTestId("card-uploaded").innerText();
    check(`${when}: ${name} shows its upload date`, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(uploaded), uploaded);
    const camera = await card.getByTestId("card-camera").allInnerTexts();
    if (CAMERAS[name]) check(`${when}: ${name} shows its camera`, camera.length === 1 && CAMERAS[name].test(camera[0]), camera.join(""));
    if (name === opts.gpsPhoto) {
      const href = await card.getByTestId("card-gps-link").getAttribute("href").catch(() => null);
      check(`${when}: ${name} links its GPS position to OpenStreetMap`, /^https:\/\/www\.openstreetmap\.org\/\?mlat=/.test(href ?? ""), href ?? "none");
      const taken = await card.getByTestId("card-taken").allInnerTexts();
      check(`${when}: ${name} shows its capture date`, taken.length === 1 && /^\d{4}-\d{2}-\d{2}/.test(taken[0]), taken.join(""));
    }
  }
  for (const d of user.damaged) {
    const card = byName(basename(d.file));
    const name = await card.getByTestId("card-error").getAttribute("data-error-name").catch(() => null);
    check(`${when}: ${basename(d.file)} failed with ${d.error}`, (await card.getAttribute("data-status")) === "failed" && name === d.error, name ?? "no error");
    const media = await card.locator('[data-testid="card-thumbnail"], [data-testid="card-preview"]').count();
    check(`${when}: ${basename(d.file)} shows no broken image`, media === 0 || (await card.locator("img").evaluate((i) => i.naturalWidth > 0)), `${media} images`);
  }
  if (!user.unsupported) return;
  const bad = byName(basename(user.unsupported));
  const status = await bad.getAttribute("data-status");
  check(`${when}: the unsupported file failed`, status === "failed", status ?? "no card");
  const errorName = await bad.getByTestId("card-error").getAttribute("data-error-name").catch(() => null);
  const text = await bad.getByTestId("card-error").innerText().catch(() => "");
  check(`${when}: its error is in plain words`, errorName === "FileTypeNotSupported" && /not supported/.test(text), `${errorName}: ${text.replace(/\s+/g, " ")}`);
}

const cardNamed = (page, name) => page.getByTestId("photo-card").filter({ has: page.getByTestId("card-name").getByText(name, { exact: true }) });

/** An over-long or empty album name is refused with a message, never cut. */
async function albumNameChecks(page, check) {
  await albumsLoaded(page);
  const before = await page.getByTestId("album-item").count();
  await page.getByTestId("album-name-input").fill("Ä".repeat(300));
  check("a 300-character album name stays whole in the field", (await page.getByTestId("album-name-input").inputValue()).length === 300);
  await page.getByTestId("create-album-button").click();
  const long = await page.getByTestId("create-album-error").innerText();
  check("a 300-character album name is refused with a message", /at most 100/.test(long), long);
  await page.getByTestId("album-name-input").fill("   ");
  await page.getByTestId("create-album-button").click();
  const empty = await page.getByTestId("create-album-error").innerText();
  check("an empty album name is refused with a message", /Enter an album name/.test(empty), empty);
  check("and neither created an album", (await page.getByTestId("album-item").count()) === before);
  await page.getByTestId("album-name-input").fill("");
}

/** Click opens the photo view; arrow keys move; Escape closes. */
async function photoView(page, user, opts, check) {
  const first = basename(user.photos[0]);
  await cardNamed(page, first).locator(".card__media").click();
  const view = page.getByTestId("photo-view");
  await view.waitFor();
  check("clicking a card opens the photo view", (await page.getByTestId("photo-view-name").innerText()) === first);
  const img = page.getByTestId("photo-view-image");
  await img.waitFor();
  const size = await img.evaluate((i) => new Promise((r) => (i.complete ? r(i.getBoundingClientRect().width) : i.addEventListener("load", () => r(i.getBoundingClientRect().width)))));
  check("the photo view shows the picture larger than the card's 250 px thumbnail", size > 250, `${Math.round(size)} px wide`);
  const tags = await page.getByTestId("photo-view-tag").allInnerTexts();
  check("the photo view lists labels with confidence", tags.length > 0 && tags.every((t) => /\d+%$/.test(t)), tags.join(", "));
  const camera = await page.getByTestId("photo-view-camera").innerText().catch(() => "");
  check("the photo view shows every fact (camera, size, dimensions)", /Canon/.test(camera) && (await page.getByTestId("photo-view-size").count()) === 1 && (await page.getByTestId("photo-view-dimensions").count()) === 1, camera);
  // Arrow keys walk the gallery's order until the GPS photo: its map link.
  const names = [first];
  const n = filesOf(user).length;
  for (const key of ["ArrowRight", "ArrowLeft"]) {
    for (let i = 0; i < n && !names.includes(opts.gpsPhoto); i++) {
      const before = await page.getByTestId("photo-view-name").innerText();
      await page.keyboard.press(key);
      const now = await page.getByTestId("photo-view-name").innerText();
      if (now === before) break; // the end of the gallery
      names.push(now);
    }
  }
  check("arrow keys move between photos", new Set(names).size > 1 && names.includes(opts.gpsPhoto), names.join(" → "));
  const map = await page.getByTestId("photo-view-map-link").getAttribute("href").catch(() => null);
  check("the photo view links the GPS position to a map", /openstreetmap\.org\/\?mlat=59\.33/.test(map ?? ""), map ?? "none");
  await page.waitForFunction(() => document.querySelector('[data-testid="photo-view-image"]')?.naturalWidth > 0).catch(() => undefined);
  await page.screenshot({ path: join(opts.artifacts, "photo-view.png") });
  await page.keyboard.press("Escape");
  await view.waitFor({ state: "hidden" });
  check("Escape closes the photo view", true);
  // Enter on a focused card opens it too; a failed one shows its reason.
  const failed = page.locator('[data-testid="photo-card"][data-status="failed"]').first();
  await failed.focus();
  await page.keyboard.press("Enter");
  await view.waitFor();
  const reason = await page.getByTestId("photo-view-error").getAttribute("data-error-name").catch(() => null);
  check("Enter on a failed card opens the photo view with the failure reason", !!reason, reason ?? "none");
  await page.keyboard.press("Escape");
  await view.waitFor({ state: "hidden" });
}

/** Retry of a failed processing (the reprocess function): a new execution, the same end. */
async function reprocessFailed(page, config, check) {
  const card = cardNamed(page, "truncated.jpg");
  if (!config.reprocessFunction) {
    check("without a reprocess function there is no retry button", (await card.getByTestId("card-reprocess").count()) === 0);
    return;
  }
  const before = await card.getByTestId("card-execution").getAttribute("title");
  await card.getByTestId("card-reprocess").click();
  await page.waitForFunction(
    (old) => {
      const c = [...document.querySelectorAll('[data-testid="photo-card"]')].find((x) => x.querySelector('[data-testid="card-name"]')?.textContent === "truncated.jpg");
      const arn = c?.querySelector('[data-testid="card-execution"]')?.getAttribute("title");
      return c?.dataset.status === "failed" && arn && arn !== old;
    },
    before,
    { timeout: 60_000, polling: 300 },
  ).catch(async () => {
    check("the retried photo ran a new execution", false, (await card.innerText()).replace(/\s+/g, " "));
  });
  const name = await card.getByTestId("card-error").getAttribute("data-error-name");
  check("retrying a failed processing runs a new execution that ends with its reason again", name === "ImageDecodeError", name);
}

/** An upload that fails is retried from memory, without picking the file again. */
async function retryFailedUpload(page, user, file, check) {
  const pattern = /retry-me\.jpg/;
  await page.route(pattern, (route) => route.abort("internetdisconnected"));
  await page.getByTestId("file-input").setInputFiles([file]);
  const card = cardNamed(page, "retry-me.jpg");
  await card.and(page.locator('[data-status="upload-failed"]')).waitFor({ timeout: 60_000 });
  const note = await card.getByTestId("card-note").innerText().catch(() => "");
  check("a failed upload says so on its card", note.length > 0, note);
  await page.unroute(pattern);
  await card.getByTestId("card-retry-upload").click();
  await card.and(page.locator('[data-status="done"]')).waitFor({ timeout: 120_000 });
  check("“Retry upload” uploads the same file again from memory, and it is processed", true);
  user.photos.push(file);
}

/** Delete: the card goes at once, and stays gone after a reload. */
async function deletePhoto(page, user, check) {
  const name = "flower2.jpg";
  const before = await page.getByTestId("photo-card").count();
  const card = cardNamed(page, name);
  await card.getByTestId("card-delete").click();
  await card.getByTestId("card-delete-confirm").click();
  const gone = await card.waitFor({ state: "detached", timeout: 15_000 }).then(
    () => true,
    () => false,
  );
  const banner = await page.getByTestId("app-error").innerText().catch(() => "");
  check("deleting a photo drops its card at once", gone && (await page.getByTestId("photo-card").count()) === before - 1, banner);
  if (!gone) return;
  user.photos = user.photos.filter((p) => basename(p) !== name);
  const deadline = Date.now() + 30_000;
  let count;
  do {
    await page.waitForTimeout(1000);
    await page.reload();
    await signedIn(page);
    await page.getByTestId("gallery-loading").waitFor({ state: "hidden" });
    count = await cardNamed(page, name).count();
  } while (count > 0 && Date.now() < deadline);
  check("after a reload the deleted photo stays gone (its item removed by the trigger)", count === 0);
}

/** A second tab of the same user sees what the first uploads, without a reload. */
async function secondTab(page, user, watchPage, file, check) {
  const other = watchPage(await page.context().newPage(), "zoe-second-tab");
  await other.goto(page.url());
  const expected = await page.getByTestId("photo-card").count();
  const shown = await other
    .waitForFunction((n) => document.querySelectorAll('[data-testid="photo-card"]').length === n, expected, { timeout: 30_000 })
    .then(
      () => expected,
      async () => other.getByTestId("photo-card").count(),
    );
  check("a second tab shows the same album", shown === expected, `${shown} of ${expected} cards`);
  await page.getByTestId("file-input").setInputFiles([file]);
  const there = cardNamed(other, basename(file));
  await there.waitFor({ timeout: 30_000 });
  check("the second tab shows the first tab's upload without a reload", true);
  await there.and(other.locator('[data-status="done"]')).waitFor({ timeout: 120_000 });
  check("and follows it to done", (await there.getByTestId("card-thumbnail").count()) === 1);
  await cardNamed(page, basename(file)).getByTestId("card-delete").click();
  await cardNamed(page, basename(file)).getByTestId("card-delete-confirm").click();
  const left = await there.waitFor({ state: "detached", timeout: 30_000 }).then(
    () => true,
    () => false,
  );
  check("a photo deleted in one tab leaves the other by itself", left);
  await other.close();
  if (!left) user.photos.push(file);
}

/** Offline says offline. */
async function offline(page, check) {
  await page.context().setOffline(true);
  await page.getByTestId("offline-banner").waitFor();
  const text = await page.getByTestId("offline-banner").innerText();
  check("offline, the app says offline (not that the stack is down)", /offline/i.test(text) && !/make up/.test(text), text);
  await page.context().setOffline(false);
  await page.getByTestId("offline-banner").waitFor({ state: "hidden" });
}

/** 390 px: no horizontal overflow, a header on one line, two or more columns. */
async function phone(page, opts, check) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  const m = await page.evaluate(() => {
    const cards = [...document.querySelectorAll('[data-testid="photo-card"]:not([hidden])')];
    const top = cards[0]?.getBoundingClientRect().top;
    return {
      scroll: document.documentElement.scrollWidth,
      header: document.querySelector(".topbar").getBoundingClientRect().height,
      perRow: cards.filter((c) => c.getBoundingClientRect().top === top).length,
      cardHeight: cards[0]?.getBoundingClientRect().height ?? 0,
    };
  });
  check("at 390 px nothing overflows sideways", m.scroll <= 390, `scrollWidth ${m.scroll}`);
  check("at 390 px the header stays on one line", m.header < 56, `${m.header} px high`);
  check("at 390 px the gallery has two or more columns, no card fills the screen", m.perRow >= 2 && m.cardHeight < 600, `${m.perRow} per row, ${Math.round(m.cardHeight)} px high`);
  await page.screenshot({ path: join(opts.artifacts, "gallery-phone.png") });
  await page.setViewportSize({ width: 1280, height: 1000 });
}

/** The album list shows each album's photo count and a cover. */
async function albumCounts(page, user, check) {
  await page.goto(new URL("#/", page.url()).href);
  await albumsLoaded(page);
  const item = page.getByTestId("album-item").filter({ has: page.getByTestId("album-link").getByText(user.album, { exact: true }) });
  await item.getByTestId("album-cover").waitFor();
  const count = await item.getByTestId("album-count").innerText();
  check("the album list shows the album's photo count and a cover", count === `${filesOf(user).length} photos`, count);
}

/** An album is deleted with its photos. */
async function deleteAlbum(page, photo, check) {
  const name = "Zu löschen";
  await page.getByTestId("album-name-input").fill(name);
  await page.getByTestId("create-album-button").click();
  await openAlbum(page, { album: name });
  await page.getByTestId("file-input").setInputFiles([photo]);
  await page.locator('[data-testid="photo-card"][data-status="done"]').waitFor({ timeout: 120_000 });
  await page.getByTestId("album-delete").click();
  await page.getByTestId("album-delete-confirm").click();
  const left = await page.getByTestId("album-list").waitFor({ timeout: 30_000 }).then(
    () => true,
    () => false,
  );
  if (!left) {
    check("deleting an album removes it with its photos", false, await page.getByTestId("app-error").innerText().catch(() => ""));
    return page.goto(new URL("#/", page.url()).href);
  }
  await albumsLoaded(page);
  const names = await page.getByTestId("album-link").allInnerTexts();
  check("deleting an album removes it with its photos", !names.includes(name), names.join(" | "));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let result;
  try {
    result = await run(options());
  } catch (err) {
    console.error(`e2e: ${err.message}`);
    process.exit(2);
  }
  console.log(`${result.passed} passed, ${result.failed} failed`);
  console.log(JSON.stringify({ summary: { passed: result.passed, failed: result.failed } }));
  process.exit(result.failed === 0 && result.passed > 0 ? 0 : 1);
}
