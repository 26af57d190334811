// The lint configuration (eslint.config.js) enforces each folder README's "May import" rule and
// no-floating-promises, `npm run check:cycles` fails on an import cycle, and CI (.ci/run) runs both.
// The lint probes are virtual files (ESLint's lintText with a path inside a folder): nothing is
// written into the source folders; the cycle fixture lives in a temporary directory.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const PROBE = "__lint_probe__.ts";

/**
 * The code folders: what tsconfig.json compiles (and so what `npm run lint` type-checks), and the
 * top-level folders with a tsconfig.json of their own (portal/: browser code).
 */
const folders = [
  ...(JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8")) as { include: string[] }).include,
  ...readdirSync(ROOT, { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && d.name !== "node_modules" && existsSync(join(ROOT, d.name, "tsconfig.json")),
    )
    .map((d) => d.name),
];

interface ReadmeRule {
  /** "May import any folder of the project" (then only `mustNot` is forbidden). */
  any: boolean;
  /** The code folders named in the "May import" sentence. */
  may: string[];
  /** The code folders named in the "Must not import" sentence. */
  mustNot: string[];
}

/** The "May import … Must not import …" paragraph of a folder's README. */
function readmeRule(folder: string): ReadmeRule {
  const readme = join(ROOT, folder, "README.md");
  assert.ok(
    existsSync(readme),
    `${folder}/ is compiled (tsconfig.json) but has no README.md saying what it may import`,
  );
  const text = readFileSync(readme, "utf8");
  const paragraph = text.split(/\n\s*\n/).find((p) => /^May import\b/m.test(p));
  assert.ok(paragraph, `${folder}/README.md has no paragraph starting "May import"`);
  const flat = paragraph.slice(paragraph.search(/^May import\b/m)).replace(/\s+/g, " ");
  const split = flat.indexOf("Must not import");
  const mayPart = split === -1 ? flat : flat.slice(0, split);
  const mustNotPart = split === -1 ? "" : flat.slice(split);
  const named = (s: string) =>
    [...s.matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1]!).filter((f) => folders.includes(f));
  return { any: /^May import:? any\b/.test(mayPart), may: named(mayPart), mustNot: named(mustNotPart) };
}

/** A real module of a folder to import (the boundary rule classifies the resolved file). */
function someModule(folder: string): string {
  const files = readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(PROBE))
    .sort();
  assert.ok(files[0], `${folder}/ has no .ts file`);
  return files[0].replace(/\\/g, "/").replace(/\.ts$/, ".js");
}

// The probe paths do not exist on disk, so tsconfig.json's program (the configuration's `project`)
// does not hold them: the probes are type-checked by typescript-eslint's project service instead, in
// its default project with tsconfig.json's options. Every rule is the configuration's own.
let eslint: ESLint | undefined;
function linter(): ESLint {
  eslint ??= new ESLint({
    cwd: ROOT,
    overrideConfig: {
      files: ["**/*.ts"],
      languageOptions: {
        parserOptions: {
          project: null,
          projectService: {
            allowDefaultProject: folders.map((f) => `${f}/${PROBE}`),
            defaultProject: "tsconfig.json",
            // One probe per folder (the default allows 8, fewer than the folders).
            maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: folders.length,
          },
        },
      },
    },
  });
  return eslint;
}

