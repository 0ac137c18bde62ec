// Type-aware linting: above all, no un-awaited promise (an un-awaited R2 put or Durable Object
// call is the classic Workers bug) and no `any`.
import tseslint from "typescript-eslint";

/** The Node globals the plain-JavaScript scripts (bench/, scripts/) may use. */
const NODE_GLOBALS = Object.fromEntries(
  [
    "AbortController",
    "AbortSignal",
    "Blob",
    "Buffer",
    "FormData",
    "Headers",
    "Request",
    "Response",
    "TextDecoder",
    "TextEncoder",
    "URL",
    "URLSearchParams",
    "WebAssembly",
    "clearInterval",
    "clearTimeout",
    "console",
    "crypto",
    "fetch",
    "performance",
    "process",
    "queueMicrotask",
    "setImmediate",
    "setInterval",
    "setTimeout",
    "structuredClone",
  ].map((name) => [name, "readonly"]),
);

export default tseslint.config(
  { ignores: ["node_modules/", ".wrangler/", "crates/", "dist/", "bench/**/out/", "**/*.d.ts", "**/*.js"] },
  {
    // Benchmarks, scripts and the soak are plain Node ES modules: no types to check, but no undefined
    // names, unused bindings or unreachable code either.
    files: ["bench/**/*.mjs", "scripts/**/*.mjs", "test/**/*.mjs"],
    languageOptions: { sourceType: "module", ecmaVersion: "latest", globals: NODE_GLOBALS },
    rules: {
      "no-undef": "error",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-unreachable": "error",
      "no-dupe-keys": "error",
      "no-self-assign": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
      "no-unsafe-finally": "error",
      eqeqeq: ["error", "smart"],
    },
  },
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ["**/*.ts", "**/*.tsx"] })),
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
);
