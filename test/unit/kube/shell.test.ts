import { test } from "node:test";
import assert from "node:assert/strict";
import type { ProbeOutcome } from "../../../emulators/kube/dataplane/connect.js";
import { Interrupt, Shell, ShellSession, type ShellEnv } from "../../../emulators/kube/runtime/shell.js";

/** A shell environment whose clock is driven by hand and whose network answers one fixed outcome. */
function env(outcome?: ProbeOutcome) {
  const timers: { seconds: number; fn: () => void }[] = [];
  const calls: string[][] = [];
  const e: ShellEnv = {
    hostname: "probe",
    tools: new Set(["wget", "nc"]),
    files: { "/etc/hostname": "probe\n" },
    network: (argv) => {
      calls.push(argv);
      return argv.length > 1 ? outcome : undefined;
    },
    after: (seconds, fn) => {
      const t = { seconds, fn };
      timers.push(t);
      return () => timers.splice(timers.indexOf(t), 1);
    },
  };
  const tick = () => {
    const all = timers.splice(0);
    for (const t of all) t.fn();
    return all.map((t) => t.seconds);
  };
  return { e, tick, calls, timers };
}

const page: ProbeOutcome = {
  exitCode: 0,
  output: [{ stream: "stdout", text: "<html>\nhello\n</html>\n" }],
  log: "<html>\nhello\n</html>\n",
  durationSeconds: 0.01,
};
const timedOut: ProbeOutcome = {
  exitCode: 1,
  output: [{ stream: "stderr", text: "wget: download timed out\n" }],
  log: "wget: download timed out\n",
  durationSeconds: 2,
};

async function settle(tick: () => number[]): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setImmediate(r));
    seen.push(...tick());
  }
  return seen;
}

async function runLine(shell: Shell, line: string, tick: () => number[]) {
  const out: [string, string][] = [];
  const done = shell.run(line, (s, t) => out.push([s, t]), new Interrupt());
  await settle(tick);
  const exit = await done;
  const text = (s: string) =>
    out
      .filter(([x]) => x === s)
      .map(([, t]) => t)
      .join("");
  return { stdout: text("stdout"), stderr: text("stderr"), exit, status: shell.status };
}

test("commands: $? expands when its command runs, unknown commands are not found (127), && and ||", async () => {
  const { e, tick } = env(page);
  const shell = new Shell(e);
  assert.deepEqual(await runLine(shell, "false; echo $?", tick), {
    stdout: "1\n",
    stderr: "",
    exit: undefined,
    status: 0,
  });
  const missing = await runLine(shell, "nslookup backend", tick);
  assert.deepEqual([missing.stderr, missing.status], ["sh: nslookup: not found\n", 127]);
  assert.equal((await runLine(shell, "true && echo yes || echo no", tick)).stdout, "yes\n");
  assert.equal((await runLine(shell, "false && echo yes || echo no", tick)).stdout, "no\n");
  assert.equal(
    (await runLine(shell, `echo "a  b" 'c $HOSTNAME' $HOSTNAME`, tick)).stdout,
    "a  b c $HOSTNAME probe\n",
  );
  assert.equal((await runLine(shell, "cd /tmp; pwd; cd ..; pwd", tick)).stdout, "/tmp\n/\n");
  assert.equal((await runLine(shell, "cat /etc/hostname", tick)).stdout, "probe\n");
  assert.equal(
    (await runLine(shell, "cat /nope", tick)).stderr,
    "cat: can't open '/nope': No such file or directory\n",
  );
  assert.equal((await runLine(shell, "echo a; exit 3; echo b", tick)).exit, 3);
  assert.match((await runLine(shell, "echo a &&", tick)).stderr, /^sh: syntax error/);
});

test("network tools take their emulated time, print to their streams, and pipe into head/grep/wc", async () => {
  const { e, tick, calls } = env(page);
  const shell = new Shell(e);
  const r = await runLine(shell, "wget -qO- --timeout=2 http://backend | head -n 2", tick);
  assert.deepEqual([r.stdout, r.status], ["<html>\nhello\n", 0]);
  assert.deepEqual(calls[0], ["wget", "-qO-", "--timeout=2", "http://backend"]);
  assert.equal((await runLine(shell, "wget -qO- http://backend | grep -c hello", tick)).stdout, "1\n");
  assert.equal((await runLine(shell, "wget -qO- http://backend | wc -l", tick)).stdout, "3\n");
  assert.equal((await runLine(shell, "wget -qO- http://backend >/dev/null; echo $?", tick)).stdout, "0\n");
  const usage = await runLine(shell, "wget", tick);
  assert.match(usage.stderr, /^BusyBox v1\.36\.1 .*\n\nUsage: wget/);
  assert.equal(usage.status, 1);

  const slow = env(timedOut);
  const s2 = new Shell(slow.e);
  const out: string[] = [];
  const done = s2.run("wget -qO- --timeout=2 http://backend 2>&1", (_, t) => out.push(t), new Interrupt());
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(out, [], "nothing is printed before the timeout");
  assert.deepEqual(slow.tick(), [2], "the shell waits the tool's 2 emulated seconds");
  await done;
  assert.deepEqual([out.join(""), s2.status], ["wget: download timed out\n", 1]);
});

test("an interactive session on a terminal: prompt, echo, backspace, Ctrl-C, Ctrl-D; without one: silent lines", async () => {
  const { e, tick } = env(timedOut);
  let screen = "";
  let exited: number | undefined;
  const session = new ShellSession(e, true, { write: (_, t) => (screen += t), exit: (c) => (exited = c) });
  assert.equal(screen, "/ # ");
  session.input("echo hellp\x7fo\r");
  await settle(tick);
  assert.equal(screen, "/ # echo hellp\b \bo\r\nhello\r\n/ # ");
  screen = "";
  session.input("wget -qO- --timeout=2 http://backend\r");
  await new Promise((r) => setImmediate(r));
  session.input("\x03");
  await settle(tick);
  assert.match(screen, /\^C\r\n\/ # $/, "Ctrl-C stops the running wget and prompts again");
  assert.doesNotMatch(screen, /timed out/);
  screen = "";
  session.input("\x04");
  assert.equal(exited, 130, "Ctrl-D on an empty line exits with the last status");
  assert.ok(session.done);

  const quiet = env(page);
  let out = "";
  let code: number | undefined;
  const plain = new ShellSession(quiet.e, false, { write: (_, t) => (out += t), exit: (c) => (code = c) });
  plain.input("echo one\nfalse\n");
  await settle(quiet.tick);
  plain.closeInput();
  await settle(quiet.tick);
  assert.deepEqual(
    [out, code],
    ["one\n", 1],
    "no prompt, no echo; the end of input exits with the last status",
  );
});
