// A busybox `sh` for the probe images (busybox, alpine): enough of the shell language for a
// tutorial session (`;`, `&&`, `||`, pipes into head/grep/wc, `>/dev/null`, `2>&1`, `$?`), the
// builtins people type (echo, cd, pwd, exit, sleep, hostname, cat of the pod's own files) and the
// network tools (wget, nc, curl), which ask the cluster's data plane — the same code that decides
// probe pods — and take the emulated time they would take. An interactive session adds what the
// container's terminal does: prompt, echo, line editing, Ctrl-C and Ctrl-D.
import type { ProbeOutcome } from "../dataplane/connect.js";

export type Stream = "stdout" | "stderr";

export interface ShellEnv {
  hostname: string;
  /** The tools the image ships besides the shell builtins ("wget", "nc", "curl"). */
  tools: ReadonlySet<string>;
  /** Files `cat` can read (/etc/hostname, /etc/resolv.conf). */
  files: Readonly<Record<string, string>>;
  /** Runs a network tool from the pod; undefined when its arguments name no target. */
  network(argv: string[]): ProbeOutcome | undefined;
  /** Calls `fn` after emulated seconds on the cluster clock; returns a cancel function. */
  after(seconds: number, fn: () => void): () => void;
}

interface Redirect {
  fd: 1 | 2;
  /** "/dev/null", a file name (writes are dropped: the emulator has no filesystem) or "&1"/"&2". */
  target: string;
}

interface Command {
  argv: string[];
  redirects: Redirect[];
  assignments: [string, string][];
}

interface AndOr {
  pipeline: Command[];
  /** How this pipeline joins the previous one. */
  op: ";" | "&&" | "||";
}

type Token = { word: string; quoted: boolean } | { op: string };

const OPERATORS = ["2>&1", "1>&2", ">&2", "&&", "||", ">>", "2>", "&>", ";", "|", ">", "<", "&", "\n"];

function tokenize(line: string, vars: (name: string) => string): Token[] | string {
  const out: Token[] = [];
  let word: string | undefined;
  let quoted = false;
  const flush = () => {
    if (word !== undefined) out.push({ word, quoted });
    word = undefined;
    quoted = false;
  };
  const expand = (i: number): [string, number] => {
    const rest = line.slice(i + 1);
    const m = /^(\?|\$|[A-Za-z_][A-Za-z0-9_]*|\{(\?|[A-Za-z_][A-Za-z0-9_]*)\})/.exec(rest);
    if (!m) return ["$", i + 1];
    const name = m[2] ?? m[1]!;
    return [vars(name), i + 1 + m[0].length];
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) return "unterminated quoted string";
      word = (word ?? "") + line.slice(i + 1, end);
      quoted = true;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = "";
      while (j < line.length && line[j] !== '"') {
        if (line[j] === "\\" && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) {
          text += line[j + 1];
          j += 2;
        } else if (line[j] === "$") {
          const [value, next] = expand(j);
          text += value;
          j = next;
        } else text += line[j++];
      }
      if (j >= line.length) return "unterminated quoted string";
      word = (word ?? "") + text;
      quoted = true;
      i = j + 1;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[i + 1];
      i += 2;
    } else if (c === "$") {
      const [value, next] = expand(i);
      word = (word ?? "") + value;
      i = next;
    } else if (c === "#" && word === undefined) break;
    else if (c === " " || c === "\t") {
      flush();
      i++;
    } else {
      const op = OPERATORS.find((o) => line.startsWith(o, i));
      // "2>" only counts as an operator at the start of a word.
      if (op && !(op.startsWith("2") && word !== undefined)) {
        flush();
        out.push({ op });
        i += op.length;
      } else {
        word = (word ?? "") + c;
        i++;
      }
    }
  }
  flush();
  return out;
}

