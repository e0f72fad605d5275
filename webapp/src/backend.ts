// Every AWS call the app makes with the identity's credentials, behind one small class so the UI
// and the tests can use fakes. The caller's identity id is the owner of everything it touches:
// the IAM policy allows nothing else, and this class never asks for anything else.

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { XhrHttpHandler } from "@aws-sdk/xhr-http-handler";

import { userPoolProviderName, type WebappConfig } from "./config";
import { thumbnailKey } from "./gallery";
import { albumIdFor, checkAlbumName, isIdentityId, isOwnAlbumId, isOwnKey, newAlbumKey } from "./keys";
import { isFlagged } from "./moderation";
import type { KeyValueStore } from "./session";
import type { ImageItem } from "./status";

export interface Album {
  albumID: string;
  userID: string;
  albumName: string;
  creationTime: number;
}

export type PageKey = Record<string, unknown> | undefined;

export interface Page<T> {
  items: T[];
  nextKey: PageKey;
}

export class AlbumExistsError extends Error {
  constructor(albumName: string) {
    super(`You already have an album called “${albumName}”.`);
    this.name = "AlbumExistsError";
  }
}

/** Something that is not the signed-in identity's was asked for: never sent. */
export class NotYoursError extends Error {
  constructor(what: string) {
    super(`${what} belongs to another identity.`);
    this.name = "NotYoursError";
  }
}

/** The subset of an SDK client used here (`send`), so tests can pass a fake. */
export interface Sender {
  send(command: unknown): Promise<unknown>;
}

export interface Clients {
  doc: Sender;
  /** Signs thumbnail GetObject URLs (fetch handler). */
  s3: S3Client;
  /** Uploads: XHR, for real progress. */
  s3Upload: S3Client;
  /** ListObjectsV2 and DeleteObject (defaults to `s3`). */
  objects?: Sender;
  /** Invoke of the reprocess function. */
  lambda?: Sender;
}

/** The reprocess function's answer, per photo. */
export interface ReprocessAnswer {
  started: { s3Key: string; imageID?: string; executionArn?: string; outcome?: string }[];
  skipped: { s3Key: string; reason?: string; imageID?: string }[];
  refused: { s3Key: string; error?: string; cause?: string; imageID?: string }[];
  failed: { s3Key: string; error?: string }[];
}

export interface AlbumSummary {
  count: number;
  /** The newest processed photo with a thumbnail that moderation did not flag. */
  cover?: ImageItem;
}

/** The function itself failed (FunctionError): its error name and message. */
export class FunctionFailedError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = errorType || "FunctionError";
  }
}

// ---------------------------------------------------------------------------------------------
// Credentials

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** The Cognito identity id the credentials belong to. */
  identityId: string;
}

export type CredentialSource = () => Promise<AwsCredentials>;

/** Who asks the identity pool: a user of the pool (with a fresh ID token on demand) or a guest. */
export type Principal =
  | { kind: "user"; sub: string; idToken: () => Promise<string> }
  | { kind: "guest"; store: KeyValueStore; storeKey: string };

export interface IdentityCredentials {
  /** Shared by every client; fetched once and reused until 5 minutes before they expire. */
  provider: CredentialSource;
  /** The identity id (GetId), once credentials were obtained. */
  identityId(): Promise<string>;
}

const CREDENTIALS_MARGIN_MS = 5 * 60_000;

