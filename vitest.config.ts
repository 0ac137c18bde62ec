import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Four projects, all run by `npm test`:
 * - worker: the Worker itself inside workerd (real R2, KV, Durable Objects, Queues via Miniflare);
 * - worker-parts: the same, with every symcache built in parts (the limits set to their minimum);
 * - unit:   pure modules (identify/, symcache/, symbolicate/) in Node, over real fixture files,
 *           compared with the real tools where those are installed;
 * - e2e:    `wrangler dev` started on a free port and driven by the real sentry-cli.
 * No retries anywhere: races are this project's subject, and a retry hides them.
 */
export default defineConfig({
  test: {
    retry: 0,
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ADMIN_TOKEN: "test-admin-token" } },
          }),
        ],
        test: {
          name: "worker",
          // Hands real fixture files (made by test/fixtures/make-fixtures.sh) to tests in workerd.
          globalSetup: ["test/worker/provide-fixtures.ts"],
          include: ["test/worker/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // The same Worker, building every symcache in parts (one unit per compilation unit).
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { ADMIN_TOKEN: "test-admin-token", SYMCACHE_FAST_BYTES: "0", SYMCACHE_UNIT_BYTES: "1" },
            },
          }),
        ],
        test: {
          name: "worker-parts",
          globalSetup: ["test/worker/provide-fixtures.ts"],
          include: ["test/worker-parts/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "unit",
          environment: "node",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // One wrangler dev per file; files run one after another to keep 2 cores unsaturated.
          fileParallelism: false,
        },
      },
    ],
  },
});