function parse(tokens: Token[]): AndOr[] | string {
  const list: AndOr[] = [];
  let pipeline: Command[] = [];
  let command: Command = { argv: [], redirects: [], assignments: [] };
  let op: AndOr["op"] = ";";
  const endCommand = (): string | undefined => {
    if (command.argv.length === 0 && command.assignments.length === 0 && command.redirects.length === 0)
      return "syntax error: unexpected";
    pipeline.push(command);
    command = { argv: [], redirects: [], assignments: [] };
    return undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if ("word" in t) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(t.word);
      if (m && command.argv.length === 0 && !t.quoted) command.assignments.push([m[1]!, m[2]!]);
      else command.argv.push(t.word);
      continue;
    }
    if (t.op === "2>&1") command.redirects.push({ fd: 2, target: "&1" });
    else if (t.op === "1>&2" || t.op === ">&2") command.redirects.push({ fd: 1, target: "&2" });
    else if ([">", ">>", "2>", "&>", "<"].includes(t.op)) {
      const next = tokens[++i];
      if (!next || !("word" in next))
        return `syntax error: unexpected ${next && "op" in next ? `"${next.op}"` : "newline"}`;
      if (t.op === "2>") command.redirects.push({ fd: 2, target: next.word });
      else if (t.op === "&>")
        command.redirects.push({ fd: 1, target: next.word }, { fd: 2, target: next.word });
      else if (t.op !== "<") command.redirects.push({ fd: 1, target: next.word });
    } else if (t.op === "|") {
      if (endCommand()) return `syntax error: unexpected "|"`;
    } else {
      // ; && || & newline end a pipeline ("&" runs in the foreground here: no job control).
      const empty = command.argv.length === 0 && command.assignments.length === 0 && pipeline.length === 0;
      if (empty) {
        if (t.op === ";" || t.op === "&&" || t.op === "||" || t.op === "&")
          return `syntax error: unexpected "${t.op}"`;
        continue;
      }
      if (endCommand()) return `syntax error: unexpected "${t.op}"`;
      list.push({ pipeline, op });
      pipeline = [];
      op = t.op === "&&" ? "&&" : t.op === "||" ? "||" : ";";
    }
  }
  if (command.argv.length > 0 || command.assignments.length > 0 || command.redirects.length > 0) endCommand();
  if (pipeline.length > 0) list.push({ pipeline, op });
  else if (op !== ";") return "syntax error: unexpected end of file";
  return list;
}

/** Cancels a running command (Ctrl-C, or the client went away). */
export class Interrupt {
  private cancels = new Set<() => void>();
  interrupted = false;
  sleep(env: ShellEnv, seconds: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.interrupted) return resolve(false);
      let cancelTimer: () => void = () => {};
      const cancel = () => {
        cancelTimer();
        this.cancels.delete(cancel);
        resolve(false);
      };
      this.cancels.add(cancel);
      cancelTimer = env.after(seconds, () => {
        this.cancels.delete(cancel);
        resolve(true);
      });
    });
  }
  fire(): void {
    this.interrupted = true;
    for (const c of [...this.cancels]) c();
  }
}

type Write = (stream: Stream, text: string) => void;

const BUSYBOX = "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.";
const USAGE: Record<string, string> = {
  wget: `${BUSYBOX}\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n\nRetrieve files via HTTP or FTP\n`,
  nc: `${BUSYBOX}\n\nUsage: nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen\n`,
  curl: "curl: try 'curl --help' or 'curl --manual' for more information\n",
};

/** One shell: variables, working directory, last status; runs command lines. */
export class Shell {
  status = 0;
  cwd = "/";
  private readonly vars = new Map<string, string>();

  constructor(private readonly env: ShellEnv) {
    this.vars.set("HOME", "/root");
    this.vars.set("HOSTNAME", env.hostname);
    this.vars.set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }

  prompt(): string {
    const home = this.vars.get("HOME") ?? "/root";
    const shown = this.cwd === home ? "~" : this.cwd;
    return `${shown} # `;
  }

