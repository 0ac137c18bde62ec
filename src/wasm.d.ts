// wrangler bundles *.wasm files as precompiled modules (wrangler.toml [[rules]] CompiledWasm).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
