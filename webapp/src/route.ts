// Hash routes: "#/" the album list, "#/album/<albumKey>" one of the signed-in identity's albums
// (its albumID is "<identityId>/<albumKey>", so a link never reaches another identity's album).
// Reload keeps the place.

import { isAlbumKey } from "./keys";

export type Route = { name: "albums" } | { name: "album"; albumKey: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/album\/([^/?#]+)$/.exec(hash);
  if (m) {
    let key: string;
    try {
      key = decodeURIComponent(m[1]);
    } catch {
      return { name: "albums" };
    }
    if (isAlbumKey(key)) return { name: "album", albumKey: key };
  }
  return { name: "albums" };
}

export function albumHash(albumKey: string): string {
  return `#/album/${encodeURIComponent(albumKey)}`;
}
