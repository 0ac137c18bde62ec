/**
 * PUT/POST /<key>   body: any bytes, with Content-Length
 *   Streams the body straight into R2 (`env.BUCKET.put(key, request.body)`): no hashing, no
 *   parsing, no bookkeeping. Answers {"key", "size", "ms"} once R2 has the object.
 * DELETE /          deletes every object this Worker wrote (prefix `upload-bench-ceiling/`).
 */
const PREFIX = "upload-bench-ceiling/";

export default {
  async fetch(request, env) {
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
