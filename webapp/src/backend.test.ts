import { InvokeCommand } from "@aws-sdk/client-lambda";
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlbumExistsError,
  Backend,
  createClients,
  identityCredentials,
  NotYoursError,
  sharedCredentials,
  type AwsCredentials,
  type Clients,
  type Sender,
} from "./backend";
import type { WebappConfig } from "./config";

const ME = "us-east-1:11111111-2222-3333-4444-555555555555";
const OTHER = "us-east-1:99999999-8888-7777-6666-555555555555";

const config: WebappConfig = {
  region: "us-east-1",
  userPoolId: "us-east-1_AbCdEf123",
  userPoolClientId: "client123",
  identityPoolId: "us-east-1:00000000-1111-2222-3333-444444444444",
  allowGuests: false,
  bucket: "photos",
  imageMetadataTable: "ImageMetadata",
  albumMetadataTable: "AlbumMetadata",
  albumIndex: "albumID-uploadTime-index",
  userAlbumsIndex: "userID-creationTime-index",
  incomingPrefix: "Incoming/",
  thumbnailPrefix: "Thumbnails/",
  endpoint: "http://127.0.0.1:4566",
};

function fake(reply: (cmd: unknown) => unknown) {
  const sent: unknown[] = [];
  const sender: Sender = {
    send: async (cmd) => {
      sent.push(cmd);
      const r = reply(cmd);
      if (r instanceof Error) throw r;
      return r;
    },
  };
  return { sender, sent };
}

const named = (name: string) => Object.assign(new Error(name), { name });

function backendWith(doc: Sender, extra: Partial<Clients> = {}, keys: string[] = []) {
  const clients: Clients = { doc, s3: new S3Client({ region: "us-east-1" }), s3Upload: new S3Client({ region: "us-east-1" }), ...extra };
  let i = 0;
  return new Backend(config, clients, ME, { newKey: () => keys[i++] ?? `key${String(i).padStart(9, "0")}` });
}

