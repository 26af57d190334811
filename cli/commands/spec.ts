// `aks-vending spec …`: work with ClusterSpec documents offline.
import type { Command } from "commander";
import { invalidSpecError, validateClusterSpecText, type ValidationResult } from "../../shared/spec/index.js";
import { readDocument } from "../io.js";

/** Exit code for a document that is not valid (usage errors are 1, commander's default). */
export const EXIT_INVALID = 2;

export function registerSpecCommands(program: Command): void {
  const spec = program.command("spec").description("Work with cluster request documents (ClusterSpec)");
  spec
    .command("validate")
    .description("Validate a cluster request; print it normalised (with defaults) or print every problem")
    .argument("<file>", "the document (JSON or YAML), or - for standard input")
    .action(async (file: string) => {
      const doc = await readDocument(file);
      const result: ValidationResult = doc.ok
        ? validateClusterSpecText(doc.json)
        : { ok: false, errors: [doc.problem], warnings: [] };
      for (const w of result.warnings) process.stderr.write(`warning: ${w.path}: ${w.message} [${w.code}]\n`);
      if (result.ok) {
        process.stdout.write(`${JSON.stringify(result.spec, null, 2)}\n`);
      } else {
        process.stdout.write(`${JSON.stringify(invalidSpecError(result.errors), null, 2)}\n`);
        process.exitCode = EXIT_INVALID;
      }
    });
}
