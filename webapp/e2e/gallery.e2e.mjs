#!/usr/bin/env node
// End-to-end test of the web app against a running stack (the local emulator or AWS).
//
// Signs in as a fresh user, creates an album, uploads three real photos and one unsupported
// file at once, waits until every card reaches its end state, checks what each card shows,
// reloads and checks the album again.
//
//   WEBAPP_URL=http://127.0.0.1:5173/ node e2e/gallery.e2e.mjs
//
// Environment:
//   WEBAPP_URL       the app (required), e.g. as printed by `make webapp`
//   E2E_PHOTOS       photos to upload, separated by ":" (default: three from tests/fixtures/images)
//   E2E_GPS_PHOTO    file name among them that has GPS (default: has-lens-info.jpg)
//   E2E_TIMEOUT_MS   how long the pipeline may take for all four (default 300000)
//   E2E_ARTIFACTS    folder for screenshots and the browser console log (default e2e/artifacts)
//   CHROMIUM_PATH    browser (default /usr/bin/chromium)
//   E2E_HEADED=1     show the browser
//
// Exit code 0 when every check passed; the last line is a JSON summary (for a pytest driver).
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");

const DEFAULT_PHOTOS = ["r_canon.jpg", "r_sony.jpg", "has-lens-info.jpg"].map((f) =>
  join(repo, "tests/fixtures/images", f),
);
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

/** A valid 1x1 GIF: a real image of a type the pipeline does not accept (FileTypeNotSupported). */
const TINY_GIF = Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");

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
  };
  mkdirSync(opts.artifacts, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "webapp-e2e-"));
  const unsupported = join(work, "not-a-photo.gif");
  writeFileSync(unsupported, TINY_GIF);
  const files = [...opts.photos, unsupported];

  const browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: !opts.headed,
    args: opts.headed ? CHROMIUM_FLAGS.filter((f) => f !== "--headless") : CHROMIUM_FLAGS,
  });
  const consoleLog = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    page.on("console", (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => consoleLog.push(`[pageerror] ${e.message}`));
    page.setDefaultTimeout(30_000);

    const stamp = Date.now().toString(36);
    const user = `e2e-${stamp}`;
    const albumName = `E2E album ${stamp}`;

    await page.goto(opts.url);
    const first = page.locator('[data-testid="signin-form"], [data-testid="config-error"], [data-testid="current-user"]');
    await first.first().waitFor();
    if (await page.getByTestId("config-error").count()) {
      check("configuration loads", false, await page.getByTestId("config-error").innerText());
      return finish();
    }
    if (await page.getByTestId("signout-button").count()) await page.getByTestId("signout-button").click();

    // Sign in; the name survives a reload.
    await page.getByTestId("username-input").fill(user);
    await page.getByTestId("signin-button").click();
    await page.getByTestId("current-user").waitFor();
    await page.reload();
    check("sign-in kept across reload", (await page.getByTestId("current-user").innerText()).includes(user));

    // Create an album and open it.
    await page.getByTestId("albums-loading").waitFor({ state: "hidden" });
    await page.getByTestId("album-name-input").fill(albumName);
    await page.getByTestId("create-album-button").click();
    const albumItem = page.getByTestId("album-item").filter({ hasText: albumName });
    await albumItem.waitFor();
    check("album created", true);
    await page.getByTestId("album-name-input").fill(albumName);
    await page.getByTestId("create-album-button").click();
    await page.getByTestId("create-album-error").filter({ hasText: "already" }).waitFor();
    check("duplicate album refused", true);
    await albumItem.getByTestId("album-link").click();
    await page.getByTestId("album-title").filter({ hasText: albumName }).waitFor();
    await page.getByTestId("gallery-loading").waitFor({ state: "hidden" });

    // Upload everything at once: every file gets a card right away.
    const started = Date.now();
    await page.getByTestId("file-input").setInputFiles(files);
    const cards = page.getByTestId("photo-card");
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="photo-card"]').length === n, files.length, {
      timeout: 5_000,
    });
    check("a card per file at once", (await cards.count()) === files.length, `${await cards.count()} cards`);

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
      (terminal) =>
        Array.from(document.querySelectorAll('[data-testid="photo-card"]')).every((c) =>
          terminal.includes(c.dataset.status),
        ),
      TERMINAL,
      { timeout: opts.timeoutMs, polling: 500 },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    check("every card reached an end state", true, `${seconds} s`);
    await page.screenshot({ path: join(opts.artifacts, "gallery.png"), fullPage: true });
    const phases = await page.evaluate(() => window.__phases);
    console.log(`phases seen: ${JSON.stringify(phases)}`);

    await checkCards(page, opts, files, check, "after upload");
    for (const p of opts.photos) {
      const seen = phases[basename(p)] ?? [];
      check(
        `${basename(p)} went through processing`,
        seen.includes("processing") || seen.includes("uploaded"),
        seen.join(" -> "),
      );
    }

    // Reload: the album shows the same photos, read back from the table.
    await page.reload();
    await page.getByTestId("gallery-loading").waitFor({ state: "hidden" });
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="photo-card"]').length === n,
      files.length,
    );
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('[data-testid="photo-card"][data-status="done"]')).every((c) =>
        c.querySelector('[data-testid="card-thumbnail"]'),
      ),
    );
    await checkCards(page, opts, files, check, "after reload");
    await page.screenshot({ path: join(opts.artifacts, "gallery-reloaded.png"), fullPage: true });
    const errors = consoleLog.filter((l) => l.startsWith("[pageerror]"));
    check("no uncaught page errors", errors.length === 0, errors.join(" | "));
    return finish();
  } catch (err) {
    check("e2e ran to the end", false, String(err?.stack ?? err));
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages[0]) await pages[0].screenshot({ path: join(opts.artifacts, "failure.png"), fullPage: true });
    } catch {
      /* best effort */
    }
    return finish();
  } finally {
    writeFileSync(join(opts.artifacts, "console.log"), consoleLog.join("\n") + "\n");
    await browser.close();
  }

  function finish() {
    const failed = checks.filter((c) => !c.ok).length;
    return { passed: checks.length - failed, failed, checks };
  }
}

