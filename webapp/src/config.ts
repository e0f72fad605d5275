// Runtime configuration: public/config.json, written by `make webapp` from the
// test-client module's `webapp_config` Terraform output.

export interface WebappConfig {
  region: string;
  identityPoolId: string;
  bucket: string;
  imageMetadataTable: string;
  albumMetadataTable: string;
  albumIndex: string;
  userAlbumsIndex: string;
  describeExecutionFunction: string;
  incomingPrefix: string;
  thumbnailPrefix: string;
  /** Set against the local emulator (e.g. http://127.0.0.1:4566); null against AWS. */
  endpoint: string | null;
}

export type ConfigProblem = "missing" | "invalid" | "unreachable";

export class ConfigError extends Error {
  constructor(
    readonly problem: ConfigProblem,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

const REQUIRED = [
  "region",
  "identityPoolId",
  "bucket",
  "imageMetadataTable",
  "albumMetadataTable",
  "describeExecutionFunction",
] as const;

const DEFAULTS = {
  albumIndex: "albumID-uploadTime-index",
  userAlbumsIndex: "userID-creationTime-index",
  incomingPrefix: "Incoming/",
  thumbnailPrefix: "Thumbnails/",
} as const;

export const MAKE_HINT = "Run `make webapp` (it writes webapp/public/config.json from the Terraform outputs).";

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.trim() !== "";
}

/** Checks a parsed config.json; fills defaults for the index names and prefixes. */
export function validateConfig(raw: unknown): WebappConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError("invalid", "config.json must hold a JSON object.");
  }
  const obj = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of REQUIRED) {
    if (!isNonEmptyString(obj[key])) problems.push(`"${key}" is missing or empty`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(DEFAULTS)) {
    const v = obj[key];
    if (v === undefined || v === null) out[key] = fallback;
    else if (!isNonEmptyString(v)) problems.push(`"${key}" must be a non-empty string`);
    else out[key] = v;
  }
  for (const key of ["incomingPrefix", "thumbnailPrefix"]) {
    const v = out[key];
    if (typeof v === "string" && !v.endsWith("/")) problems.push(`"${key}" must end with "/"`);
  }
  if (isNonEmptyString(obj.region) && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(obj.region)) {
    problems.push(`"region" does not look like an AWS region: ${obj.region}`);
  }
  if (isNonEmptyString(obj.identityPoolId) && !/^[\w-]+:[0-9a-fA-F-]+$/.test(obj.identityPoolId)) {
    problems.push(`"identityPoolId" does not look like <region>:<uuid>: ${obj.identityPoolId}`);
  }
  let endpoint: string | null = null;
  if (obj.endpoint !== undefined && obj.endpoint !== null && obj.endpoint !== "") {
    if (typeof obj.endpoint !== "string") {
      problems.push(`"endpoint" must be a URL string or null`);
    } else {
      try {
        const u = new URL(obj.endpoint);
        if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
        endpoint = obj.endpoint.replace(/\/+$/, "");
      } catch {
        problems.push(`"endpoint" is not an http(s) URL: ${obj.endpoint}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigError("invalid", `config.json is not valid: ${problems.join("; ")}.`, problems);
  }
  return {
    region: (obj.region as string).trim(),
    identityPoolId: (obj.identityPoolId as string).trim(),
    bucket: (obj.bucket as string).trim(),
    imageMetadataTable: (obj.imageMetadataTable as string).trim(),
    albumMetadataTable: (obj.albumMetadataTable as string).trim(),
    describeExecutionFunction: (obj.describeExecutionFunction as string).trim(),
    albumIndex: out.albumIndex as string,
    userAlbumsIndex: out.userAlbumsIndex as string,
    incomingPrefix: out.incomingPrefix as string,
    thumbnailPrefix: out.thumbnailPrefix as string,
    endpoint,
  };
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Fetches and validates config.json; every failure is a ConfigError with a plain message. */
export async function loadConfig(fetchFn: FetchLike = fetch, url = "config.json"): Promise<WebappConfig> {
  let res: Response;
  try {
    res = await fetchFn(url, { cache: "no-store", headers: { Accept: "application/json" } });
  } catch (err) {
    throw new ConfigError("unreachable", `Could not load ${url}: ${String((err as Error)?.message ?? err)}`);
  }
  if (res.status === 404) {
    throw new ConfigError("missing", `The configuration (${url}) is missing. ${MAKE_HINT}`);
  }
  if (!res.ok) {
    throw new ConfigError("unreachable", `Could not load ${url}: HTTP ${res.status}.`);
  }
  const text = await res.text();
  // A dev server may answer an unknown path with the SPA's index.html.
  if (/^\s*</.test(text)) {
    throw new ConfigError("missing", `The configuration (${url}) is missing. ${MAKE_HINT}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError("invalid", `${url} is not valid JSON. ${MAKE_HINT}`);
  }
  return validateConfig(parsed);
}
