// @ts-check
import js from "@eslint/js";
import boundaries from "eslint-plugin-boundaries";
import tseslint from "typescript-eslint";

/**
 * The project's code folders and which of them each one may import: the "May import" line of each
 * folder's README, enforced below (npm libraries and Node built-ins are not restricted by this rule).
 * `test/unit/lint/config.test.ts` checks that the READMEs and this table say the same thing.
 * `other` is any top-level folder not listed here (a newly added one): it may import anything, and
 * only bench/ and test/ may import it until its README and this table give it its own rule.
 */
const folders = [
  "application",
  "functions",
  "orchestrations",
  "shared",
  "emulators",
  "cli",
  "bench",
  "scripts",
  "harness",
  "test",
];
/** @param {string[]} not */
const anyBut = (...not) => [...folders, "other"].filter((f) => !not.includes(f));
/** @type {Record<string, string[]>} */
const mayImport = {
  shared: [],
  application: ["shared"],
  orchestrations: ["shared"],
  functions: ["application", "shared", "orchestrations"],
  emulators: ["shared"],
  cli: ["shared"],
  scripts: ["shared"],
  harness: ["emulators", "shared"],
  bench: anyBut("bench", "test"),
  test: anyBut("test"),
  other: anyBut("other"),
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".local/", ".tools/", ".ci/node22/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Type-aware rules: a promise nobody awaits loses its rejection (an unhandled rejection ends the
    // process) and its ordering. Types come from tsconfig.json's program, as `npm run typecheck`
    // builds it (`project` rather than `projectService`: a quarter less CPU for `npm run lint` here).
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { project: "tsconfig.json", tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          // node:test's runner awaits what these return itself. The name also matches a subtest's
          // `t.test()`, whose parent should await it: node:test fails a subtest still running when
          // its parent ends, so a forgotten await there shows as a failed test, not a silent one.
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "it", "describe", "suite"] },
          ],
        },
      ],
    },
  },
  {
    // Folder boundaries. Imports are resolved to files (TypeScript's resolution, so `./x.js` is
    // `./x.ts`), and the file's top-level folder decides; imports inside one folder are not checked.
    files: ["**/*.ts"],
    plugins: { boundaries },
    settings: {
      "import/resolver": { typescript: { project: `${import.meta.dirname}/tsconfig.json` } },
      "boundaries/elements": [
        ...folders.map((type) => ({ type, pattern: type, partialMatch: false })),
        { type: "other", pattern: "*", partialMatch: false },
      ],
      // Not only `import … from`: `export … from` and `import("…")` with a literal path too.
      "boundaries/dependency-nodes": ["import", "export", "dynamic-import"],
      "boundaries/legacy-templates": false,
    },
    rules: {
      "boundaries/dependencies": [
        "error",
        {
          default: "disallow",
          message:
            '{{from.elementPath}}/ must not import {{to.elementPath}}/ ({{dependency.source}}): see "May import" in {{from.elementPath}}/README.md',
          policies: Object.entries(mayImport)
            .filter(([, to]) => to.length > 0)
            .map(([from, to]) => ({
              from: { element: { type: from } },
              allow: { to: { element: { type: to } } },
            })),
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "harness/**/*.ts", "emulators/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
