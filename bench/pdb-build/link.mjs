/**
 * How bench/pdb-build links its program (run.mjs) and the replicated one (replicate.mjs), in the
 * directory holding `objs.rsp`: lld-link-19 with type records merged by ghash, no C runtime.
 */
export const LINK_ARGS = [
  "/nologo",
  "/debug:ghash",
  "/nodefaultlib",
  "/entry:main",
  "/subsystem:console",
  "/pdb:gen.pdb",
  "/out:gen.exe",
  "@objs.rsp",
];
