// The aks-vending command (cli/main.ts, the entry, checks the Node version first, then imports this).
// Each command group lives in its own module under cli/commands/.
import { CliError } from "./errors.js";
import { failPipelineStep } from "./output.js";
import { buildProgram } from "./program.js";

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  // Expected failures (unreadable file, bad arguments) get one readable line, not a stack trace.
  const err = e as NodeJS.ErrnoException;
  const message = err.code === "ENOENT" && err.path ? `cannot read ${err.path}: no such file` : err.message;
  process.stderr.write(`error: ${message}\n`);
  // A failed login or dev-token in a pipeline fails its step as readably as a failed create.
  if (e instanceof CliError) failPipelineStep(message, e.code);
  process.exitCode = e instanceof CliError ? e.exitCode : 1;
}
