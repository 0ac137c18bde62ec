/**
 * POST /  body: {"keys": ["chunks/<sha1>", ...], "size": <total bytes>}
 * Streams the objects back to back with the least work the runtime allows: each R2 body is piped
 * natively into one FixedLengthStream. No manifest, no auth, no catalog: the throughput ceiling.
 */
export default {
  async fetch(request, env, ctx) {
    const { keys, size } = await request.json();
    const { readable, writable } = new FixedLengthStream(size);
    const pump = (async () => {
      for (const key of keys) {
        const object = await env.BUCKET.get(key);
        if (!object) throw new Error(`missing ${key}`);
        await object.body.pipeTo(writable, { preventClose: true });
      }
      await writable.close();
    })();
    ctx.waitUntil(pump.catch((err) => console.error(err)));
    return new Response(readable, { headers: { "content-type": "application/octet-stream" } });
  },
};
