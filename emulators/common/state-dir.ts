// Local state (`.local` by default): what every emulator, the Functions host and `npm start` agree on.
// - Private: directories 0700 and files 0600, because they hold cluster admin tokens, the token
//   issuer's signing key and the host's keys.
// - One owner: a lock file per state directory names the process that holds it, so a second start on
//   the same directory refuses (two writers would duplicate writes and orphan resources) instead of
//   running; a lock whose process is gone (kill -9, power loss) is taken over.
// - Never silently empty: a state file that exists but cannot be read stops the start with a message
//   naming the file and --reset, instead of starting with nothing (which loses every resource).
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` and any missing parent 0700; an existing `dir` (from an older version) is tightened.
 * Only for the directories the emulators own (`<state>/kube`, `<state>/ca`, …), never the root.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Writes `file` 0600 and atomically (a temporary file, then a rename): a reader sees old or new. */
export function writePrivateFile(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: PRIVATE_FILE_MODE });
  renameSync(tmp, file);
}

/**
 * writePrivateFile off the event loop (the write and the rename run in libuv's thread pool: a rename
 * over a file of megabytes waits for its data on ext4). Its temporary file is its own, so a
 * synchronous write of the same file meanwhile does not collide with it; order the two yourself.
 */
export async function writePrivateFileAsync(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.async.tmp`;
  await writeFile(tmp, data, { mode: PRIVATE_FILE_MODE });
  await rename(tmp, file);
}

/** How to get past damaged state, for every entry point (npm start passes flags after `--`). */
export const RESET_HINT =
  "move it away to keep a copy, or start again with --reset (npm start -- --reset) to discard the state";

/** A state file that exists but cannot be used: the start stops rather than begin empty. */
export class StateDamagedError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    /** What starting empty would lose, e.g. "every resource and the signing key". */
    loses: string,
  ) {
    super(
      `the state file ${file} is damaged (${problem}); not starting, because starting empty would lose ${loses}: ${RESET_HINT}`,
    );
    this.name = "StateDamagedError";
  }
}

/** The parsed JSON of `file`; undefined when it does not exist; StateDamagedError when unreadable. */
export function readStateJson<T>(file: string, loses: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateDamagedError(file, (err as Error).message, loses);
  }
  if (text.length === 0) throw new StateDamagedError(file, "it is empty", loses);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new StateDamagedError(file, `not valid JSON: ${(err as Error).message}`, loses);
  }
}

interface LockRecord {
  pid: number;
  holder: string;
  since: string;
  /** Tells this holder's lock from a later one of the same process (tests start twice in one process). */
  nonce: string;
}

export interface StateLock {
  /** The lock file, `<root>/<component>.lock`. */
  file: string;
  /** Removes the lock if this holder still owns it (idempotent). */
  release(): void;
}

/** Thrown when another live process holds the directory. */
export class StateDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly holderPid: number,
    holder: string,
    since: string,
    lockFile: string,
  ) {
    super(
      `the state directory ${dir} is in use by ${holder} (pid ${holderPid}, since ${since}; lock ${lockFile}): ` +
        `stop that process first, or use another --state-dir. If pid ${holderPid} is not that program, delete the lock file.`,
    );
    this.name = "StateDirInUseError";
  }
}

const held = new Set<StateLock>();
let exitHookInstalled = false;

function readLock(file: string): LockRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as Partial<LockRecord>;
    return typeof r.pid === "number" && typeof r.nonce === "string" ? (r as LockRecord) : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the exclusive lock of the state directory `<root>/<component>` (or of `root` itself when
 * component is undefined), held in `<root>/<component|state>.lock` — beside the directory, so that
 * --reset, which deletes the directory, never deletes the lock. `holder` says who holds it
 * ("the Kubernetes emulator"). Refuses (StateDirInUseError) while a live process holds it; takes over
 * a lock whose process has ended.
 */
export function lockStateDir(root: string, component: string | undefined, holder: string): StateLock {
  const dir = resolve(component ? join(root, component) : root);
  // Created private when missing, but an existing root is left as it is: it may be a directory the
  // user chose (--state-dir /tmp/x), not ours to chmod. What the components put in it is private.
  mkdirSync(resolve(root), { recursive: true, mode: PRIVATE_DIR_MODE });
  const file = join(resolve(root), `${component ?? "state"}.lock`);
  const mine: LockRecord = {
    pid: process.pid,
    holder,
    since: new Date().toISOString(),
    nonce: randomBytes(8).toString("hex"),
  };
  // Written whole under a private name, then linked into place: link fails if the lock exists, so the
  // lock appears atomically with its contents (a reader never sees a half-written lock).
  const tmp = `${file}.${mine.nonce}.tmp`;
  writeFileSync(tmp, JSON.stringify(mine), { mode: PRIVATE_FILE_MODE });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 5) throw err;
      }
      const other = readLock(file);
      if (other && alive(other.pid))
        throw new StateDirInUseError(dir, other.pid, other.holder, other.since, file);
      // Stale (its process is gone) or unreadable: move it aside, and only drop it if what was moved
      // is still the stale lock read above — another starter may have taken over in between.
      const aside = `${file}.${mine.nonce}.stale`;
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (other === undefined || moved?.nonce === other.nonce) rmSync(aside, { force: true });
      else {
        try {
          linkSync(aside, file);
        } catch {
          // Someone else got in meanwhile; the next attempt reads whoever holds it now.
        }
        rmSync(aside, { force: true });
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  const lock: StateLock = {
    file,
    release() {
      if (!held.delete(lock)) return;
      if (readLock(file)?.nonce === mine.nonce) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      }
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // process.exit() without stop() (an error path) leaves no lock behind; kill -9 does, and the
    // next start takes that one over because its pid is gone.
    process.on("exit", () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}

/**
 * Runs `start` holding the lock of `<root>/<component>`: released when start fails, else handed to
 * `start` to release on stop.
 */
export async function withStateLock<T>(
  root: string,
  component: string | undefined,
  holder: string,
  start: (lock: StateLock) => Promise<T>,
): Promise<T> {
  const lock = lockStateDir(root, component, holder);
  try {
    return await start(lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}
