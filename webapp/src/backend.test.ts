import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { AlbumExistsError, Backend, createClients, headerSafe, type Sender } from "./backend";
import type { WebappConfig } from "./config";

const config: WebappConfig = {
  region: "us-east-1",
  identityPoolId: "us-east-1:11111111-2222-3333-4444-555555555555",
  bucket: "photos",
  imageMetadataTable: "ImageMetadata",
  albumMetadataTable: "AlbumMetadata",
  albumIndex: "albumID-uploadTime-index",
  userAlbumsIndex: "userID-creationTime-index",
  describeExecutionFunction: "describe-execution",
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

function backendWith(doc: Sender, lambda: Sender = doc) {
  return new Backend(config, { doc, lambda, s3: new S3Client({ region: "us-east-1" }) });
}

describe("albums", () => {
  it("queries the user's albums newest first, paginated", async () => {
    const { sender, sent } = fake(() => ({
      Items: [{ albumID: "alice/b", userID: "alice", albumName: "b", creationTime: 2 }],
      LastEvaluatedKey: { albumID: "alice/b", userID: "alice", creationTime: 2 },
    }));
    const b = backendWith(sender);
    const page = await b.listAlbums("alice");
    expect(page.items).toHaveLength(1);
    expect(page.nextKey).toEqual({ albumID: "alice/b", userID: "alice", creationTime: 2 });
    await b.listAlbums("alice", page.nextKey);
    const [first, second] = sent as QueryCommand[];
    expect(first).toBeInstanceOf(QueryCommand);
    expect(first.input).toMatchObject({
      TableName: "AlbumMetadata",
      IndexName: "userID-creationTime-index",
      KeyConditionExpression: "userID = :u",
      ExpressionAttributeValues: { ":u": "alice" },
      ScanIndexForward: false,
    });
    expect(first.input.ExclusiveStartKey).toBeUndefined();
    expect(second.input.ExclusiveStartKey).toEqual(page.nextKey);
  });

  it("creates an album with a conditional put", async () => {
    const { sender, sent } = fake(() => ({}));
    const a = await backendWith(sender).createAlbum(" alice ", " Trip ", 1764000000000);
    expect(a).toEqual({ albumID: "alice/Trip", userID: "alice", albumName: "Trip", creationTime: 1764000000000 });
    const put = sent[0] as PutCommand;
    expect(put).toBeInstanceOf(PutCommand);
    expect(put.input).toEqual({
      TableName: "AlbumMetadata",
      Item: a,
      ConditionExpression: "attribute_not_exists(albumID)",
    });
  });

  it("says so when the album exists", async () => {
    const err = Object.assign(new Error("The conditional request failed"), { name: "ConditionalCheckFailedException" });
    const { sender } = fake(() => err);
    await expect(backendWith(sender).createAlbum("alice", "Trip")).rejects.toBeInstanceOf(AlbumExistsError);
  });

  it("passes other errors through", async () => {
    const { sender } = fake(() => new TypeError("Failed to fetch"));
    await expect(backendWith(sender).createAlbum("alice", "Trip")).rejects.toThrow("Failed to fetch");
  });
});

describe("images", () => {
  it("queries an album's images on albumID-uploadTime-index, newest first", async () => {
    const { sender, sent } = fake(() => ({ Items: [{ imageID: "i" }] }));
    const page = await backendWith(sender).listImages("alice/Trip");
    expect(page).toEqual({ items: [{ imageID: "i" }], nextKey: undefined });
    expect((sent[0] as QueryCommand).input).toMatchObject({
      TableName: "ImageMetadata",
      IndexName: "albumID-uploadTime-index",
      KeyConditionExpression: "albumID = :a",
      ExpressionAttributeValues: { ":a": "alice/Trip" },
      ScanIndexForward: false,
    });
  });

  it("reads one image consistently", async () => {
    const { sender, sent } = fake(() => ({}));
    expect(await backendWith(sender).getImage("a/b.jpg")).toBeUndefined();
    const get = sent[0] as GetCommand;
    expect(get.input).toEqual({ TableName: "ImageMetadata", Key: { imageID: "a/b.jpg" }, ConsistentRead: true });
  });
});

describe("describeExecution", () => {
  const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

  it("invokes the function with {executionArn}", async () => {
    const out = { executionArn: "arn:x", status: "FAILED", error: "ImageTooLarge", cause: "big" };
    const { sender, sent } = fake(() => ({ Payload: enc(out) }));
    expect(await backendWith(sender).describeExecution("arn:x")).toEqual(out);
    const inv = sent[0] as InvokeCommand;
    expect(inv).toBeInstanceOf(InvokeCommand);
    expect(inv.input.FunctionName).toBe("describe-execution");
    expect(JSON.parse(new TextDecoder().decode(inv.input.Payload as Uint8Array))).toEqual({ executionArn: "arn:x" });
  });

  it("turns a function error into an exception", async () => {
    const { sender } = fake(() => ({
      FunctionError: "Unhandled",
      Payload: enc({ errorType: "ExecutionNotAllowed", errorMessage: "not ours" }),
    }));
    await expect(backendWith(sender).describeExecution("arn:x")).rejects.toMatchObject({
      name: "ExecutionNotAllowed",
      message: "not ours",
    });
  });

  it("rejects answers without a status", async () => {
    const { sender } = fake(() => ({ Payload: enc({}) }));
    await expect(backendWith(sender).describeExecution("arn:x")).rejects.toThrow(/no status/);
  });
});

describe("clients", () => {
  it("point every client at the emulator, S3 path-style", async () => {
    const c = createClients(config);
    const s3Endpoint = await c.s3.config.endpoint?.();
    expect(s3Endpoint?.hostname).toBe("127.0.0.1");
    expect(s3Endpoint?.port).toBe(4566);
    expect(c.s3.config.forcePathStyle).toBe(true);
    expect(await c.s3.config.region()).toBe("us-east-1");
  });

  it("use virtual-hosted S3 against AWS", () => {
    const c = createClients({ ...config, endpoint: null });
    expect(c.s3.config.forcePathStyle).toBe(false);
  });

  it("presign thumbnail GETs for the item's thumbnail key", async () => {
    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:4566",
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    });
    const b = new Backend(config, { doc: fake(() => ({})).sender, lambda: fake(() => ({})).sender, s3 });
    const url = await b.thumbnailUrl({ imageID: "i", thumbnail: { s3Bucket: "photos", s3Key: "Thumbnails/a b.jpg" } });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:4566\/photos\/Thumbnails\/a%20b\.jpg\?/);
    expect(url).toContain("X-Amz-Signature=");
    expect(url).toContain("X-Amz-Expires=3600");
    expect(await b.thumbnailUrl({ imageID: "i" })).toBeUndefined();
  });

  it("keep user metadata header-safe", () => {
    expect(headerSafe("alice/Trip 2026")).toBe("alice/Trip 2026");
    expect(headerSafe("zoë/Été")).toBe("zo%C3%AB%2F%C3%89t%C3%A9");
  });
});