async function checkCards(page, opts, files, check, when) {
  const byName = async (name) => page.getByTestId("photo-card").filter({ has: page.getByTestId("card-name").getByText(name, { exact: true }) });
  for (const p of opts.photos) {
    const name = basename(p);
    const card = await byName(name);
    const status = await card.getAttribute("data-status");
    check(`${when}: ${name} is done`, status === "done", status ?? "no card");
    if (status !== "done") {
      const err = await card.getByTestId("card-error").allInnerTexts();
      if (err.length) console.log(`  ${name}: ${err.join(" ")}`);
      continue;
    }
    const thumbOk = await card
      .getByTestId("card-thumbnail")
      .evaluate((img) => img.complete && img.naturalWidth > 0 && img.naturalWidth <= 250 && img.naturalHeight <= 250)
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
    check(`${when}: ${name} shows its camera`, camera.length === 1 && camera[0].length > 0, camera.join(""));
    if (name === opts.gpsPhoto) {
      const href = await card.getByTestId("card-gps-link").getAttribute("href").catch(() => null);
      check(`${when}: ${name} links its GPS position to OpenStreetMap`, /^https:\/\/www\.openstreetmap\.org\/\?mlat=/.test(href ?? ""), href ?? "none");
      const taken = await card.getByTestId("card-taken").allInnerTexts();
      check(`${when}: ${name} shows its capture date`, taken.length === 1 && /^\d{4}-\d{2}-\d{2}/.test(taken[0]), taken.join(""));
    }
  }
  const bad = await byName("not-a-photo.gif");
  const status = await bad.getAttribute("data-status");
  check(`${when}: the unsupported file failed`, status === "failed", status ?? "no card");
  const errorName = await bad.getByTestId("card-error").getAttribute("data-error-name").catch(() => null);
  const text = await bad.getByTestId("card-error").innerText().catch(() => "");
  check(
    `${when}: its error is in plain words`,
    errorName === "FileTypeNotSupported" && /not supported/.test(text),
    `${errorName}: ${text.replace(/\s+/g, " ")}`,
  );
  void files;
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
