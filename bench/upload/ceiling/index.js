/**
 * PUT/POST /<key>   body: any bytes, with Content-Length
 *   Streams the body straight into R2 (`env.BUCKET.put(key, request.body)`): no hashing, no
 *   parsing, no bookkeeping. Answers {"key", "size", "ms"} once R2 has the object.
 * DELETE /          deletes every object this Worker wrote (prefix `upload-bench-ceiling/`).
 *
 * Deployed (`wrangler deploy -c bench/upload/ceiling/wrangler.toml`, for the bench's remote mode),
 * it must have a secret CEILING_TOKEN (`wrangler secret put CEILING_TOKEN -c ...`): every request
 * then needs `Authorization: Bearer <it>`. Without one it answers only on 127.0.0.1 (wrangler dev).
 */
const PREFIX = "upload-bench-ceiling/";

/** Whether the request may write: the token, compared in constant time, or a local dev server. */
async function allowed(request, env) {
  const url = new URL(request.url);
  if (!env.CEILING_TOKEN) return url.hostname === "127.0.0.1" || url.hostname === "localhost";
  const given = new TextEncoder().encode(request.headers.get("authorization") ?? "");
  const expected = new TextEncoder().encode(`Bearer ${env.CEILING_TOKEN}`);
  // Equal lengths for timingSafeEqual: digests of both, which reveal nothing of the token's length.
  const [a, b] = await Promise.all([crypto.subtle.digest("SHA-256", given), crypto.subtle.digest("SHA-256", expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export default {
  async fetch(request, env) {
    if (!(await allowed(request, env))) return new Response("Unauthorized\n", { status: 401 });
    const url = new URL(request.url);
    if (request.method === "DELETE") {
      let deleted = 0;
      for (let cursor; ;) {
        const page = await env.BUCKET.list({ prefix: PREFIX, cursor });
        if (page.objects.length) await env.BUCKET.delete(page.objects.map((o) => o.key));
        deleted += page.objects.length;
        if (!page.truncated) break;
        cursor = page.cursor;
      }
      return Response.json({ deleted });
    }
    if (request.method !== "PUT" && request.method !== "POST") return new Response("ceiling\n");
    if (!request.body || request.headers.get("content-length") === null) {
      return new Response("Content-Length required\n", { status: 411 });
    }
    const key = PREFIX + (url.pathname.slice(1) || crypto.randomUUID());
    const started = Date.now();
    const object = await env.BUCKET.put(key, request.body);
    return Response.json({ key, size: object.size, ms: Date.now() - started });
  },
};