describe("albums", () => {
  it("query the user index with userID = identityId, newest first, paginated", async () => {
    const { sender, sent } = fake(() => ({
      Items: [{ albumID: `${ME}/AbCdEfGh1234`, userID: ME, albumName: "Ferien Zürich 2024", creationTime: 2 }],
      LastEvaluatedKey: { albumID: `${ME}/AbCdEfGh1234`, userID: ME, creationTime: 2 },
    }));
    const b = backendWith(sender);
    const page = await b.listAlbums();
    expect(page.items.map((a) => a.albumName)).toEqual(["Ferien Zürich 2024"]);
    await b.listAlbums(page.nextKey);
    const [first, second] = sent as QueryCommand[];
    expect(first).toBeInstanceOf(QueryCommand);
    expect(first.input).toMatchObject({
      TableName: "AlbumMetadata",
      IndexName: "userID-creationTime-index",
      KeyConditionExpression: "userID = :u",
      ExpressionAttributeValues: { ":u": ME },
      ScanIndexForward: false,
    });
    expect(first.input.ExclusiveStartKey).toBeUndefined();
    expect(second.input.ExclusiveStartKey).toEqual(page.nextKey);
  });

  it("show only albums whose albumID begins with the identity (a planted userID is ignored)", async () => {
    const { sender } = fake(() => ({
      Items: [
        { albumID: `${ME}/mine12345678`, userID: ME, albumName: "mine", creationTime: 3 },
        { albumID: `${OTHER}/planted12345`, userID: ME, albumName: "planted", creationTime: 2 },
        { albumID: "alice/Trip", userID: ME, albumName: "old layout", creationTime: 1 },
      ],
    }));
    expect((await backendWith(sender).listAlbums()).items.map((a) => a.albumName)).toEqual(["mine"]);
  });

  it("create an album: random ASCII key, the four attributes, conditional put", async () => {
    const { sender, sent } = fake((cmd) => (cmd instanceof QueryCommand ? { Items: [] } : {}));
    const a = await backendWith(sender, {}, ["AbCdEfGh12_-"]).createAlbum("  Ferien Zürich 2024 ", 1764000000000);
    expect(a).toEqual({ albumID: `${ME}/AbCdEfGh12_-`, userID: ME, albumName: "Ferien Zürich 2024", creationTime: 1764000000000 });
    const put = sent.find((c) => c instanceof PutCommand) as PutCommand;
    expect(put.input).toEqual({
      TableName: "AlbumMetadata",
      Item: a,
      ConditionExpression: "attribute_not_exists(albumID)",
    });
    expect(Object.keys(put.input.Item!).sort()).toEqual(["albumID", "albumName", "creationTime", "userID"]);
  });

  it("keep any Unicode name exactly as typed (no normalisation)", async () => {
    const { sender } = fake((cmd) => (cmd instanceof QueryCommand ? { Items: [] } : {}));
    const decomposed = "Ferien Zu\u0308rich 李雷 🌸";
    expect((await backendWith(sender).createAlbum(decomposed)).albumName).toBe(decomposed);
  });

  it("refuse a name the user already has (any page)", async () => {
    let page = 0;
    const { sender, sent } = fake((cmd) => {
      if (!(cmd instanceof QueryCommand)) return {};
      page++;
      return page === 1
        ? { Items: [{ albumID: `${ME}/aaaaaaaaaaaa`, userID: ME, albumName: "Other", creationTime: 1 }], LastEvaluatedKey: { k: 1 } }
        : { Items: [{ albumID: `${ME}/bbbbbbbbbbbb`, userID: ME, albumName: "Ferien Zürich 2024", creationTime: 0 }] };
    });
    await expect(backendWith(sender).createAlbum("Ferien Zu\u0308rich 2024")).rejects.toBeInstanceOf(AlbumExistsError);
    expect(sent.some((c) => c instanceof PutCommand)).toBe(false);
  });

  it("draw another key if one is taken", async () => {
    let puts = 0;
    const { sender } = fake((cmd) => {
      if (cmd instanceof QueryCommand) return { Items: [] };
      return ++puts === 1 ? named("ConditionalCheckFailedException") : {};
    });
    const a = await backendWith(sender, {}, ["taken1234567", "free12345678"]).createAlbum("Trip");
    expect(a.albumID).toBe(`${ME}/free12345678`);
  });

  it("pass other errors through", async () => {
    const { sender } = fake(() => new TypeError("Failed to fetch"));
    await expect(backendWith(sender).createAlbum("Trip")).rejects.toThrow("Failed to fetch");
    await expect(backendWith(sender).createAlbum("  ")).rejects.toThrow(/Enter an album name/);
  });

  it("read only the identity's own albums", async () => {
    const { sender, sent } = fake(() => ({ Item: { albumID: `${ME}/AbCdEfGh1234` } }));
    await backendWith(sender).getAlbum(`${ME}/AbCdEfGh1234`);
    expect((sent[0] as GetCommand).input).toEqual({ TableName: "AlbumMetadata", Key: { albumID: `${ME}/AbCdEfGh1234` } });
    await expect(backendWith(sender).getAlbum(`${OTHER}/AbCdEfGh1234`)).rejects.toBeInstanceOf(NotYoursError);
    expect(sent).toHaveLength(1);
  });
});

