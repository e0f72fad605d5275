// Hash routes: "#/" the album list, "#/album/<albumID>" one album. Reload keeps the place.

export type Route = { name: "albums" } | { name: "album"; albumID: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/album\/(.+)$/.exec(hash);
  if (m) {
    try {
      return { name: "album", albumID: decodeURIComponent(m[1]) };
    } catch {
      return { name: "albums" };
    }
  }
  return { name: "albums" };
}

export function albumHash(albumID: string): string {
  return `#/album/${encodeURIComponent(albumID)}`;
}
