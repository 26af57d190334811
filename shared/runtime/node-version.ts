// The Node.js version check that `npm start` and the CLI run before anything else. Older Nodes fail
// later with errors that do not name the cause ("crypto is not defined" on Node 18, a missing
// node:sqlite on Node 20), so the entry points say which Node to install instead. This module must
// load on any Node that can run ES modules: it imports nothing and uses only process.versions.

/**
 * The oldest Node.js this project runs on; package.json `engines.node` says the same (a unit test
 * holds them together). node:sqlite without a flag needs 22.13 and its isTransaction 22.16; undici 8,
 * the HTTP client of @kubernetes/client-node 2, needs 22.19.
 */
export const MIN_NODE = "22.19.0";

/** How to get a Node 22 without root, from the npm registry's `node` package. */
export const NODE22_HINT =
  "npm install --prefix ~/.node22 --no-save --no-package-lock node@22 && export PATH=~/.node22/node_modules/.bin:$PATH";

const parts = (version: string): number[] =>
  version
    .replace(/^v/, "")
    .split(".")
    .map((p) => parseInt(p, 10) || 0);

/** Whether version (e.g. "20.20.2" or "v22.23.3") is at least minimum. */
export function atLeast(version: string, minimum: string): boolean {
  const have = parts(version);
  const want = parts(minimum);
  for (let i = 0; i < 3; i++) {
    const h = have[i] ?? 0;
    const w = want[i] ?? 0;
    if (h !== w) return h > w;
  }
  return true;
}

/** The one line to print when version is too old for program, or undefined when it is new enough. */
export function nodeVersionProblem(program: string, version: string): string | undefined {
  if (atLeast(version, MIN_NODE)) return undefined;
  return (
    `${program} needs Node.js ${MIN_NODE} or newer, this is Node.js ${version.replace(/^v/, "")}: ` +
    `install Node.js 22 (or newer), or without root: ${NODE22_HINT}`
  );
}

/** Exits with status 1 and one line on stderr when the running Node is too old. */
export function requireSupportedNode(program: string): void {
  const problem = nodeVersionProblem(program, process.versions.node);
  if (problem === undefined) return;
  process.stderr.write(problem + "\n");
  process.exit(1);
}