describe("images", () => {
  it("query an album's images on the album index, newest first; only the identity's own", async () => {
    const { sender, sent } = fake(() => ({
      Items: [{ imageID: `${ME}/AbCdEfGh1234/x-a.jpg` }, { imageID: `${OTHER}/zzz/x-b.jpg` }],
    }));
    const page = await backendWith(sender).listImages(`${ME}/AbCdEfGh1234`);
    expect(page).toEqual({ items: [{ imageID: `${ME}/AbCdEfGh1234/x-a.jpg` }], nextKey: undefined });
    expect((sent[0] as QueryCommand).input).toMatchObject({
      TableName: "ImageMetadata",
      IndexName: "albumID-uploadTime-index",
      KeyConditionExpression: "albumID = :a",
      ExpressionAttributeValues: { ":a": `${ME}/AbCdEfGh1234` },
      ScanIndexForward: false,
    });
    await expect(backendWith(sender).listImages(`${OTHER}/AbCdEfGh1234`)).rejects.toBeInstanceOf(NotYoursError);
  });

  it("read one image consistently, by imageID = key without Incoming/", async () => {
    const { sender, sent } = fake(() => ({}));
    expect(await backendWith(sender).getImage(`${ME}/k/b.jpg`)).toBeUndefined();
    expect((sent[0] as GetCommand).input).toEqual({ TableName: "ImageMetadata", Key: { imageID: `${ME}/k/b.jpg` }, ConsistentRead: true });
    await expect(backendWith(sender).getImage(`${OTHER}/k/b.jpg`)).rejects.toBeInstanceOf(NotYoursError);
  });

  it("sign thumbnail GetObject URLs, only under Thumbnails/<identityId>/", async () => {
    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:4566",
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret", sessionToken: "tok" },
    });
    const b = backendWith(fake(() => ({})).sender, { s3 });
    const url = await b.thumbnailUrl({ imageID: "i", thumbnail: { s3Bucket: "photos", s3Key: `Thumbnails/${ME}/k/x-a b ü.png` } });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:4566\/photos\/Thumbnails\/us-east-1%3A11111111-2222-3333-4444-555555555555\/k\/x-a%20b%20%C3%BC\.png\?/);
    expect(url).toContain("X-Amz-Signature=");
    expect(url).toContain("X-Amz-Security-Token=tok");
    expect(url).toContain("X-Amz-Expires=3600");
    expect(await b.thumbnailUrl({ imageID: "i" })).toBeUndefined();
    await expect(
      b.thumbnailUrl({ imageID: "i", thumbnail: { s3Bucket: "photos", s3Key: `Thumbnails/${OTHER}/k/x.png` } }),
    ).rejects.toBeInstanceOf(NotYoursError);
    await expect(
      b.thumbnailUrl({ imageID: "i", thumbnail: { s3Bucket: "elsewhere", s3Key: `Thumbnails/${ME}/k/x.png` } }),
    ).rejects.toBeInstanceOf(NotYoursError);
    await expect(
      b.thumbnailUrl({ imageID: "i", thumbnail: { s3Bucket: "photos", s3Key: `Incoming/${ME}/k/x.png` } }),
    ).rejects.toBeInstanceOf(NotYoursError);
  });

  it("signs the thumbnail rendition when the item has no thumbnail attribute, and any own rendition", async () => {
    const s3 = new S3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:4566", forcePathStyle: true, credentials: { accessKeyId: "A", secretAccessKey: "s" } });
    const b = backendWith(fake(() => ({})).sender, { s3 });
    const renditions = [
      { name: "preview", s3Key: `Thumbnails/${ME}/preview/k/x.webp`, width: 1280, height: 960 },
      { name: "thumbnail", s3Key: `Thumbnails/${ME}/thumbnail/k/x.jpg`, width: 250, height: 188 },
    ];
    expect(await b.thumbnailUrl({ imageID: "i", renditions })).toContain(`/thumbnail/k/x.jpg?`);
    expect(await b.renditionUrl(renditions[0].s3Key)).toContain(`/preview/k/x.webp?`);
    await expect(b.thumbnailUrl({ imageID: "i", renditions: [{ name: "thumbnail", s3Key: `Thumbnails/${OTHER}/thumbnail/k/x.jpg` }] })).rejects.toBeInstanceOf(NotYoursError);
    await expect(b.renditionUrl(`Thumbnails/${OTHER}/preview/k/x.webp`)).rejects.toBeInstanceOf(NotYoursError);
  });
});

describe("uploads", () => {
  function capturingS3() {
    type HttpRequest = { method: string; path: string; headers: Record<string, string> };
    const requests: HttpRequest[] = [];
    const s3Upload = new S3Client({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:4566",
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
      requestChecksumCalculation: "WHEN_REQUIRED",
      requestHandler: {
        handle: async (req: HttpRequest) => {
          requests.push(req);
          return { response: { statusCode: 200, headers: { etag: '"abc"' }, body: new Uint8Array() } };
        },
      },
    });
    return { s3Upload, requests };
  }

  it("PUT under Incoming/<identityId>/<albumKey>/ with only albumid as user metadata", async () => {
    const { s3Upload, requests } = capturingS3();
    const b = backendWith(fake(() => ({})).sender, { s3Upload });
    const key = `Incoming/${ME}/AbCdEfGh1234/0f8fad5b-d9cb-469f-a165-70867728950e-Strand ü 🌸.jpg`;
    const progress: number[] = [];
    await b.upload(new Blob([new Uint8Array(10)], { type: "image/jpeg" }), key, `${ME}/AbCdEfGh1234`, (f) => progress.push(f));
    expect(requests).toHaveLength(1);
    const req = requests[0];
    expect(req.method).toBe("PUT");
    expect(decodeURIComponent(req.path)).toBe(`/photos/${key}`);
    const meta = Object.entries(req.headers).filter(([k]) => k.toLowerCase().startsWith("x-amz-meta-"));
    expect(meta).toEqual([["x-amz-meta-albumid", `${ME}/AbCdEfGh1234`]]);
    expect(req.headers["content-type"]).toBe("image/jpeg");
    expect(progress[progress.length - 1]).toBe(1);
  });

  it("refuse keys and albums of another identity", async () => {
    const { s3Upload, requests } = capturingS3();
    const b = backendWith(fake(() => ({})).sender, { s3Upload });
    const blob = new Blob(["x"]);
    await expect(b.upload(blob, `Incoming/${OTHER}/AbCdEfGh1234/x.jpg`, `${ME}/AbCdEfGh1234`, () => undefined)).rejects.toBeInstanceOf(
      NotYoursError,
    );
    await expect(b.upload(blob, `Incoming/${ME}/AbCdEfGh1234/x.jpg`, `${OTHER}/AbCdEfGh1234`, () => undefined)).rejects.toBeInstanceOf(
      NotYoursError,
    );
    await expect(b.upload(blob, `Thumbnails/${ME}/AbCdEfGh1234/x.jpg`, `${ME}/AbCdEfGh1234`, () => undefined)).rejects.toBeInstanceOf(
      NotYoursError,
    );
    expect(requests).toHaveLength(0);
  });
});

