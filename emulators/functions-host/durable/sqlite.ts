// Node's own SQLite (node:sqlite): no native module to compile for each Node version, so `npm ci` builds
// nothing and the task hub opens on whichever Node runs it. Everything that opens a task hub file (the
// host, the tests and benchmarks that read it) takes DatabaseSync from here, never from "node:sqlite".
//
// Node 22 still marks node:sqlite experimental and prints an ExperimentalWarning to stderr the first time
// it is loaded (Node 24 does not). That line would stand in every host log and test report, so the
// module is loaded here with that one warning dropped; every other warning, and every later one, goes
// through. A static `import "node:sqlite"` could not be wrapped: ESM loads built-ins before any code of
// the importing module runs.
import { createRequire } from "node:module";
import type * as Sqlite from "node:sqlite";

const isSqliteWarning = (warning: string | Error, rest: unknown[]): boolean => {
  const type = warning instanceof Error ? warning.name : rest[0];
  const kind = typeof type === "object" && type !== null ? (type as { type?: unknown }).type : type;
  const message = warning instanceof Error ? warning.message : warning;
  return kind === "ExperimentalWarning" && /^SQLite\b/.test(message);
};

function loadQuietly(): typeof Sqlite {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    if (isSqliteWarning(warning, rest)) return;
    (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)("node:sqlite") as typeof Sqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
}

export const { DatabaseSync } = loadQuietly();
export type DatabaseSync = Sqlite.DatabaseSync;
export type StatementSync = Sqlite.StatementSync;