/** One cache of credentials in front of any source: concurrent callers share one request. */
export function sharedCredentials(source: CredentialSource, now: () => number = Date.now): IdentityCredentials {
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  const fresh = (c: AwsCredentials) => !c.expiration || c.expiration.getTime() - CREDENTIALS_MARGIN_MS > now();
  const provider: CredentialSource = () => {
    if (current && fresh(current)) return Promise.resolve(current);
    pending ??= source().then(
      (c) => {
        if (!isIdentityId(c.identityId)) throw new Error(`The identity pool returned an unexpected identity id: ${c.identityId}`);
        if (current && current.identityId !== c.identityId) {
          throw new Error("The identity pool returned another identity for this session. Sign in again.");
        }
        current = c;
        pending = undefined;
        return c;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
  return { provider, identityId: async () => (await provider()).identityId };
}

/**
 * Credentials from the identity pool. A user's: `logins` maps the user pool's provider name
 * (`cognito-idp.<region>.amazonaws.com/<userPoolId>`) to the current ID token (refreshed on
 * demand). A guest's: unauthenticated, with the identity id kept in `store` so a reload keeps
 * the same identity (and its photos).
 */
export function identityCredentials(config: WebappConfig, who: Principal): IdentityCredentials {
  const clientConfig = { region: config.region, endpoint: config.endpoint ?? undefined };
  const source =
    who.kind === "user"
      ? fromCognitoIdentityPool({
          identityPoolId: config.identityPoolId,
          clientConfig,
          logins: { [userPoolProviderName(config)]: who.idToken },
          // The identity id is cached for this page only, per user of the pool.
          userIdentifier: who.sub,
          cache: memoryCache(),
        })
      : fromCognitoIdentityPool({
          identityPoolId: config.identityPoolId,
          clientConfig,
          cache: singleKeyCache(who.store, who.storeKey),
        });
  return sharedCredentials(source as CredentialSource);
}

function memoryCache() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

/** The provider's identity cache kept under one key of our own store. */
function singleKeyCache(store: KeyValueStore, key: string) {
  return {
    getItem: () => store.getItem(key),
    setItem: (_k: string, v: string) => store.setItem(key, v),
    removeItem: () => store.removeItem(key),
  };
}

/** Clients for DynamoDB and S3 with the identity's credentials; `endpoint` for every one. */
export function createClients(config: WebappConfig, credentials: CredentialSource): Clients {
  const endpoint = config.endpoint ?? undefined;
  const common = { region: config.region, endpoint, credentials };
  const ddb = new DynamoDBClient(common);
  const doc = DynamoDBDocumentClient.from(ddb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const s3Common = {
    ...common,
    forcePathStyle: config.endpoint !== null,
    // No flexible checksums unless required: keeps browser uploads simple and emulator-friendly.
    requestChecksumCalculation: "WHEN_REQUIRED" as const,
    responseChecksumValidation: "WHEN_REQUIRED" as const,
  };
  const s3 = new S3Client(s3Common);
  // XHR reports upload progress for every request, not only per multipart part.
  const s3Upload = new S3Client({ ...s3Common, requestHandler: new CheckedXhrHttpHandler({}) });
  const lambda = config.reprocessFunction ? new LambdaClient(common) : undefined;
  return { doc, s3, s3Upload, lambda };
}

/**
 * XhrHttpHandler resolves a request that never got an answer (network down, CORS refusal) as a
 * response with status 0, which S3's deserializers take for success: a failed upload would look
 * done. This one fails such requests instead.
 */
export class CheckedXhrHttpHandler extends XhrHttpHandler {
  override async handle(...args: Parameters<XhrHttpHandler["handle"]>): ReturnType<XhrHttpHandler["handle"]> {
    const out = await super.handle(...args);
    if (!out.response.statusCode) {
      const err = new Error(
        `Network error: no response from ${args[0].hostname}${args[0].port ? `:${args[0].port}` : ""} (server down, or the request was refused by CORS).`,
      );
      err.name = "NetworkError";
      throw err;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// The identity's albums and photos

export interface BackendOptions {
  /** Album keys (tests pass a fixed sequence). */
  newKey?: () => string;
}

export class Backend {
  private readonly newKey: () => string;

  constructor(
    readonly config: WebappConfig,
    private readonly clients: Clients,
    /** The signed-in identity: the owner of every album, key and item this backend touches. */
    readonly identityId: string,
    opts: BackendOptions = {},
  ) {
    if (!isIdentityId(identityId)) throw new Error(`not a Cognito identity id: ${identityId}`);
    this.newKey = opts.newKey ?? (() => newAlbumKey());
  }

  /**
   * The identity's albums, newest first, one page at a time: the user index with
   * userID = identityId, and only albums whose albumID begins with "<identityId>/" (IAM cannot
   * check an item's userID attribute, so an album of someone else's could name this identity).
   */
  async listAlbums(startKey?: PageKey, limit = 20): Promise<Page<Album>> {
    const out = (await this.clients.doc.send(
      new QueryCommand({
        TableName: this.config.albumMetadataTable,
        IndexName: this.config.userAlbumsIndex,
        KeyConditionExpression: "userID = :u",
        ExpressionAttributeValues: { ":u": this.identityId },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    )) as { Items?: Album[]; LastEvaluatedKey?: Record<string, unknown> };
    const items = (out.Items ?? []).filter((a) => isOwnAlbumId(a.albumID, this.identityId) && typeof a.albumName === "string");
    return { items, nextKey: out.LastEvaluatedKey };
  }

  async getAlbum(albumID: string): Promise<Album | undefined> {
    if (!isOwnAlbumId(albumID, this.identityId)) throw new NotYoursError("This album");
    const out = (await this.clients.doc.send(
      new GetCommand({ TableName: this.config.albumMetadataTable, Key: { albumID } }),
    )) as { Item?: Album };
    return out.Item;
  }

  /** An album of this identity with exactly this name (every page of the user index). */
  async findAlbumNamed(albumName: string): Promise<Album | undefined> {
    const wanted = albumName.trim().normalize("NFC");
    let key: PageKey;
    do {
      const page = await this.listAlbums(key, 100);
      const hit = page.items.find((a) => a.albumName.trim().normalize("NFC") === wanted);
      if (hit) return hit;
      key = page.nextKey;
    } while (key);
    return undefined;
  }

  /**
   * Creates an album `{albumID: "<identityId>/<random key>", userID, albumName, creationTime}`
   * (exactly those four attributes, as the policy requires) with a conditional put that never
   * overwrites one. Names are any Unicode, kept as typed (trimmed); a name the user already has
   * is refused.
   */
  async createAlbum(albumName: string, now = Date.now()): Promise<Album> {
    const err = checkAlbumName(albumName);
    if (err) throw new Error(err);
    const name = albumName.trim();
    if (await this.findAlbumNamed(name)) throw new AlbumExistsError(name);
    for (let attempt = 0; attempt < 3; attempt++) {
      const album: Album = {
        albumID: albumIdFor(this.identityId, this.newKey()),
        userID: this.identityId,
        albumName: name,
        creationTime: now,
      };
      try {
        await this.clients.doc.send(
          new PutCommand({
            TableName: this.config.albumMetadataTable,
            Item: album,
            ConditionExpression: "attribute_not_exists(albumID)",
          }),
        );
        return album;
      } catch (e) {
        // 72 random bits: a taken key is all but impossible; draw another.
        if ((e as { name?: string })?.name !== "ConditionalCheckFailedException") throw e;
      }
    }
    throw new Error("Could not find a free album id; try again.");
  }

  /** The album's photos, newest upload first, one page at a time (the album index). */
  async listImages(albumID: string, startKey?: PageKey, limit = 50): Promise<Page<ImageItem>> {
    if (!isOwnAlbumId(albumID, this.identityId)) throw new NotYoursError("This album");
    const out = (await this.clients.doc.send(
      new QueryCommand({
        TableName: this.config.imageMetadataTable,
        IndexName: this.config.albumIndex,
        KeyConditionExpression: "albumID = :a",
        ExpressionAttributeValues: { ":a": albumID },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    )) as { Items?: ImageItem[]; LastEvaluatedKey?: Record<string, unknown> };
    // Only photos uploaded under this identity's own prefix.
    const items = (out.Items ?? []).filter((i) => typeof i.imageID === "string" && i.imageID.startsWith(`${this.identityId}/`));
    return { items, nextKey: out.LastEvaluatedKey };
  }

  async getImage(imageID: string): Promise<ImageItem | undefined> {
    if (!imageID.startsWith(`${this.identityId}/`)) throw new NotYoursError("This photo");
    const out = (await this.clients.doc.send(
      new GetCommand({ TableName: this.config.imageMetadataTable, Key: { imageID }, ConsistentRead: true }),
    )) as { Item?: ImageItem };
    return out.Item;
  }

  /**
   * Uploads one photo to `key` (under "<incoming><identityId>/") with one piece of user
   * metadata, `albumid` (ASCII: "<identityId>/<albumKey>"); reports progress 0..1.
   */
  async upload(file: Blob, key: string, albumID: string, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
    if (!isOwnKey(key, this.config.incomingPrefix, this.identityId)) throw new NotYoursError("This upload key");
    if (!isOwnAlbumId(albumID, this.identityId)) throw new NotYoursError("This album");
    const upload = new Upload({
      client: this.clients.s3Upload,
      params: {
        Bucket: this.config.bucket,
        Key: key,
        Body: file,
        ContentType: file.type || "application/octet-stream",
        Metadata: { albumid: albumID },
      },
      queueSize: 3,
      // One PUT up to 64 MiB (every camera photo): multipart needs POST in the bucket CORS rule.
      partSize: 64 * 1024 * 1024,
      leavePartsOnError: false,
      abortController: signal ? toAbortController(signal) : undefined,
    });
    upload.on("httpUploadProgress", (p) => {
      const total = p.total ?? file.size;
      if (total > 0 && typeof p.loaded === "number") onProgress(Math.min(1, p.loaded / total));
    });
    await upload.done();
    onProgress(1);
  }

  /**
   * A presigned GetObject URL for the item's thumbnail (thumbnail.s3Key, else its `thumbnail`
   * rendition's, under
   * "<thumbnails><identityId>/"), for an <img>: no preflight, no token in a header, valid until
   * the credentials that signed it expire (at most `expiresIn` seconds). Undefined without one.
   */
  async thumbnailUrl(item: ImageItem, expiresIn = 3600): Promise<string | undefined> {
    const key = thumbnailKey(item);
    if (!key) return undefined;
    if (!isOwnKey(key, this.config.thumbnailPrefix, this.identityId)) throw new NotYoursError("This thumbnail");
    const bucket = item.thumbnail?.s3Bucket;
    if (bucket && bucket !== this.config.bucket) throw new NotYoursError("This thumbnail's bucket");
    return getSignedUrl(this.clients.s3, new GetObjectCommand({ Bucket: this.config.bucket, Key: key }), { expiresIn });
  }

  /** A presigned URL of any rendition of the identity's own (under "<thumbnails><identityId>/"). */
  async renditionUrl(s3Key: string, expiresIn = 3600): Promise<string> {
    if (!isOwnKey(s3Key, this.config.thumbnailPrefix, this.identityId)) throw new NotYoursError("This rendition");
    return getSignedUrl(this.clients.s3, new GetObjectCommand({ Bucket: this.config.bucket, Key: s3Key }), { expiresIn });
  }

  private get objects(): Sender {
    return this.clients.objects ?? this.clients.s3;
  }

  /**
   * Deletes a photo: DeleteObject of its upload key (a delete marker on the versioned bucket).
   * The trigger then removes its item and thumbnail within seconds.
   */
  async deleteImage(imageID: string): Promise<void> {
    const key = `${this.config.incomingPrefix}${imageID}`;
    if (!isOwnKey(key, this.config.incomingPrefix, this.identityId)) throw new NotYoursError("This photo");
    await this.objects.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }));
  }

  /**
   * Deletes an album with its photos: every object under "<incoming><albumID>/" (ListObjectsV2,
   * every page), then the album item. Photos whose items outlive their objects for a moment are
   * removed by the trigger.
   */
  async deleteAlbum(albumID: string, onProgress?: (p: DeleteAlbumProgress) => void): Promise<number> {
    if (!isOwnAlbumId(albumID, this.identityId)) throw new NotYoursError("This album");
    const prefix = `${this.config.incomingPrefix}${albumID}/`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = (await this.objects.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix, ContinuationToken: token }),
      )) as { Contents?: { Key?: string }[]; IsTruncated?: boolean; NextContinuationToken?: string };
      for (const o of page.Contents ?? []) if (o.Key && o.Key.startsWith(prefix)) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    let deleted = 0;
    onProgress?.({ deleted, total: keys.length });
    for (const Key of keys) {
      await this.objects.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key }));
      onProgress?.({ deleted: ++deleted, total: keys.length });
    }
    await this.clients.doc.send(new DeleteCommand({ TableName: this.config.albumMetadataTable, Key: { albumID } }));
    return deleted;
  }

  /** Whether a failed processing can be retried here (the deployment names a reprocess function). */
  get canReprocess(): boolean {
    return !!this.config.reprocessFunction && !!this.clients.lambda;
  }

  /**
   * Retries the processing of the identity's own photos: Invoke of the reprocess function with
   * `{"imageIDs": [...]}`. The items then go PENDING/RUNNING with a new execution.
   */
  async reprocess(imageIDs: string[]): Promise<ReprocessAnswer> {
    const fn = this.config.reprocessFunction;
    if (!fn || !this.clients.lambda) throw new Error("This deployment has no reprocess function.");
    for (const id of imageIDs) if (!id.startsWith(`${this.identityId}/`)) throw new NotYoursError("This photo");
    const out = (await this.clients.lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: new TextEncoder().encode(JSON.stringify({ imageIDs })) }),
    )) as { Payload?: Uint8Array; FunctionError?: string };
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : "{}";
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new FunctionFailedError("InvalidResponse", `The reprocess function answered something that is not JSON: ${text.slice(0, 200)}`);
    }
    // A browser sees X-Amz-Function-Error only where CORS exposes it: an error body tells too.
    const errorBody = typeof body.errorType === "string" && !("started" in body);
    if (out.FunctionError || errorBody) {
      throw new FunctionFailedError(String(body.errorType ?? out.FunctionError), String(body.errorMessage ?? "The reprocess function failed."));
    }
    const list = (k: string) => (Array.isArray(body[k]) ? (body[k] as ReprocessAnswer["started"]) : []);
    return { started: list("started"), skipped: list("skipped"), refused: list("refused"), failed: list("failed") };
  }

  /** How many photos an album holds, and its cover (the newest processed photo not flagged). */
  async albumSummary(albumID: string): Promise<AlbumSummary> {
    let count = 0;
    let cover: ImageItem | undefined;
    let key: PageKey;
    do {
      const page = await this.listImages(albumID, key, 100);
      count += page.items.length;
      cover ??= page.items.find((i) => i.processingStatus === "SUCCEEDED" && thumbnailKey(i) && !isFlagged(i));
      key = page.nextKey;
    } while (key);
    return { count, cover };
  }

  /** Every photo of the album (every page of the album index), newest upload first. */
  async listAllImages(albumID: string, max = 1000): Promise<{ items: ImageItem[]; complete: boolean }> {
    const items: ImageItem[] = [];
    let key: PageKey;
    do {
      const page = await this.listImages(albumID, key, 100);
      items.push(...page.items);
      key = page.nextKey;
    } while (key && items.length < max);
    return { items, complete: !key };
  }
}

export interface DeleteAlbumProgress {
  deleted: number;
  total: number;
}

function toAbortController(signal: AbortSignal): AbortController {
  const c = new AbortController();
  if (signal.aborted) c.abort();
  else signal.addEventListener("abort", () => c.abort(), { once: true });
  return c;
}