describe("credentials", () => {
  const creds = (identityId: string, expiresInMs: number, now: number, n = 1): AwsCredentials => ({
    accessKeyId: `AKID${n}`,
    secretAccessKey: "s",
    sessionToken: "t",
    expiration: new Date(now + expiresInMs),
    identityId,
  });

  it("are fetched once for every client and reused until 5 minutes before they expire", async () => {
    let now = 0;
    let calls = 0;
    const shared = sharedCredentials(async () => creds(ME, 3600_000, now, ++calls), () => now);
    const [a, b] = await Promise.all([shared.provider(), shared.provider()]);
    expect(a).toBe(b);
    expect(await shared.identityId()).toBe(ME);
    now = 3600_000 - 5 * 60_000 - 1;
    await shared.provider();
    expect(calls).toBe(1);
    now += 1;
    expect((await shared.provider()).accessKeyId).toBe("AKID2");
  });

  it("retry after a failure, and refuse a different identity mid-session", async () => {
    let n = 0;
    const shared = sharedCredentials(async () => {
      n++;
      if (n === 1) throw new TypeError("Failed to fetch");
      return creds(n === 2 ? ME : OTHER, n === 2 ? 0 : 3600_000, 0, n);
    }, () => 0);
    await expect(shared.provider()).rejects.toThrow("Failed to fetch");
    expect((await shared.provider()).identityId).toBe(ME);
    await expect(shared.provider()).rejects.toThrow(/another identity/);
  });

  it("refuse an identity id that is not one", async () => {
    const shared = sharedCredentials(async () => creds("us-east-1:../x", 3600_000, 0));
    await expect(shared.provider()).rejects.toThrow(/unexpected identity id/);
  });
});