  private lookup(name: string): string {
    if (name === "?") return String(this.status);
    if (name === "$") return "1";
    if (name === "PWD") return this.cwd;
    return this.vars.get(name) ?? "";
  }

  /** Runs one line; resolves with the exit code when the line ran `exit`. */
  async run(line: string, write: Write, intr: Interrupt, stdin = ""): Promise<number | undefined> {
    // Parameters expand when their command runs (`false; echo $?` prints 1), so the tokenizer
    // leaves markers that `command` resolves.
    const tokens = tokenize(line, (n) => `\uE000${n}\uE000`);
    const list = typeof tokens === "string" ? tokens : parse(tokens);
    if (typeof list === "string") {
      write("stderr", `sh: ${list}\n`);
      this.status = 2;
      return undefined;
    }
    for (const { pipeline, op } of list) {
      if (intr.interrupted) return undefined;
      if (op === "&&" && this.status !== 0) continue;
      if (op === "||" && this.status === 0) continue;
      let input = stdin;
      for (const [i, cmd] of pipeline.entries()) {
        const last = i === pipeline.length - 1;
        let captured = "";
        const out: Write = (stream, text) => {
          const fd = stream === "stdout" ? 1 : 2;
          let target = cmd.redirects.filter((r) => r.fd === fd).pop()?.target;
          if (target === "&1") target = last ? undefined : "|";
          if (target === "&2") return write("stderr", text);
          if (target === undefined && fd === 1 && !last) target = "|";
          if (target === "|") captured += text;
          else if (target === undefined) write(stream, text);
          // Anything else goes to a file: there is no filesystem to keep it.
        };
        const result = await this.command(cmd, out, intr, input);
        if (result.exit !== undefined) return result.exit;
        this.status = result.status;
        input = captured;
      }
    }
    return undefined;
  }

  private async command(
    cmd: Command,
    write: Write,
    intr: Interrupt,
    stdin: string,
  ): Promise<{ status: number; exit?: number }> {
    const expand = (word: string) =>
      word.replace(/\uE000([^\uE000]*)\uE000/g, (_, n: string) => this.lookup(n));
    if (cmd.argv.length === 0) {
      for (const [k, v] of cmd.assignments) this.vars.set(k, expand(v));
      return { status: 0 };
    }
    const argv = cmd.argv.map(expand);
    const [name, ...args] = argv as [string, ...string[]];
    const tool = name.split("/").pop()!;
    switch (tool) {
      case "exit": {
        const code = args[0] === undefined ? this.status : Number(args[0]);
        if (!Number.isInteger(code)) {
          write("stderr", `sh: exit: Illegal number: ${args[0]}\n`);
          return { status: 2 };
        }
        return { status: code & 255, exit: code & 255 };
      }
      case "true":
      case ":":
        return { status: 0 };
      case "false":
        return { status: 1 };
      case "echo": {
        const noNewline = args[0] === "-n";
        write("stdout", (noNewline ? args.slice(1) : args).join(" ") + (noNewline ? "" : "\n"));
        return { status: 0 };
      }
      case "pwd":
        write("stdout", `${this.cwd}\n`);
        return { status: 0 };
      case "cd": {
        const target = args[0] ?? this.vars.get("HOME") ?? "/";
        this.cwd = normalise(target.startsWith("/") ? target : `${this.cwd}/${target}`);
        return { status: 0 };
      }
      case "hostname":
        write("stdout", `${this.env.hostname}\n`);
        return { status: 0 };
      case "sleep": {
        const seconds = Number((args[0] ?? "").replace(/s$/, ""));
        if (!Number.isFinite(seconds) || seconds < 0) {
          write("stderr", `sleep: invalid number '${args[0] ?? ""}'\n`);
          return { status: 1 };
        }
        return { status: (await intr.sleep(this.env, seconds)) ? 0 : 130 };
      }
      case "cat":
        return this.cat(args, write, stdin);
      case "head":
        return filter(args, stdin, write, (lines, n) => lines.slice(0, n));
      case "tail":
        return filter(args, stdin, write, (lines, n) => lines.slice(Math.max(0, lines.length - n)));
      case "grep":
        return grep(args, stdin, write);
      case "wc":
        return wc(args, stdin, write);
    }
    if (this.env.tools.has(tool)) return this.network(tool, argv, write, intr);
    write("stderr", `sh: ${name}: not found\n`);
    return { status: 127 };
  }

