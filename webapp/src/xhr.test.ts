// @vitest-environment jsdom
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckedXhrHttpHandler } from "./backend";
import { isNetworkError } from "./errors";

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { "access-control-allow-origin": "*", etag: '"abc"' });
    res.end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

type Req = Parameters<CheckedXhrHttpHandler["handle"]>[0];

function req(p: number): Req {
  return { protocol: "http:", hostname: "127.0.0.1", port: p, method: "PUT", path: "/b/k", body: "x", headers: {}, query: {} } as unknown as Req;
}

describe("CheckedXhrHttpHandler", () => {
  it("passes real responses through", async () => {
    const out = await new CheckedXhrHttpHandler({}).handle(req(port));
    expect(out.response.statusCode).toBe(200);
  });

  it("fails a request that got no answer instead of resolving with status 0", async () => {
    // A port nobody listens on: the XHR ends with status 0.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await new CheckedXhrHttpHandler({}).handle(req(closed)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(isNetworkError(err)).toBe(true);
  });
});
