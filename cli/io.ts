// Input helpers shared by CLI commands: every command that reads a document (create, spec validate,
// netpol …) reads it with readDocument, so each takes the same JSON or YAML, from a file or stdin.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import type { Problem } from "../shared/validation/problems.js";

/** Reads a file, or standard input when the name is "-". */
export async function readInput(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export type ParsedDocument =
  | {
      ok: true;
      value: unknown;
      /** The document as JSON text: as given when it was JSON, else the YAML converted. */
      json: string;
    }
  | { ok: false; problem: Problem };

function jsonProblem(e: unknown): Problem {
  return {
    path: "",
    code: "InvalidJson",
    message: `the document is not valid JSON: ${(e as Error).message}`,
  };
}

function yamlProblem(e: unknown): Problem {
  return {
    path: "",
    code: "InvalidYaml",
    message: `the document is not valid YAML: ${(e as Error).message}`,
  };
}

/**
 * Parses a document as JSON or YAML: a .json file as JSON, a .yaml/.yml file as YAML; anything else
 * (standard input, other names) as JSON, else as YAML. When neither reads it, the error is JSON's
 * for text that looks like JSON (it starts with { or [), YAML's otherwise.
 */
export function parseDocument(text: string, file = "-"): ParsedDocument {
  const yaml = (): ParsedDocument => {
    try {
      const value: unknown = parseYaml(text);
      return { ok: true, value, json: JSON.stringify(value ?? null) };
    } catch (e) {
      return { ok: false, problem: yamlProblem(e) };
    }
  };
  if (/\.ya?ml$/i.test(file)) return yaml();
  try {
    return { ok: true, value: JSON.parse(text) as unknown, json: text };
  } catch (e) {
    if (/\.json$/i.test(file)) return { ok: false, problem: jsonProblem(e) };
    const asYaml = yaml();
    return asYaml.ok || !/^\s*[[{]/.test(text) ? asYaml : { ok: false, problem: jsonProblem(e) };
  }
}

/** Reads a document (a file, or "-" for standard input) and parses it as JSON or YAML. */
export async function readDocument(file: string): Promise<ParsedDocument> {
  return parseDocument(await readInput(file), file);
}
