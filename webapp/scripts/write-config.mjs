#!/usr/bin/env node
// Writes webapp/public/config.json from the test-client module's `webapp_config` output.
//
//   node scripts/write-config.mjs --env-dir ../environments/local      (runs terraform output)
//   node scripts/write-config.mjs --from-json outputs.json              (a saved output)
//   terraform output -json webapp_config | node scripts/write-config.mjs --from-json -
//
// Options: --out <file> (default public/config.json), --endpoint <url> (override endpoint).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const REQUIRED = [
  "region",
  "userPoolId",
  "userPoolClientId",
  "identityPoolId",
  "bucket",
  "imageMetadataTable",
  "albumMetadataTable",
];
const DEFAULTS = {
  allowGuests: false,
  albumIndex: "albumID-uploadTime-index",
  userAlbumsIndex: "userID-creationTime-index",
  incomingPrefix: "Incoming/",
  thumbnailPrefix: "Thumbnails/",
  endpoint: null,
};

function parseArgs(argv) {
  const out = { envDir: null, fromJson: null, out: resolve(here, "../public/config.json"), endpoint: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--env-dir") out.envDir = next();
    else if (a === "--from-json") out.fromJson = next();
    else if (a === "--out") out.out = resolve(next());
    else if (a === "--endpoint") out.endpoint = next();
    else if (a === "-h" || a === "--help") {
      console.log("usage: write-config.mjs (--env-dir DIR | --from-json FILE|-) [--out FILE] [--endpoint URL]");
      process.exit(0);
    } else fail(`unknown argument: ${a}`);
  }
  if (!out.envDir && !out.fromJson) fail("give --env-dir DIR or --from-json FILE");
  return out;
}

function fail(msg) {
  console.error(`write-config: ${msg}`);
  process.exit(2);
}

/** Accepts the bare object, or `{value: {...}}` as `terraform output -json` (all outputs) gives it. */
export function extractConfig(parsed) {
  let v = parsed;
  if (v && typeof v === "object" && "webapp_config" in v) v = v.webapp_config;
  if (v && typeof v === "object" && "value" in v && "sensitive" in v) v = v.value;
  if (v === null) throw new Error("webapp_config is null: the deployment has no test client (set test_client.enabled = true)");
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("webapp_config is not an object");
  const missing = REQUIRED.filter((k) => typeof v[k] !== "string" || v[k].trim() === "");
  if (missing.length) throw new Error(`webapp_config lacks ${missing.join(", ")}`);
  if (v.allowGuests !== undefined && v.allowGuests !== null && typeof v.allowGuests !== "boolean") {
    throw new Error("webapp_config.allowGuests must be true or false");
  }
  return { ...DEFAULTS, ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== null)), endpoint: v.endpoint ?? null };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  let text;
  if (args.fromJson) {
    text = readFileSync(args.fromJson === "-" ? 0 : args.fromJson, "utf8");
  } else {
    try {
      text = execFileSync("terraform", [`-chdir=${args.envDir}`, "output", "-json", "webapp_config"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (err) {
      const stderr = String(err.stderr ?? "").trim();
      fail(
        `terraform output failed in ${args.envDir}: ${stderr || err.message}\n` +
          "Is the stack applied? Run `make up` first.",
      );
    }
  }
  let config;
  try {
    config = extractConfig(JSON.parse(text));
  } catch (err) {
    fail(`${err.message}`);
  }
  if (args.endpoint !== undefined) config.endpoint = args.endpoint || null;
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(config, null, 2)}\n`);
  console.log(`write-config: wrote ${args.out} (bucket ${config.bucket}, endpoint ${config.endpoint ?? "AWS"})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
