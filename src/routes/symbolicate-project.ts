/**
 * Symbolication of a parsed request against one project's debug files, shared by the API route
 * and the web page's tool. Modules are matched by debug id (then code id) among the project's
 * files, preferring files with debug information over symbol-table-only ones; their symcaches are
 * read page by page from R2 through isolate-wide, byte-bounded caches (symbolicate/symcache-pages.ts).
 * Nothing is negatively cached: a file uploaded after a crash is used at once. A module resolved
 * to a symcache with debug information is remembered for 10 s per isolate, as nothing better can
 * replace it; if its file is deleted (or deleted and uploaded again) meanwhile, the first page
 * read that misses the isolate's cache finds out and the module is resolved again.
 */
import type { DebugFileRecord } from "../common/debug-file";
import { projectCatalog } from "../durable-objects";
import type { Env } from "../env";
import type { RawModule, SymbolicateRequest } from "../symbolicate/request";
import { openSymcache, SymcacheGoneError } from "../symbolicate/symcache-pages";
import { DOTNET_MODULE, referencedModules, symbolicate, type ResolvedModule } from "../symbolicate/symbolicate";

const RESOLUTION_CACHE_MS = 10_000;
const recentResolutions = new Map<string, { resolution: ResolvedModule; until: number }>();

export async function symbolicateInProject(
  env: Env,
  org: string,
  project: string,
  request: SymbolicateRequest,
): Promise<Awaited<ReturnType<typeof symbolicate>>> {
  const first = await resolveModules(env, org, project, request, true);
  try {
    return await symbolicate(request, first.resolved);
  } catch (error) {
    if (!(error instanceof SymcacheGoneError)) throw error;
    // A symcache was deleted, or deleted and rebuilt, after its module was resolved (most often
    // a resolution remembered from before): forget it and answer from what the catalog says now.
    // Once: a second miss means the file is being deleted and uploaded again right now.
    for (const key of first.keys) recentResolutions.delete(key);
    return symbolicate(request, (await resolveModules(env, org, project, request, false)).resolved);
  }
}

/** Resolves every module a frame points into; `keys` are their resolution-cache keys. */
async function resolveModules(
  env: Env,
  org: string,
  project: string,
  request: SymbolicateRequest,
  useRemembered: boolean,
): Promise<{ resolved: Map<number, ResolvedModule>; keys: string[] }> {
  const catalog = projectCatalog(env, org, project);
  const resolved = new Map<number, ResolvedModule>();
  const keys: string[] = [];
  await Promise.all(
    [...referencedModules(request)].map(async (index) => {
      const module = request.modules[index] as RawModule;
      const dotnet = module.type === DOTNET_MODULE;
      const key = `${org}/${project}/${module.debugId ?? ""}/${module.codeId ?? ""}/${dotnet ? "il" : "native"}`;
      keys.push(key);
      const recent = recentResolutions.get(key);
      if (useRemembered && recent && recent.until > Date.now()) return resolved.set(index, recent.resolution);
      const candidates = module.debugId
        ? await catalog.byDebugId(module.debugId)
        : module.codeId
          ? await catalog.byCodeId(module.codeId)
          : [];
      const resolution = await resolveModule(env, candidates, dotnet);
      resolved.set(index, resolution);
      // Only the best possible answer is remembered (a symcache from debug information), and
      // briefly: a missing module is looked up again on every request.
      if (resolution.status === "found" && resolution.features?.has_debug_info) {
        if (recentResolutions.size >= 1000) recentResolutions.delete(recentResolutions.keys().next().value as string);
        recentResolutions.set(key, { resolution, until: Date.now() + RESOLUTION_CACHE_MS });
      } else {
        recentResolutions.delete(key);
      }
    }),
  );
  return { resolved, keys };
}

/** Debug information beats a symbol table; among equals, the newest upload wins. */
function rank(record: DebugFileRecord): number {
  if (record.symcache.status !== "ok") return 0;
  return record.features.includes("debug") ? 2 : 1;
}

/**
 * A .NET module (`pe_dotnet`) is answered from a Portable PDB, or a PE embedding one, whose
 * symcache addresses are (method, IL offset); every other module from a native symcache. The
 * PE of a .NET assembly shares its Portable PDB's debug id, so both kinds can be candidates.
 */
function fitsModule(record: DebugFileRecord, dotnet: boolean): boolean {
  // A dSYM's UUID map shares its debug id; it (like a BCSymbolMap) only names things for the dSYM.
  if (record.format === "uuidmap" || record.format === "bcsymbolmap") return false;
  return dotnet ? record.format === "portablepdb" || record.format === "pe" : record.format !== "portablepdb";
}

async function resolveModule(env: Env, all: DebugFileRecord[], dotnet: boolean): Promise<ResolvedModule> {
  const candidates = all.filter((r) => fitsModule(r, dotnet));
  const ranked = [...candidates].sort((a, b) => rank(b) - rank(a));
  const best = ranked[0];
  if (!best) return { status: "missing" };
  const features = {
    has_debug_info: candidates.some((r) => r.features.includes("debug")),
    has_unwind_info: candidates.some((r) => r.features.includes("unwind")),
    has_symbols: candidates.some((r) => r.features.includes("symtab")),
    has_sources: candidates.some((r) => r.features.includes("sources")),
  };
  if (rank(best) === 0) {
    const building = candidates.some((r) => r.symcache.status === "building");
    return { status: building ? "timeout" : "unsupported", arch: best.arch, features };
  }
  let malformed = false;
  for (const record of ranked) {
    if (rank(record) === 0) break;
    const opened = await openSymcache(env.BUCKET, record);
    if (opened.status === "malformed") {
      console.warn("unreadable symcache", record.checksum, opened.detail);
      malformed = true;
      continue;
    }
    // A PE's symcache is native unless the PE embeds its Portable PDB: the trailer says which.
    const answersIlOffsets = opened.status === "found" && opened.symcache.ilOffsetBits > 0;
    if (opened.status === "found" && answersIlOffsets === dotnet) {
      return { status: "found", symbolizer: opened.symcache, arch: record.arch, features };
    }
  }
  return { status: malformed ? "malformed" : "missing", arch: best.arch, features };
}