  private cat(args: string[], write: Write, stdin: string): { status: number } {
    if (args.length === 0) {
      write("stdout", stdin);
      return { status: 0 };
    }
    let status = 0;
    for (const f of args) {
      const path = normalise(f.startsWith("/") ? f : `${this.cwd}/${f}`);
      const text = this.env.files[path];
      if (text === undefined) {
        write("stderr", `cat: can't open '${f}': No such file or directory\n`);
        status = 1;
      } else write("stdout", text);
    }
    return { status };
  }

  private async network(
    tool: string,
    argv: string[],
    write: Write,
    intr: Interrupt,
  ): Promise<{ status: number }> {
    const outcome = this.env.network([tool, ...argv.slice(1)]);
    if (!outcome) {
      write("stderr", USAGE[tool] ?? "");
      return { status: 1 };
    }
    if (!(await intr.sleep(this.env, outcome.durationSeconds))) return { status: 130 };
    for (const chunk of outcome.output) write(chunk.stream, chunk.text);
    return { status: outcome.exitCode };
  }
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return `/${parts.join("/")}`;
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function filter(
  args: string[],
  stdin: string,
  write: Write,
  pick: (lines: string[], n: number) => string[],
): { status: number } {
  let n = 10;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-n") n = Number(args[++i]);
    else if (/^-n?\d+$/.test(a)) n = Number(a.replace(/^-n?/, ""));
  }
  const lines = pick(splitLines(stdin), n);
  write("stdout", lines.map((l) => `${l}\n`).join(""));
  return { status: 0 };
}

function grep(args: string[], stdin: string, write: Write): { status: number } {
  const flags = new Set(args.filter((a) => /^-[a-zA-Z]+$/.test(a)).flatMap((a) => [...a.slice(1)]));
  const pattern = args.find((a) => !/^-[a-zA-Z]+$/.test(a));
  if (pattern === undefined) {
    write(
      "stderr",
      `${BUSYBOX}\n\nUsage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n`,
    );
    return { status: 2 };
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern, flags.has("i") ? "i" : "");
  } catch {
    re = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), flags.has("i") ? "i" : "");
  }
  const hits = splitLines(stdin).filter((l) => re.test(l) !== flags.has("v"));
  if (flags.has("c")) write("stdout", `${hits.length}\n`);
  else if (!flags.has("q")) write("stdout", hits.map((l) => `${l}\n`).join(""));
  return { status: hits.length > 0 ? 0 : 1 };
}

function wc(args: string[], stdin: string, write: Write): { status: number } {
  const lines = (stdin.match(/\n/g) ?? []).length;
  const words = stdin.split(/\s+/).filter(Boolean).length;
  const bytes = Buffer.byteLength(stdin);
  const flags = args.join("");
  if (flags.includes("l")) write("stdout", `${lines}\n`);
  else if (flags.includes("w")) write("stdout", `${words}\n`);
  else if (flags.includes("c")) write("stdout", `${bytes}\n`);
  else
    write(
      "stdout",
      `${String(lines).padStart(7)} ${String(words).padStart(7)} ${String(bytes).padStart(7)}\n`,
    );
  return { status: 0 };
}

/** Where a session's output goes and how it ends. */
export interface SessionIO {
  write(stream: Stream, text: string): void;
  exit(code: number): void;
}

/**
 * The container's `sh` reading its stdin. With a terminal it prints a prompt, echoes what is typed
 * (the line discipline), handles backspace, Ctrl-C, Ctrl-U and Ctrl-D, and turns "\n" into "\r\n";
 * without one it reads lines silently until end of input.
 */