async function lint(path: string, code: string): Promise<ESLint.LintResult["messages"]> {
  const [result] = await linter().lintText(code, { filePath: join(ROOT, path) });
  assert.ok(result);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${path} did not parse`);
  return result.messages;
}

for (const from of folders) {
  test(`${from}/ may import exactly what ${from}/README.md says (npm run lint)`, async () => {
    const rule = readmeRule(from);
    const overlap = rule.may.filter((f) => rule.mustNot.includes(f));
    assert.deepEqual(overlap, [], `${from}/README.md both allows and forbids these`);
    const others = folders.filter((f) => f !== from);
    const allowed = new Set(rule.any ? others.filter((f) => !rule.mustNot.includes(f)) : rule.may);
    const specs = others.map((to) => `../${to}/${someModule(to)}`);
    const messages = await lint(`${from}/${PROBE}`, specs.map((s) => `import "${s}";\n`).join(""));

    others.forEach((to, i) => {
      const onLine = messages.filter((m) => m.line === i + 1);
      if (allowed.has(to)) {
        assert.deepEqual(onLine, [], `${from}/ → ${to}/ is allowed by its README`);
      } else {
        assert.deepEqual(
          onLine.map((m) => [m.ruleId, m.message]),
          [
            [
              "boundaries/dependencies",
              `${from}/ must not import ${to}/ (${specs[i]}): see "May import" in ${from}/README.md`,
            ],
          ],
          `${from}/ → ${to}/ is forbidden by its README`,
        );
      }
    });
    assert.equal(messages.length, others.filter((to) => !allowed.has(to)).length);
  });
}

test("a forbidden folder is caught in every import form: type-only, re-export, dynamic import()", async () => {
  const code = [
    `import type * as Cli from "../cli/${someModule("cli")}";`,
    `export * from "../emulators/${someModule("emulators")}";`,
    `export const later = () => import("../functions/${someModule("functions")}");`,
    `export type CliModule = typeof Cli;`,
  ].join("\n");
  const messages = await lint(`shared/${PROBE}`, code);
  assert.deepEqual(
    messages.map((m) => [m.line, m.ruleId]),
    [
      [1, "boundaries/dependencies"],
      [2, "boundaries/dependencies"],
      [3, "boundaries/dependencies"],
    ],
  );
});

test("a promise that is neither awaited, returned, handled nor voided is a lint error", async () => {
  const code = [
    "async function work(): Promise<void> {}",
    "work();",
    "void work(); // deliberately not awaited",
    "export async function awaited(): Promise<void> {",
    "  await work();",
    "  work().catch(() => undefined);",
    "}",
  ].join("\n");
  const messages = await lint(`shared/${PROBE}`, code);
  assert.deepEqual(
    messages.map((m) => [m.line, m.ruleId]),
    [[2, "@typescript-eslint/no-floating-promises"]],
  );
});

test("node:test's test() may float (its runner awaits it), any other promise in a test may not", async () => {
  const code = [
    'import { test } from "node:test";',
    "async function work(): Promise<void> {}",
    'test("floats", async () => {',
    "  work();",
    "});",
  ].join("\n");
  const messages = await lint(`test/${PROBE}`, code);
  assert.deepEqual(
    messages.map((m) => [m.line, m.ruleId]),
    [[4, "@typescript-eslint/no-floating-promises"]],
  );
});

/** Runs package.json's `check:cycles` script, as npm would, in a fixture directory holding `files`. */
function checkCycles(files: Record<string, string>): { status: number | null; output: string } {
  const script = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
  ).scripts["check:cycles"];
  assert.ok(script, "package.json has no check:cycles script");
  const dir = mkdtempSync(join(tmpdir(), "aksv-cycles-"));
  try {
    copyFileSync(join(ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    const run = spawnSync("sh", ["-c", script], {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env["PATH"]}`,
      },
    });
    assert.equal(run.error, undefined);
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("npm run check:cycles fails on an import cycle and names both files (a type-only edge counts)", () => {
  const { status, output } = checkCycles({
    "cyc/a.ts": 'import { b } from "./b.js";\nexport const a = (): number => b;\n',
    "cyc/b.ts": 'import type { a } from "./a.js";\nexport const b = 1;\nexport type A = typeof a;\n',
  });
  assert.notEqual(status, 0, output);
  assert.match(output, /cyc\/a\.ts/);
  assert.match(output, /cyc\/b\.ts/);
});

test("npm run check:cycles passes the same modules without the cycle", () => {
  const { status, output } = checkCycles({
    "cyc/a.ts": 'import { b } from "./b.js";\nexport const a = (): number => b;\n',
    "cyc/b.ts": "export const b = 1;\n",
  });
  assert.equal(status, 0, output);
});

test("CI runs the lint and the cycle check, and stops on their failure", () => {
  const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
  assert.match(ci, /^set -[a-z]*e[a-z]*/m);
  assert.match(ci, /^\s*npm run lint\s*$/m);
  assert.match(ci, /^\s*npm run check:cycles\s*$/m);
});
