// Finds and loads the app's entry point like the worker (WK: startApp.ts, loadScriptFile.ts): package.json
// `main`, possibly a glob, each file loaded with import() when it is ESM and require() otherwise.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { glob } from "tinyglobby";

interface PackageJson {
  main?: string;
  type?: string;
}

export async function resolveEntryFiles(appDir: string): Promise<{ files: string[]; esmByDefault: boolean }> {
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(await readFile(join(appDir, "package.json"), "utf8")) as PackageJson;
  } catch (err) {
    throw new Error(`Cannot read ${join(appDir, "package.json")}: ${(err as Error).message}`);
  }
  if (!pkg.main) throw new Error(`${join(appDir, "package.json")} has no "main" entry point.`);
  const files = (await glob(pkg.main, { cwd: appDir, absolute: true, onlyFiles: true })).sort();
  if (files.length === 0) {
    throw new Error(
      `Found zero files matching the supplied pattern "${pkg.main}" (package.json main) in ${appDir}.`,
    );
  }
  return { files, esmByDefault: pkg.type === "module" };
}

export async function loadEntryFiles(appDir: string): Promise<string[]> {
  const { files, esmByDefault } = await resolveEntryFiles(appDir);
  const require = createRequire(join(appDir, "package.json"));
  for (const file of files) {
    const ext = extname(file);
    const esm = ext === ".mjs" || (ext !== ".cjs" && esmByDefault);
    try {
      if (esm) await import(pathToFileURL(file).href);
      else require(file);
    } catch (err) {
      const e = err as Error;
      throw new Error(`Worker was unable to load entry point "${file}": ${e.message}`, { cause: err });
    }
  }
  return files;
}