export class ShellSession {
  readonly shell: Shell;
  private line = "";
  private pending: string[] = [];
  private running: Interrupt | undefined;
  private escape = "";
  private ended = false;

  constructor(
    env: ShellEnv,
    private readonly tty: boolean,
    private io: SessionIO,
  ) {
    this.shell = new Shell(env);
    if (tty) this.out("stdout", this.shell.prompt());
  }

  get done(): boolean {
    return this.ended;
  }

  /** A new client takes over the terminal (attach): output goes to it from now on. */
  rebind(io: SessionIO): void {
    this.io = io;
  }

  private out(stream: Stream, text: string): void {
    if (this.ended) return;
    this.io.write(this.tty ? "stdout" : stream, this.tty ? text.replace(/\r?\n/g, "\r\n") : text);
  }

  /** A terminal resize: busybox's line editor redraws the prompt and the line being typed. */
  resize(): void {
    if (this.tty && !this.running && !this.ended) this.out("stdout", `\r${this.shell.prompt()}${this.line}`);
  }

  input(data: string): void {
    if (this.ended) return;
    if (!this.tty) {
      this.line += data;
      let nl: number;
      while ((nl = this.line.indexOf("\n")) !== -1) {
        this.pending.push(this.line.slice(0, nl));
        this.line = this.line.slice(nl + 1);
      }
      void this.drain();
      return;
    }
    for (const c of data) {
      if (this.escape) {
        // Swallow terminal escape sequences (arrow keys): ESC [ params final.
        this.escape += c;
        if (this.escape.length > 2 && /[@-~]/.test(c)) this.escape = "";
        else if (this.escape.length === 2 && c !== "[" && c !== "O") this.escape = "";
        continue;
      }
      if (c === "\x1b") this.escape = c;
      else if (c === "\x03") {
        if (this.running) this.running.fire();
        else {
          this.out("stdout", "^C\n");
          this.line = "";
          this.out("stdout", this.shell.prompt());
        }
      } else if (c === "\x04") {
        if (this.line === "" && !this.running && this.pending.length === 0) {
          this.out("stdout", "\n");
          this.finish(this.shell.status);
          return;
        }
      } else if (c === "\x15") {
        this.out("stdout", "\b \b".repeat(this.line.length));
        this.line = "";
      } else if (c === "\x7f" || c === "\b") {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.out("stdout", "\b \b");
        }
      } else if (c === "\r" || c === "\n") {
        this.out("stdout", "\n");
        this.pending.push(this.line);
        this.line = "";
      } else if (c >= " " || c === "\t") {
        this.line += c;
        this.out("stdout", c);
      }
    }
    void this.drain();
  }

  /** End of input: the shell exits with its last status. */
  closeInput(): void {
    if (this.ended) return;
    if (!this.tty && this.line !== "") this.pending.push(this.line);
    this.line = "";
    this.pending.push("\x04");
    void this.drain();
  }

  /** Ends the shell (the container is stopping). */
  kill(): void {
    this.running?.fire();
    this.ended = true;
  }

  private draining = false;

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0 && !this.ended) {
        const line = this.pending.shift()!;
        if (line === "\x04") {
          if (this.tty) this.out("stdout", "\n");
          this.finish(this.shell.status);
          return;
        }
        const intr = new Interrupt();
        this.running = intr;
        const exit = await this.shell.run(line, (s, t) => this.out(s, t), intr);
        this.running = undefined;
        if (intr.interrupted) {
          this.out("stdout", this.tty ? "^C\n" : "");
          this.shell.status = 130;
        }
        if (exit !== undefined) {
          this.finish(exit);
          return;
        }
        if (this.tty) this.out("stdout", this.shell.prompt() + (this.pending.length === 0 ? this.line : ""));
      }
    } finally {
      this.draining = false;
    }
  }

  private finish(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.io.exit(code);
  }
}
