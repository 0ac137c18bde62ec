/**
 * Sentry source bundles: recognised and refused for now.
 *
 * Layout: "SYSB" | version u32 LE (2) | a ZIP archive whose `manifest.json` carries the
 * identity (debug_id, code_id, arch, object_name) and the file index.
 *
 * Why refused: the identity lives in a deflate-compressed ZIP member, and this service does
 * not build anything from source bundles yet (there is no symcache for them), so identifying
 * one would only let us store a file we cannot use.
 */
import { failed } from "./result";
import type { IdentifyResult } from "./types";

export function identifySourceBundle(): IdentifyResult {
  return failed(
    "not_supported_yet",
    "source bundles are not supported yet by this symbol service; upload the debug files themselves",
  );
}
