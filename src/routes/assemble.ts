/**
 * POST /api/0/projects/{org}/{project}/files/difs/assemble/
 *
 * Each file of the body is decided by its own Durable Object (assembly/debug-file-object.ts),
 * which is the source of truth; the answer is keyed exactly as the request was. If an object
 * cannot be reached, the KV mirror answers for it; with neither, the route answers 503, which
 * sentry-cli retries with backoff.
 *
 * The call that starts an assembly (the first after the client uploaded the missing chunks,
 * answered `created`) waits up to SETTLE_MS for it to finish and then answers its outcome instead.
 * sentry-cli makes that call at once after its upload and polls again only a second later
 * (src/utils/chunks/upload.rs, sentry-cli 2.x/3.x), and most files assemble in well under that:
 * `--wait` then ends up to a second sooner, and a run without `--wait`, which makes only this
 * call, reports the outcome (`OK` with the debug id, or the error) instead of `UPLOADED`. Only
 * that call waits: on a first call (before any upload) sentry-cli reads `ok` as "nothing to do"
 * and would not print the file, so `assembling` is answered there as before.
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { requireAccess, type AuthVariables } from "../auth/middleware";
import { parseAssembleRequest, type AssembleFileRequest } from "../upload/assemble-request";
import { readMirroredStatus } from "../assembly/status-mirror";
import { settleWithin } from "../common/settle";
import type { AssembleAnswer } from "../assembly/file-state";
import { toSentryDif, type SentryDif } from "./dif";
import { debugFileObject } from "../durable-objects";
import { readRequestJson } from "./bounded-request";
import { ASSEMBLE_BODY_DEADLINE_MS, BODY_IDLE_MS, MAX_ASSEMBLE_BODY } from "../upload/limits";

type App = { Bindings: Env; Variables: AuthVariables };
export const assembleRoutes = new Hono<App>();

interface WireFileState {
  state: "ok" | "error" | "created" | "assembling" | "not_found";
  missingChunks: string[];
  detail?: string | null;
  dif?: SentryDif;
}

/**
 * Durable Object calls in flight per request: a body may list up to MAX_FILES_PER_ASSEMBLE files,
 * and each call looks up the file's chunks in the ledger.
 */
const PARALLEL_FILES = 32;

/** How long the call that starts an assembly waits for its outcome (see above). */
export const SETTLE_MS = 2_000;
/** Before each look at the files still assembling: short first, since small files finish fast. */
const SETTLE_PAUSES_MS = [25, 50, 100, 200, 250];

assembleRoutes.post("/", requireAccess("write"), async (c) => {
  const body = await readRequestJson(c.req.raw, {
    maxBytes: MAX_ASSEMBLE_BODY,
    idleMs: BODY_IDLE_MS,
    deadlineMs: ASSEMBLE_BODY_DEADLINE_MS,
  });
  const parsed = parseAssembleRequest(body);
  if (!parsed.ok) throw ApiError.badRequest(parsed.error);
  const { org, project } = c.var;

  const out: Record<string, WireFileState> = {};
  let unavailable = false;
  const files = parsed.files;
  for (let i = 0; i < files.length; i += PARALLEL_FILES) {
    await Promise.all(
      files.slice(i, i + PARALLEL_FILES).map(async (file) => {
        const answer = await decide(c.env, org, project, file);
        if (answer === null) unavailable = true;
        else out[file.checksum] = answer;
      }),
    );
  }
  if (unavailable) throw new ApiError(503, "detail", "Assembly service temporarily unavailable, retry");
  await settle(c.env, org, project, out);
  return c.json(out);
});

/**
 * Replaces each `created` answer by the file's outcome if it comes within SETTLE_MS. At most
 * PARALLEL_FILES files are waited for (a larger upload is answered at once): each look is one
 * Durable Object call per file still pending. A file whose object cannot be reached keeps its
 * `created`, and the client polls.
 */
async function settle(env: Env, org: string, project: string, out: Record<string, WireFileState>): Promise<void> {
  const created = Object.keys(out).filter((checksum) => out[checksum]!.state === "created");
  if (created.length === 0 || created.length > PARALLEL_FILES) return;
  const outcomes = await settleWithin(
    created,
    async (checksum) => {
      const now = await debugFileObject(env, org, project, checksum).status();
      return now && (now.state === "ok" || now.state === "error") ? toWire(now) : null;
    },
    { budgetMs: SETTLE_MS, pausesMs: SETTLE_PAUSES_MS },
  );
  for (const [checksum, outcome] of outcomes) out[checksum] = outcome;
}

async function decide(
  env: Env,
  org: string,
  project: string,
  file: AssembleFileRequest,
): Promise<WireFileState | null> {
  const stub = debugFileObject(env, org, project, file.checksum);
  try {
    return toWire(
      await stub.assemble({
        org,
        project,
        checksum: file.checksum,
        name: file.name,
        chunks: file.chunks,
        ...(file.debugId ? { debugId: file.debugId } : {}),
      }),
    );
  } catch (err) {
    console.warn("debug file object unavailable, answering from the status mirror", file.checksum, err);
    const mirrored = await readMirroredStatus(env.ASSEMBLE_STATUS, org, project, file.checksum);
    return mirrored ? { state: mirrored.state, detail: mirrored.detail, missingChunks: [] } : null;
  }
}

function toWire(answer: AssembleAnswer): WireFileState {
  switch (answer.state) {
    case "ok":
      return { state: "ok", detail: answer.detail, missingChunks: [], dif: toSentryDif(answer.record) };
    case "error":
      return { state: "error", detail: answer.detail, missingChunks: [] };
    case "created":
    case "assembling":
      return { state: answer.state, detail: null, missingChunks: [] };
    case "not_found":
      // Sentry sends no `detail` key here; sentry-cli needs `missingChunks` even when empty.
      return { state: "not_found", missingChunks: answer.missingChunks };
  }
}
