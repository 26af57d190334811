// The emulators' one clock: durations are emulated seconds × scale of wall time; the ARM and Kubernetes
// emulators read wall time, the Functions host emulated time; and the shared --time-scale flag.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command, type CommanderError } from "commander";
import { ManualClock, emulatedClock, wallClock, type Clock } from "../../../emulators/common/clock.js";
import { timeScaleOption } from "../../../emulators/common/time-scale-option.js";

/** `promise`, with the process kept alive meanwhile: the clock's timers do not hold it (a server does). */
async function alive<T>(promise: Promise<T>): Promise<T> {
  const keep = setInterval(() => undefined, 60_000);
  try {
    return await promise;
  } finally {
    clearInterval(keep);
  }
}

/** Resolves with the clock's reading when `at` fires. */
const firedAt = (clock: Clock, at: number) =>
  alive(new Promise<number>((r) => clock.schedule(at, () => r(clock.now()))));

describe("clock", () => {
  it("turns emulated seconds into wall milliseconds with the scale", () => {
    assert.equal(wallClock(0.01).toWallMs(360), 3600);
    assert.equal(emulatedClock(0.002).toWallMs(1800), 3600);
    assert.equal(wallClock(1).toWallMs(1.5), 1500);
  });

  it("refuses a scale that is not a positive number", () => {
    for (const bad of [0, -1, Number.NaN])
      assert.throws(() => wallClock(bad), /time scale must be a positive number/);
    assert.throws(() => emulatedClock(0), /time scale must be a positive number/);
  });

  it("on the wall timeline reads the wall clock whatever the scale", () => {
    const before = Date.now();
    const now = wallClock(0.001).now();
    assert.ok(now >= before && now <= Date.now());
  });

  it("on the emulated timeline runs 1/scale times as fast from its anchor", () => {
    const anchorReal = Date.now() - 1000;
    const clock = emulatedClock(0.01, { anchorReal, anchorEmulated: 5_000_000 });
    const elapsed = clock.now() - 5_000_000;
    // One wall second (plus the little this test took) is 100 emulated seconds.
    assert.ok(elapsed >= 100_000 && elapsed < 110_000, String(elapsed));
  });

  it("fires a scheduled instant no earlier than it is due, on either timeline", async () => {
    for (const clock of [emulatedClock(0.001), wallClock(0.001)]) {
      const at = clock.now() + 20;
      assert.ok((await firedAt(clock, at)) >= at);
    }
    const emulated = emulatedClock(0.001);
    const hour = emulated.now() + 3_600_000;
    const started = Date.now();
    assert.ok((await firedAt(emulated, hour)) >= hour);
    // An emulated hour at 0.001 is 3.6 wall seconds; it must not take the hour.
    assert.ok(Date.now() - started < 60_000);
  });

  it("cancels what it scheduled", async () => {
    const clock = wallClock(0.001);
    let cancelledRan = false;
    const cancel = clock.after(1, () => (cancelledRan = true));
    cancel();
    await alive(new Promise<void>((r) => clock.after(2, r)));
    assert.equal(cancelledRan, false);
  });

  it("sleeps for the scaled duration", async () => {
    const clock = wallClock(0.001);
    const started = Date.now();
    await clock.sleep(50);
    assert.ok(Date.now() - started >= 49);
    await clock.sleep(0);
  });

  it("a ManualClock moves only when advanced, running what fell due in time order", async () => {
    const clock = new ManualClock(0);
    const ran: string[] = [];
    clock.schedule(2000, () => ran.push("b"));
    clock.after(1, () => ran.push("a"));
    const cancel = clock.after(3, () => ran.push("never"));
    const slept = clock.sleep(10).then(() => ran.push("slept"));
    clock.advance(999);
    assert.deepEqual(ran, []);
    cancel();
    clock.advance(9001);
    await slept;
    assert.deepEqual(ran, ["a", "b", "slept"]);
    assert.equal(clock.now(), 10_000);
  });
});

describe("--time-scale", () => {
  const parse = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const saved = process.env["AKSV_TIME_SCALE"];
    if (env["AKSV_TIME_SCALE"] === undefined) delete process.env["AKSV_TIME_SCALE"];
    else process.env["AKSV_TIME_SCALE"] = env["AKSV_TIME_SCALE"];
    let stderr = "";
    try {
      const program = new Command()
        .exitOverride()
        .configureOutput({ writeErr: (s) => (stderr += s) })
        .addOption(timeScaleOption(0.02));
      return { value: program.parse(args, { from: "user" }).opts<{ timeScale: number }>().timeScale };
    } catch (e) {
      return { error: (e as CommanderError).message, stderr };
    } finally {
      if (saved === undefined) delete process.env["AKSV_TIME_SCALE"];
      else process.env["AKSV_TIME_SCALE"] = saved;
    }
  };

  it("takes the flag, else AKSV_TIME_SCALE, else the entry point's default", () => {
    assert.deepEqual(parse(["--time-scale", "0.5"], { AKSV_TIME_SCALE: "0.1" }), { value: 0.5 });
    assert.deepEqual(parse([], { AKSV_TIME_SCALE: "0.1" }), { value: 0.1 });
    assert.deepEqual(parse([]), { value: 0.02 });
  });

  it("stops on a bad value, naming the flag or the variable", () => {
    const flag = parse(["--time-scale", "0"]);
    assert.match(
      flag.error ?? "",
      /option '--time-scale <x>' argument '0' is invalid\. Expected a positive number/,
    );
    const env = parse([], { AKSV_TIME_SCALE: "fast" });
    assert.match(
      env.error ?? "",
      /value 'fast' from env 'AKSV_TIME_SCALE' is invalid\. Expected a positive number/,
    );
  });
});
