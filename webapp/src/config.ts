// Runtime configuration: public/config.json, written by `make webapp` from the
// test-client module's `webapp_config` Terraform output.

export interface WebappConfig {
  region: string;
  /** Cognito user pool users sign up and sign in with (`<region>_<id>`). */
  userPoolId: string;
  /** The pool's web client (no secret). */
  userPoolClientId: string;
  /** Cognito identity pool whose credentials reach the bucket and tables (`<region>:<uuid>`). */
  identityPoolId: string;
  /** Offer "Continue as guest" (unauthenticated identities); false unless the pool allows them. */
  allowGuests: boolean;
  bucket: string;
  imageMetadataTable: string;
  albumMetadataTable: string;
  albumIndex: string;
  userAlbumsIndex: string;
  incomingPrefix: string;
  thumbnailPrefix: string;
  /** The reprocess function's ARN (retry of a failed processing); null or absent: no retry. */
  reprocessFunction?: string | null;
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
  "userPoolId",
  "userPoolClientId",
  "identityPoolId",
  "bucket",
  "imageMetadataTable",
  "albumMetadataTable",
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

/** Checks a parsed config.json; fills defaults for the index names, prefixes and allowGuests. */
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
  if (out.incomingPrefix === out.thumbnailPrefix) problems.push(`"incomingPrefix" and "thumbnailPrefix" must differ`);
  const region = isNonEmptyString(obj.region) ? obj.region.trim() : "";
  if (region && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push(`"region" does not look like an AWS region: ${region}`);
  }
  if (isNonEmptyString(obj.identityPoolId) && !/^[a-z]{2}(-[a-z]+)+-\d+:[0-9a-fA-F-]+$/.test(obj.identityPoolId.trim())) {
    problems.push(`"identityPoolId" does not look like <region>:<uuid>: ${obj.identityPoolId}`);
  }
  if (isNonEmptyString(obj.userPoolId)) {
    const m = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$/.exec(obj.userPoolId.trim());
    if (!m) problems.push(`"userPoolId" does not look like <region>_<id>: ${obj.userPoolId}`);
    else if (region && m[1] !== region) problems.push(`"userPoolId" is in ${m[1]}, not in "region" ${region}`);
  }
  if (isNonEmptyString(obj.userPoolClientId) && !/^[\w+]+$/.test(obj.userPoolClientId.trim())) {
    problems.push(`"userPoolClientId" does not look like a user pool client id: ${obj.userPoolClientId}`);
  }
  let allowGuests = false;
  if (obj.allowGuests !== undefined && obj.allowGuests !== null) {
    if (typeof obj.allowGuests !== "boolean") problems.push(`"allowGuests" must be true or false`);
    else allowGuests = obj.allowGuests;
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
  let reprocessFunction: string | null = null;
  if (obj.reprocessFunction !== undefined && obj.reprocessFunction !== null) {
    if (typeof obj.reprocessFunction !== "string" || !/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(obj.reprocessFunction)) {
      problems.push(`"reprocessFunction" must be a Lambda function ARN or null`);
    } else reprocessFunction = obj.reprocessFunction;
  }
  if (problems.length > 0) {
    throw new ConfigError("invalid", `config.json is not valid: ${problems.join("; ")}.`, problems);
  }
  return {
    region,
    userPoolId: (obj.userPoolId as string).trim(),
    userPoolClientId: (obj.userPoolClientId as string).trim(),
    identityPoolId: (obj.identityPoolId as string).trim(),
    allowGuests,
    bucket: (obj.bucket as string).trim(),
    imageMetadataTable: (obj.imageMetadataTable as string).trim(),
    albumMetadataTable: (obj.albumMetadataTable as string).trim(),
    albumIndex: out.albumIndex as string,
    userAlbumsIndex: out.userAlbumsIndex as string,
    incomingPrefix: out.incomingPrefix as string,
    thumbnailPrefix: out.thumbnailPrefix as string,
    reprocessFunction,
    endpoint,
  };
}

/** The identity pool's provider name for the user pool: the key of `logins` (GetId, GetCredentialsForIdentity). */
export function userPoolProviderName(config: Pick<WebappConfig, "region" | "userPoolId">): string {
  return `cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`;
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
