// Every AWS call the app makes, behind one small class so the UI and the tests can use fakes.

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-provider-cognito-identity";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { XhrHttpHandler } from "@aws-sdk/xhr-http-handler";

import type { WebappConfig } from "./config";
import { albumIdFor } from "./keys";
import type { ExecutionInfo, ImageItem } from "./status";

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

/** The subset of the document client used here (`send`), so tests can pass a fake. */
export interface Sender {
  send(command: unknown): Promise<unknown>;
}

export interface Clients {
  doc: Sender;
  lambda: Sender;
  s3: S3Client;
}

/** Clients that take credentials from the identity pool (unauthenticated identities). */
export function createClients(config: WebappConfig): Clients {
  const endpoint = config.endpoint ?? undefined;
  const region = config.region;
  const credentials = fromCognitoIdentityPool({
    // The provider builds its own Cognito Identity client (the SDK's nested client) from this.
    clientConfig: { region, endpoint },
    // The identity ID lives for this page only: a restarted emulator forgets identities, and a
    // stale cached ID would break every call until the browser's storage is cleared.
    cache: memoryCache(),
    identityPoolId: config.identityPoolId,
  });
  const common = { region, endpoint, credentials };
  const ddb = new DynamoDBClient(common);
  const doc = DynamoDBDocumentClient.from(ddb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const s3 = new S3Client({
    ...common,
    forcePathStyle: config.endpoint !== null,
    // XHR reports upload progress for every request, not only per multipart part.
    requestHandler: new CheckedXhrHttpHandler({}),
    // No flexible checksums unless required: keeps browser uploads simple and emulator-friendly.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const lambda = new LambdaClient(common);
  return { doc, lambda, s3 };
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

export class Backend {
  constructor(
    readonly config: WebappConfig,
    private readonly clients: Clients,
  ) {}

  /** The user's albums, newest first, one page at a time. */
  async listAlbums(userID: string, startKey?: PageKey, limit = 20): Promise<Page<Album>> {
    const out = (await this.clients.doc.send(
      new QueryCommand({
        TableName: this.config.albumMetadataTable,
        IndexName: this.config.userAlbumsIndex,
        KeyConditionExpression: "userID = :u",
        ExpressionAttributeValues: { ":u": userID },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    )) as { Items?: Album[]; LastEvaluatedKey?: Record<string, unknown> };
    return { items: out.Items ?? [], nextKey: out.LastEvaluatedKey };
  }

  async getAlbum(albumID: string): Promise<Album | undefined> {
    const out = (await this.clients.doc.send(
      new GetCommand({ TableName: this.config.albumMetadataTable, Key: { albumID } }),
    )) as { Item?: Album };
    return out.Item;
  }

  /** Creates an album; never overwrites one (conditional put). */
  async createAlbum(userID: string, albumName: string, now = Date.now()): Promise<Album> {
    const album: Album = {
      albumID: albumIdFor(userID, albumName),
      userID: userID.trim(),
      albumName: albumName.trim(),
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
    } catch (err) {
      if ((err as { name?: string })?.name === "ConditionalCheckFailedException") {
        throw new AlbumExistsError(album.albumName);
      }
      throw err;
    }
    return album;
  }

  /** The album's photos, newest upload first, one page at a time. */
  async listImages(albumID: string, startKey?: PageKey, limit = 50): Promise<Page<ImageItem>> {
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
    return { items: out.Items ?? [], nextKey: out.LastEvaluatedKey };
  }

  async getImage(imageID: string): Promise<ImageItem | undefined> {
    const out = (await this.clients.doc.send(
      new GetCommand({ TableName: this.config.imageMetadataTable, Key: { imageID }, ConsistentRead: true }),
    )) as { Item?: ImageItem };
    return out.Item;
  }

  /** Invokes the describe_execution function: {executionArn} -> {executionArn, status, ...}. */
  async describeExecution(executionArn: string): Promise<ExecutionInfo> {
    const out = (await this.clients.lambda.send(
      new InvokeCommand({
        FunctionName: this.config.describeExecutionFunction,
        Payload: new TextEncoder().encode(JSON.stringify({ executionArn })),
      }),
    )) as { Payload?: Uint8Array; FunctionError?: string };
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : "";
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new Error(`describe_execution returned something that is not JSON: ${text.slice(0, 200)}`);
    }
    if (out.FunctionError) {
      const err = new Error(String(body.errorMessage ?? out.FunctionError));
      err.name = String(body.errorType ?? "DescribeExecutionError");
      throw err;
    }
    if (typeof body.status !== "string") throw new Error("describe_execution returned no status");
    return body as unknown as ExecutionInfo;
  }

  /** Uploads one photo with user metadata userid/albumid; reports progress 0..1. */
  async upload(
    file: Blob,
    key: string,
    meta: { userID: string; albumID: string },
    onProgress: (fraction: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const upload = new Upload({
      client: this.clients.s3,
      params: {
        Bucket: this.config.bucket,
        Key: key,
        Body: file,
        ContentType: file.type || "application/octet-stream",
        // S3 user metadata travels as x-amz-meta-* headers: ASCII only. Non-ASCII names are
        // percent-encoded; the album's own record keeps the readable name.
        Metadata: { userid: headerSafe(meta.userID), albumid: headerSafe(meta.albumID) },
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

  /** A presigned GET for a thumbnail (valid one hour). */
  async thumbnailUrl(item: ImageItem, expiresIn = 3600): Promise<string | undefined> {
    if (!item.thumbnail?.s3Key) return undefined;
    return getSignedUrl(
      this.clients.s3,
      new GetObjectCommand({ Bucket: item.thumbnail.s3Bucket || this.config.bucket, Key: item.thumbnail.s3Key }),
      { expiresIn },
    );
  }
}

function memoryCache() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

/** Header values must be printable ASCII: percent-encode anything else. */
export function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

function toAbortController(signal: AbortSignal): AbortController {
  const c = new AbortController();
  if (signal.aborted) c.abort();
  else signal.addEventListener("abort", () => c.abort(), { once: true });
  return c;
}
