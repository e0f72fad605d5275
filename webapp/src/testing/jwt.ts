// Unsigned JWTs for tests (the app reads claims only; the services check signatures).

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = new TextEncoder();
  return `${b64url(enc.encode(JSON.stringify({ alg: "RS256", kid: "test" })))}.${b64url(enc.encode(JSON.stringify(claims)))}.c2ln`;
}
