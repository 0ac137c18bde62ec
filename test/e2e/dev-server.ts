/**
 * One `wrangler dev` for the tests of a describe block: started in its beforeAll on a free port
 * with a fresh state directory, stopped (process group) and its state removed in its afterAll.
 */
import { afterAll, beforeAll } from "vitest";
import { removeDir, startDev, type DevServer, type StartOptions } from "../support/wrangler-dev.mjs";

/**
 * Call inside `describe`; the returned server is usable in that block's tests and in hooks
 * registered after this call (vitest runs afterAll hooks last-registered first, so theirs run
 * while the server is still up).
 */
export function useDevServer(options: Omit<StartOptions, "persistDir" | "onSpawn"> = {}): DevServer {
  let started: DevServer | undefined;
  const server = (): DevServer => {
    if (!started) throw new Error("useDevServer: the server starts in beforeAll; use it in tests and later hooks");
    return started;
  };
  beforeAll(async () => {
    started = await startDev(options);
  });
  afterAll(async () => {
    if (!started) return;
    await started.stop();
    removeDir(started.persistDir);
  });
  return {
    get url() {
      return server().url;
    },
    get port() {
      return server().port;
    },
    get inspectorPort() {
      return server().inspectorPort;
    },
    get pgid() {
      return server().pgid;
    },
    get persistDir() {
      return server().persistDir;
    },
    log: () => server().log(),
    stop: (signal) => server().stop(signal),
  };
}
