// Recognises the connectivity probes a container may run — busybox `wget`, `nc -z`, `curl` — in
// its command and args (directly or behind `sh -c`), as the tutorial's `wget -qO- --timeout=2
// http://backend` does.

export interface ProbeCommand {
  tool: "wget" | "nc" | "curl";
  host: string;
  /** The host as written, with its port when the URL names one (busybox prints this). */
  authority: string;
  port: number;
  path: string;
  scheme: "http" | "https" | "tcp";
  /** Emulated seconds before the tool gives up; undefined means the kernel's connect timeout. */
  timeoutSeconds?: number;
  quiet: boolean;
  /** curl -f / wget (always): HTTP errors are failures. */
  failOnHttpError: boolean;
  verbose: boolean;
  /** Where the body goes: "-" is stdout, anything else a file (wget's default: the URL's file name). */
  outputFile: string;
  /** wget --spider: only check that the page exists. */
  spider: boolean;
}

/** Splits a shell command line into words (single and double quotes, no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) current += line[++i]!;
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      current ??= "";
    } else if (/\s/.test(c)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else if (c === "\\" && i + 1 < line.length) current = (current ?? "") + line[++i]!;
    else current = (current ?? "") + c;
  }
  if (current !== undefined) words.push(current);
  return words;
}

function parseUrl(
  text: string,
): { scheme: "http" | "https"; host: string; authority: string; port: number; path: string } | undefined {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${text}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    const scheme = url.protocol === "https:" ? "https" : "http";
    return {
      scheme,
      host: url.hostname,
      authority: url.host,
      port: url.port ? Number(url.port) : scheme === "https" ? 443 : 80,
      path: url.pathname || "/",
    };
  } catch {
    return undefined;
  }
}

function parseWget(args: string[]): ProbeCommand | undefined {
  let timeout: number | undefined;
  let quiet = false;
  let spider = false;
  let output: string | undefined;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("--timeout=")) timeout = Number(a.slice(10));
    else if (a === "--timeout") timeout = Number(args[++i]);
    else if (a === "--quiet") quiet = true;
    else if (a === "--spider") spider = true;
    else if (a.startsWith("--output-document=")) output = a.slice(18);
    else if (a === "--output-document") output = args[++i];
    else if (a.startsWith("--")) continue;
    else if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (c === "q") quiet = true;
        else if (c === "O" || c === "T" || c === "U" || c === "Y" || c === "P" || c === "e" || c === "o") {
          const rest = a.slice(j + 1);
          const value = rest !== "" ? rest : args[++i];
          if (c === "T") timeout = Number(value);
          if (c === "O") output = value;
          break;
        }
      }
    } else url ??= a;
  }
  const target = url ? parseUrl(url) : undefined;
  if (!target) return undefined;
  const outputFile = output ?? (target.path.split("/").pop() || "index.html");
  return {
    tool: "wget",
    ...target,
    timeoutSeconds: timeout,
    quiet,
    failOnHttpError: true,
    verbose: !quiet,
    outputFile,
    spider,
  };
}

function parseNc(args: string[]): ProbeCommand | undefined {
  let timeout: number | undefined;
  let verbose = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (c === "v") verbose = true;
        else if (c === "w") {
          const rest = a.slice(j + 1);
          timeout = Number(rest !== "" ? rest : args[++i]);
          break;
        }
      }
    } else positional.push(a);
  }
  const [host, port] = positional;
  if (!host || !port || !/^\d+$/.test(port)) return undefined;
  return {
    tool: "nc",
    scheme: "tcp",
    host,
    authority: host,
    port: Number(port),
    path: "",
    timeoutSeconds: timeout,
    quiet: !verbose,
    failOnHttpError: false,
    verbose,
    outputFile: "-",
    spider: false,
  };
}

function parseCurl(args: string[]): ProbeCommand | undefined {
  let timeout: number | undefined;
  let quiet = false;
  let showError = false;
  let fail = false;
  let output = "-";
  let url: string | undefined;
  const withValue = new Set([
    "-o",
    "-H",
    "-X",
    "-d",
    "-u",
    "-A",
    "-e",
    "-w",
    "--output",
    "--header",
    "--request",
    "--data",
    "--user",
    "--write-out",
  ]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-m" || a === "--max-time" || a === "--connect-timeout") timeout = Number(args[++i]);
    else if (a.startsWith("--max-time=") || a.startsWith("--connect-timeout="))
      timeout = Number(a.split("=")[1]);
    else if (a === "-o" || a === "--output") output = args[++i] ?? "-";
    else if (withValue.has(a)) i++;
    else if (a.startsWith("--")) {
      if (a === "--silent") quiet = true;
      if (a === "--show-error") showError = true;
      if (a === "--fail") fail = true;
    } else if (a.startsWith("-") && a.length > 1) {
      if (a.includes("s")) quiet = true;
      if (a.includes("S")) showError = true;
      if (a.includes("f")) fail = true;
      const m = /m(\d+(?:\.\d+)?)?$/.exec(a);
      if (m) timeout = Number(m[1] ?? args[++i]);
    } else url ??= a;
  }
  const target = url ? parseUrl(url) : undefined;
  if (!target) return undefined;
  const silentErrors = quiet && !showError;
  return {
    tool: "curl",
    ...target,
    timeoutSeconds: timeout,
    quiet: silentErrors,
    failOnHttpError: fail,
    verbose: false,
    outputFile: output,
    spider: false,
  };
}

const SHELLS = new Set(["sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash"]);

/** The probe a container runs, if its command is one. */
export function parseProbe(
  command: string[] | undefined,
  args: string[] | undefined,
): ProbeCommand | undefined {
  let argv = [...(command ?? []), ...(args ?? [])];
  if (argv.length >= 3 && SHELLS.has(argv[0]!) && argv[1] === "-c") {
    for (const segment of argv[2]!.split(/&&|\|\||;|\|/)) {
      const probe = parseArgv(shellWords(segment.trim()));
      if (probe) return probe;
    }
    return undefined;
  }
  if (argv[0] === "timeout") argv = argv.slice(2);
  return parseArgv(argv);
}

function parseArgv(argv: string[]): ProbeCommand | undefined {
  const tool = (argv[0] ?? "").split("/").pop();
  const rest = argv.slice(1);
  if (tool === "wget") return parseWget(rest);
  if (tool === "nc") return parseNc(rest);
  if (tool === "curl") return parseCurl(rest);
  return undefined;
}
