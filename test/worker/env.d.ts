// The workerd test environment's `env` is the Worker's Env, and `exports` (both from
// "cloudflare:workers") carries the Worker's own exports: `exports.default.fetch()` calls it.
import type { Env as WorkerEnv } from "../../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof import("../../src/index");
    }
  }
}