describe("identity pool calls (against a fake Cognito Identity endpoint)", () => {
  let server: Server;
  let endpoint: string;
  const calls: { target: string; body: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let text = "";
      req.on("data", (c) => (text += c));
      req.on("end", () => {
        const target = String(req.headers["x-amz-target"] ?? "");
        const body = JSON.parse(text || "{}") as Record<string, unknown>;
        calls.push({ target, body });
        res.setHeader("content-type", "application/x-amz-json-1.1");
        const logins = body.Logins as Record<string, string> | undefined;
        const id = logins ? ME : OTHER;
        if (target.endsWith("GetId")) return res.end(JSON.stringify({ IdentityId: id }));
        return res.end(
          JSON.stringify({
            IdentityId: body.IdentityId,
            Credentials: { AccessKeyId: "ASIA1", SecretKey: "sk", SessionToken: "st", Expiration: Date.now() / 1000 + 3600 },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("users: logins keyed cognito-idp.<region>.amazonaws.com/<userPoolId> with the current ID token", async () => {
    calls.length = 0;
    let token = "id-token-1";
    const c = identityCredentials({ ...config, endpoint }, { kind: "user", sub: "sub-1", idToken: async () => token });
    expect(await c.identityId()).toBe(ME);
    const provider = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123";
    expect(calls.map((x) => x.target)).toEqual(["AWSCognitoIdentityService.GetId", "AWSCognitoIdentityService.GetCredentialsForIdentity"]);
    expect(calls[0].body).toEqual({ IdentityPoolId: config.identityPoolId, Logins: { [provider]: "id-token-1" } });
    expect(calls[1].body).toEqual({ IdentityId: ME, Logins: { [provider]: "id-token-1" } });
    const got = await c.provider();
    expect(got).toMatchObject({ accessKeyId: "ASIA1", secretAccessKey: "sk", sessionToken: "st", identityId: ME });
    expect(calls).toHaveLength(2);
    token = "id-token-2";
  });

  it("guests: no logins, the identity id kept in the given store", async () => {
    calls.length = 0;
    const data = new Map<string, string>();
    const store = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) };
    const c = identityCredentials({ ...config, endpoint }, { kind: "guest", store, storeKey: "guest-id" });
    expect(await c.identityId()).toBe(OTHER);
    expect(calls[0].body).toEqual({ IdentityPoolId: config.identityPoolId });
    await new Promise((r) => setTimeout(r, 0));
    expect(data.get("guest-id")).toBe(OTHER);
    // A reload: the stored id is used, no GetId.
    calls.length = 0;
    const again = identityCredentials({ ...config, endpoint }, { kind: "guest", store, storeKey: "guest-id" });
    expect(await again.identityId()).toBe(OTHER);
    expect(calls.map((x) => x.target)).toEqual(["AWSCognitoIdentityService.GetCredentialsForIdentity"]);
  });
});

describe("clients", () => {
  const credentials = async () => ({ accessKeyId: "a", secretAccessKey: "b", identityId: ME });

  it("point every client at the emulator, S3 path-style", async () => {
    const c = createClients(config, credentials);
    for (const s3 of [c.s3, c.s3Upload]) {
      const ep = await s3.config.endpoint?.();
      expect(`${ep?.hostname}:${ep?.port}`).toBe("127.0.0.1:4566");
      expect(s3.config.forcePathStyle).toBe(true);
      expect(await s3.config.region()).toBe("us-east-1");
    }
    const ddb = (c.doc as unknown as { config: S3Client["config"] }).config;
    const ep = await ddb.endpoint?.();
    expect(`${ep?.hostname}:${ep?.port}`).toBe("127.0.0.1:4566");
  });

  it("use virtual-hosted S3 against AWS", () => {
    const c = createClients({ ...config, endpoint: null }, credentials);
    expect(c.s3.config.forcePathStyle).toBe(false);
  });

  it("refuse a backend for something that is not an identity id", () => {
    expect(() => new Backend(config, { doc: fake(() => ({})).sender, s3: new S3Client({}), s3Upload: new S3Client({}) }, "alice")).toThrow(
      /identity id/,
    );
  });
});

describe("deleting and retrying", () => {
  const cfg = { ...config, reprocessFunction: "arn:aws:lambda:us-east-1:123456789012:function:reprocess" };
  const make = (objects: Sender, doc: Sender, lambda?: Sender) =>
    new Backend(cfg, { doc, s3: new S3Client({ region: "us-east-1" }), s3Upload: new S3Client({ region: "us-east-1" }), objects, lambda }, ME);

  it("deletes a photo by its upload key, and never another identity's", async () => {
    const s3 = fake(() => ({}));
    const b = make(s3.sender, fake(() => ({})).sender);
    await b.deleteImage(`${ME}/AbCdEfGh1234/x-ü.jpg`);
    expect((s3.sent[0] as DeleteObjectCommand).input).toEqual({ Bucket: "photos", Key: `Incoming/${ME}/AbCdEfGh1234/x-ü.jpg` });
    await expect(b.deleteImage(`${OTHER}/AbCdEfGh1234/x.jpg`)).rejects.toBeInstanceOf(NotYoursError);
    expect(s3.sent).toHaveLength(1);
  });

  it("deletes an album: every page of its objects, each object, then the album item", async () => {
    const prefix = `Incoming/${ME}/AbCdEfGh1234/`;
    const s3 = fake((cmd) =>
      cmd instanceof ListObjectsV2Command
        ? cmd.input.ContinuationToken
          ? { Contents: [{ Key: `${prefix}c.jpg` }], IsTruncated: false }
          : { Contents: [{ Key: `${prefix}a.jpg` }, { Key: `${prefix}b.jpg` }], IsTruncated: true, NextContinuationToken: "t2" }
        : {},
    );
    const doc = fake(() => ({}));
    const progress: string[] = [];
    const n = await make(s3.sender, doc.sender).deleteAlbum(`${ME}/AbCdEfGh1234`, (p) => progress.push(`${p.deleted}/${p.total}`));
    expect(n).toBe(3);
    expect((s3.sent[0] as ListObjectsV2Command).input.Prefix).toBe(prefix);
    expect(s3.sent.filter((c) => c instanceof DeleteObjectCommand).map((c) => (c as DeleteObjectCommand).input.Key)).toEqual([
      `${prefix}a.jpg`,
      `${prefix}b.jpg`,
      `${prefix}c.jpg`,
    ]);
    expect((doc.sent[0] as DeleteCommand).input).toEqual({ TableName: "AlbumMetadata", Key: { albumID: `${ME}/AbCdEfGh1234` } });
    expect(progress).toEqual(["0/3", "1/3", "2/3", "3/3"]);
    await expect(make(s3.sender, doc.sender).deleteAlbum(`${OTHER}/AbCdEfGh1234`)).rejects.toBeInstanceOf(NotYoursError);
  });

  it("retries processing with one Invoke of the reprocess function and reads its answer", async () => {
    const answer = { started: [{ s3Key: "k", imageID: `${ME}/a/x.jpg`, executionArn: "arn" }], skipped: [], refused: [], failed: [] };
    const lambda = fake(() => ({ Payload: new TextEncoder().encode(JSON.stringify(answer)) }));
    const b = make(fake(() => ({})).sender, fake(() => ({})).sender, lambda.sender);
    expect(b.canReprocess).toBe(true);
    expect(await b.reprocess([`${ME}/a/x.jpg`])).toEqual(answer);
    const input = (lambda.sent[0] as InvokeCommand).input;
    expect(input.FunctionName).toBe(cfg.reprocessFunction);
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ imageIDs: [`${ME}/a/x.jpg`] });
    await expect(b.reprocess([`${OTHER}/a/x.jpg`])).rejects.toBeInstanceOf(NotYoursError);
  });

  it("a function error comes back by its name; no function, no retry", async () => {
    const lambda = fake(() => ({
      FunctionError: "Unhandled",
      Payload: new TextEncoder().encode(JSON.stringify({ errorType: "ReprocessNotAllowed", errorMessage: "not yours" })),
    }));
    const b = make(fake(() => ({})).sender, fake(() => ({})).sender, lambda.sender);
    await expect(b.reprocess([`${ME}/a/x.jpg`])).rejects.toMatchObject({ name: "ReprocessNotAllowed", message: "not yours" });
    // Without the header (CORS did not expose it), the error body alone says so.
    const bodyOnly = fake(() => ({ Payload: new TextEncoder().encode(JSON.stringify({ errorType: "ReprocessNotAllowed", errorMessage: "not yours" })) }));
    const b2 = make(fake(() => ({})).sender, fake(() => ({})).sender, bodyOnly.sender);
    await expect(b2.reprocess([`${ME}/a/x.jpg`])).rejects.toMatchObject({ name: "ReprocessNotAllowed" });
    const none = new Backend(config, { doc: fake(() => ({})).sender, s3: new S3Client({ region: "us-east-1" }), s3Upload: new S3Client({ region: "us-east-1" }) }, ME);
    expect(none.canReprocess).toBe(false);
  });

  it("an album's count and cover: every page, the newest processed photo with a thumbnail", async () => {
    const doc = fake((cmd) =>
      (cmd as QueryCommand).input.ExclusiveStartKey
        ? { Items: [{ imageID: `${ME}/a/3`, processingStatus: "SUCCEEDED", thumbnail: { s3Bucket: "photos", s3Key: `Thumbnails/${ME}/a/3` } }] }
        : { Items: [{ imageID: `${ME}/a/1`, processingStatus: "RUNNING" }, { imageID: `${ME}/a/2`, processingStatus: "FAILED" }], LastEvaluatedKey: { k: 1 } },
    );
    const sum = await backendWith(doc.sender).albumSummary(`${ME}/AbCdEfGh1234`);
    expect(sum.count).toBe(3);
    expect(sum.cover?.imageID).toBe(`${ME}/a/3`);
  });

  it("an album's cover is never a photo moderation flagged", async () => {
    const thumb = (id: string) => ({ s3Bucket: "photos", s3Key: `Thumbnails/${ME}/thumbnail/${id}` });
    const doc = fake(() => ({
      Items: [
        { imageID: `${ME}/a/2`, processingStatus: "SUCCEEDED", thumbnail: thumb("a/2"), moderationLabels: [{ name: "Violence", confidence: 91 }] },
        { imageID: `${ME}/a/1`, processingStatus: "SUCCEEDED", thumbnail: thumb("a/1") },
      ],
    }));
    expect((await backendWith(doc.sender).albumSummary(`${ME}/AbCdEfGh1234`)).cover?.imageID).toBe(`${ME}/a/1`);
  });
});
