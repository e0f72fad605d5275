import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, userPoolProviderName, validateConfig } from "./config";

const good = {
  region: "us-east-1",
  userPoolId: "us-east-1_AbCdEf123",
  userPoolClientId: "3n4b5urk1ft4fl3mg5e62d9ado",
  identityPoolId: "us-east-1:11111111-2222-3333-4444-555555555555",
  allowGuests: false,
  bucket: "photos",
  imageMetadataTable: "ImageMetadata",
  albumMetadataTable: "AlbumMetadata",
  albumIndex: "albumID-uploadTime-index",
  userAlbumsIndex: "userID-creationTime-index",
  incomingPrefix: "Incoming/",
  thumbnailPrefix: "Thumbnails/",
  reprocessFunction: "arn:aws:lambda:us-east-1:123456789012:function:image-pipeline-local-reprocess",
  endpoint: null,
};

function response(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "application/json" } });
}

describe("validateConfig", () => {
  it("takes the reprocess function when there is one, null otherwise, and refuses what is no function ARN", () => {
    const { reprocessFunction: _, ...without } = good;
    expect(validateConfig(without).reprocessFunction).toBeNull();
    expect(validateConfig({ ...good, reprocessFunction: null }).reprocessFunction).toBeNull();
    expect(() => validateConfig({ ...good, reprocessFunction: "reprocess" })).toThrow(/reprocessFunction/);
  });

  it("accepts the module's webapp_config as it is", () => {
    expect(validateConfig(good)).toEqual(good);
  });

  it("fills defaults for index names, prefixes and allowGuests", () => {
    const { albumIndex, userAlbumsIndex, incomingPrefix, thumbnailPrefix, allowGuests, ...rest } = good;
    void albumIndex, userAlbumsIndex, incomingPrefix, thumbnailPrefix, allowGuests;
    const c = validateConfig(rest);
    expect(c.albumIndex).toBe("albumID-uploadTime-index");
    expect(c.userAlbumsIndex).toBe("userID-creationTime-index");
    expect(c.incomingPrefix).toBe("Incoming/");
    expect(c.thumbnailPrefix).toBe("Thumbnails/");
    expect(c.endpoint).toBeNull();
    expect(c.allowGuests).toBe(false);
  });

  it("keeps allowGuests when true", () => {
    expect(validateConfig({ ...good, allowGuests: true }).allowGuests).toBe(true);
  });

  it("has no function to invoke any more", () => {
    expect(validateConfig({ ...good, describeExecutionFunction: "x" })).not.toHaveProperty("describeExecutionFunction");
  });

  it("names the user pool's provider for the identity pool's logins", () => {
    expect(userPoolProviderName(validateConfig(good))).toBe("cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123");
  });

  it("keeps the emulator endpoint, without a trailing slash", () => {
    expect(validateConfig({ ...good, endpoint: "http://127.0.0.1:4566/" }).endpoint).toBe("http://127.0.0.1:4566");
  });

  it("lists every missing required key", () => {
    try {
      validateConfig({ region: "us-east-1" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.problem).toBe("invalid");
      expect(err.details).toEqual(
        expect.arrayContaining([
          '"userPoolId" is missing or empty',
          '"userPoolClientId" is missing or empty',
          '"identityPoolId" is missing or empty',
          '"bucket" is missing or empty',
          '"imageMetadataTable" is missing or empty',
          '"albumMetadataTable" is missing or empty',
        ]),
      );
      expect(err.details).toHaveLength(6);
    }
  });

  it.each([
    [{ endpoint: "ftp://x" }, /endpoint/],
    [{ endpoint: "not a url" }, /endpoint/],
    [{ endpoint: 4566 }, /endpoint/],
    [{ incomingPrefix: "Incoming" }, /incomingPrefix.*end with/],
    [{ region: "mars" }, /region/],
    [{ identityPoolId: "nope" }, /identityPoolId/],
    [{ bucket: "   " }, /bucket/],
    [{ userPoolId: "nope" }, /userPoolId/],
    [{ userPoolId: "eu-west-1_AbC" }, /userPoolId.*eu-west-1.*us-east-1/],
    [{ userPoolClientId: "a b" }, /userPoolClientId/],
    [{ allowGuests: "yes" }, /allowGuests/],
    [{ thumbnailPrefix: "Incoming/" }, /differ/],
  ])("rejects %j", (patch, pattern) => {
    expect(() => validateConfig({ ...good, ...patch })).toThrow(pattern);
  });

  it("rejects non-objects", () => {
    expect(() => validateConfig(null)).toThrow(ConfigError);
    expect(() => validateConfig([good])).toThrow(ConfigError);
    expect(() => validateConfig("x")).toThrow(ConfigError);
  });
});

describe("loadConfig", () => {
  it("loads and validates config.json", async () => {
    const calls: string[] = [];
    const c = await loadConfig(async (url) => {
      calls.push(url);
      return response(200, JSON.stringify({ ...good, endpoint: "http://127.0.0.1:4566" }));
    });
    expect(calls).toEqual(["config.json"]);
    expect(c.endpoint).toBe("http://127.0.0.1:4566");
  });

  it("says to run make webapp when config.json is missing (404)", async () => {
    const p = loadConfig(async () => response(404, "not found"));
    await expect(p).rejects.toMatchObject({ problem: "missing" });
    await expect(p).rejects.toThrow(/make webapp/);
  });

  it("treats an HTML fallback page as missing", async () => {
    await expect(loadConfig(async () => response(200, "<!doctype html><html></html>"))).rejects.toMatchObject({
      problem: "missing",
    });
  });

  it("reports invalid JSON", async () => {
    await expect(loadConfig(async () => response(200, "{nope"))).rejects.toMatchObject({ problem: "invalid" });
  });

  it("reports a server that cannot be reached or errors", async () => {
    await expect(
      loadConfig(async () => {
        throw new TypeError("Failed to fetch");
      }),
    ).rejects.toMatchObject({ problem: "unreachable" });
    await expect(loadConfig(async () => response(500, "boom"))).rejects.toThrow(/HTTP 500/);
  });
});
