// Whoever clones the repository must find everything a reference points at inside it: no path that
// climbs out of the checkout, no mention of design or research notes that live elsewhere, no
// relative Markdown link or named .md file that does not exist. What the code needs from outside
// sources is written in docs/ and cites public URLs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** The kinds of text file a reference can hide in. */
const TEXT = /\.(md|ts|js|cjs|mjs|json|ya?ml|bicep|sh)$/;

/** This file: its examples of dangling references are deliberate. */
const SELF = "test/unit/docs/standalone.test.ts";

/** Names of notes kept outside the repository; a mention of one is a dangling reference. */
// Each pattern's first group is what a report quotes.
const OUTSIDE_NOTES: { pattern: RegExp; what: string }[] = [
  { pattern: /\b((?:[\w.-]+\/)*(?:DESIGN|STYLE)\.md)\b/, what: "a design note outside the repository" },
  {
    pattern: /(?:^|[^\w-])((?:[\w.-]+\/)*research\/[\w./-]*)/,
    what: "a research folder outside the repository",
  },
  {
    pattern: /\b((?:durable-host|arm-sdk|netpol-semantics|anchors)\.md)\b/,
    what: "a research note outside the repository",
  },
  {
    pattern: /\b([\w/.-]*aks-network-policies-tip[\w.]*)/,
    what: "a copy of the tutorial outside the repository",
  },
  { pattern: /\b((?:semantics|protocol|design|research) notes)\b/i, what: "notes outside the repository" },
  { pattern: /(?:^|[\s"'`(=])(\/work\/\S*)/, what: "an absolute path on a development machine" },
];

interface Problem {
  file: string;
  line: number;
  message: string;
}

/** A file's relative references resolved against the places it can be read from. */
function basesOf(file: string): string[] {
  const dir = posix.dirname(file);
  // Compiled code runs from dist/, so a path in a .ts file may be relative to its dist/ twin.
  return /\.ts$/.test(file) ? [dir, posix.join("dist", dir)] : [dir];
}

/** Repository-relative path of `target` seen from `base`, or undefined when it leaves the root. */
function within(base: string, target: string): string | undefined {
  const joined = posix.normalize(posix.join(base, target));
  return joined === ".." || joined.startsWith("../") ? undefined : joined.replace(/\/$/, "");
}

const withoutUrls = (line: string) => line.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)>\]"'`]+/gi, "");

/** Markdown text with code blocks and code spans blanked, line numbers kept. */
function markdownProse(text: string): string[] {
  let fenced = false;
  return text.split("\n").map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return "";
    }
    return fenced ? "" : line.replace(/`[^`]*`/g, "");
  });
}

/**
 * Every reference in one file that does not resolve inside the repository. `exists` answers for
 * repository-relative paths (files and the folders that hold them).
 */
function problemsIn(file: string, text: string, exists: (path: string) => boolean): Problem[] {
  const problems: Problem[] = [];
  const report = (line: number, message: string) => problems.push({ file, line: line + 1, message });
  const lines = text.split("\n");

  lines.forEach((raw, i) => {
    const line = withoutUrls(raw);
    for (const { pattern, what } of OUTSIDE_NOTES) {
      const m = pattern.exec(line);
      if (m) report(i, `${what}: "${m[1] ?? m[0]}"`);
    }
    // A relative path that climbs out of the checkout from every place the file is read from.
    for (const m of line.matchAll(/(?:^|[^\w.@/-])((?:\.\.\/)+[\w.@-][\w.@/-]*)/g)) {
      const target = m[1]!;
      if (basesOf(file).every((base) => within(base, target) === undefined))
        report(i, `"${target}" leaves the repository`);
    }
    // A named Markdown file must exist, relative to this file or to the root.
    for (const m of line.matchAll(/(?:^|[^\w.@/-])((?:\.{1,2}\/)*(?:[\w.@-]+\/)*[\w.@-]+\.md)\b/g)) {
      const target = m[1]!;
      const found = [posix.dirname(file), "."].some((base) => {
        const path = within(base, target);
        return path !== undefined && exists(path);
      });
      if (!found) report(i, `"${target}" is not a file in the repository`);
    }
  });

  if (file.endsWith(".md")) {
    markdownProse(text).forEach((line, i) => {
      for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        const target = m[1]!.replace(/[#?].*$/, "");
        if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(m[1]!)) continue; // anchor, URL, mailto
        const path = within(target.startsWith("/") ? "." : posix.dirname(file), target.replace(/^\//, ""));
        if (path === undefined) report(i, `link "${m[1]}" leaves the repository`);
        else if (!exists(path)) report(i, `link "${m[1]}" points at nothing in the repository`);
      }
    });
  }
  return problems;
}

function trackedFiles(): string[] | undefined {
  try {
    const out = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" });
    return out.split("\0").filter((f) => f !== "");
  } catch {
    return undefined;
  }
}

/** Repository-relative path → exists, for tracked files and every folder above them. */
function existence(files: string[]): (path: string) => boolean {
  const known = new Set<string>(["."]);
  for (const f of files) {
    known.add(f);
    for (let d = posix.dirname(f); d !== "."; d = posix.dirname(d)) known.add(d);
  }
  return (path) => known.has(path);
}

const format = (problems: Problem[]) => problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join("\n");

test("the checker finds each kind of dangling reference and accepts the repository's own", () => {
  const exists = existence(["README.md", "docs/architecture.md", "shared/netpol/index.ts"]);
  const found = (file: string, text: string) => problemsIn(file, text, exists).map((p) => p.message);

  // Spelled in parts so that scans of the repository for such references do not flag this test itself.
  const outsideDesign = `see ${["..", "shared", "DESIGN.md"].join("/")}`;
  assert.match(found("README.md", outsideDesign).join("\n"), /design note/);
  assert.match(found("README.md", outsideDesign).join("\n"), /leaves the repository/);
  assert.match(
    found("orchestrations/x.ts", `// (${["shared", "research", "durable-host.md"].join("/")} §3)`).join("\n"),
    /research/,
  );
  assert.match(found(["shared", "x.ts"].join("/"), "// see anchors.md").join("\n"), /research note/);
  assert.match(
    found("test/x.ts", "// the tutorial (seed/aks-network-policies-tip.md)").join("\n"),
    /tutorial/,
  );
  assert.match(found("test/x.ts", "// §0 of the semantics notes").join("\n"), /notes outside/);
  assert.match(found("docs/a.md", "[gone](missing.md)").join("\n"), /points at nothing/);
  assert.match(found("docs/a.md", "[up](../../elsewhere/x.md)").join("\n"), /leaves the repository/);
  assert.match(found("docs/a.md", "the notes in other/thing.md").join("\n"), /not a file/);

  assert.deepEqual(
    found("docs/a.md", "[map](architecture.md), [root](../README.md), [web](https://x.y/DESIGN)"),
    [],
  );
  assert.deepEqual(found("functions/x.ts", 'import { a } from "../shared/netpol/index.js";'), []);
  // Compiled tests find the root from dist/test/<area>/: four levels up is the checkout, not beyond.
  assert.deepEqual(found("test/unit/docs/x.ts", 'new URL("../../../../", import.meta.url)'), []);
  assert.deepEqual(found("docs/a.md", "```\n[x](nowhere)\n```\nand `[y](nowhere)`"), []);
  assert.deepEqual(found("docs/a.md", "[folder](../shared/netpol)"), []);
  assert.deepEqual(found("docs/a.md", "a public copy: https://github.com/o/r/blob/main/research/x.md"), []);
});

test("no tracked file refers to a file outside the repository", (t) => {
  const files = trackedFiles();
  if (!files) return t.skip("not a git checkout (git ls-files failed): the tracked files are unknown");
  const exists = existence(files);
  const problems = files
    .filter((f) => (TEXT.test(f) || f.startsWith(".ci/")) && f !== SELF)
    .flatMap((f) => problemsIn(f, readFileSync(posix.join(ROOT, f), "utf8"), exists));
  assert.equal(
    problems.length,
    0,
    `references that do not resolve inside the repository:\n${format(problems)}`,
  );
});

test("the README's Documentation section links every page in docs/", (t) => {
  const files = trackedFiles();
  if (!files) return t.skip("not a git checkout (git ls-files failed): the tracked files are unknown");
  const readme = readFileSync(posix.join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Documentation\n"));
  assert.ok(section, 'README.md has a "## Documentation" section');
  const pages = files.filter((f) => /^docs\/[^/]+\.md$/.test(f) && f !== "docs/README.md");
  assert.ok(pages.length >= 6, "docs/ holds the maintainer's pages");
  for (const page of pages) assert.ok(section.includes(`](${page})`), `README links ${page}`);
});
