/** Makes miniflare's internal log lines best-effort (see patch-miniflare.mjs); returns what it did. */
export function patchMiniflare(root?: string): string;
