// Input helpers shared by CLI commands.
import { readFile } from "node:fs/promises";

/** Reads a file, or standard input when the name is "-". */
export async function readInput(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
