/**
 * HTTP header values are bytes that clients read as ASCII (RFC 9110 §5.5: other octets are
 * "obs-text", which fetch implementations reject or mangle). A file name from an upload may be
 * any Unicode, so it is sent percent-encoded: its UTF-8 bytes outside printable ASCII, and `%`
 * itself, become `%XX` (RFC 3986 §2.1, the encoding RFC 8187 uses for `filename*`). Printable
 * ASCII names, nearly all of them, are sent unchanged; `decodeURIComponent` gives the name back.
 */
export function asciiHeaderValue(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]+/g, (run) => {
    // TextEncoder, unlike encodeURIComponent, does not throw on a lone surrogate (it writes U+FFFD).
    let out = "";
    for (const byte of new TextEncoder().encode(run)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    return out;
  });
}
