// The one parser of the time scale: AKSV_TIME_SCALE for the app and the emulators, every --time-scale.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../../shared/config/index.js";
import {
  TimeScaleError,
  checkTimeScale,
  parseTimeScale,
  timeScaleFromEnv,
} from "../../../shared/config/time-scale.js";

describe("time scale", () => {
  it("reads positive decimal numbers", () => {
    for (const [raw, value] of [
      ["1", 1],
      ["0.01", 0.01],
      [" 0.5 ", 0.5],
      [".25", 0.25],
      ["2.", 2],
      ["1e-3", 0.001],
      ["+3", 3],
    ] as const)
      assert.equal(parseTimeScale(raw, "--time-scale"), value, raw);
  });

  it("refuses anything else with one message naming the setting and the value", () => {
    for (const raw of ["", " ", "0", "0.0", "-1", "abc", "0x10", "Infinity", "NaN", "1,5", "1e999"]) {
      assert.throws(
        () => parseTimeScale(raw, "--time-scale"),
        (e: unknown) =>
          e instanceof TimeScaleError &&
          e.setting === "--time-scale" &&
          e.message ===
            `--time-scale must be a positive number of wall seconds per emulated second (1 = real time, 0.01 = 100 times faster), got "${raw}"`,
        raw,
      );
    }
  });

  it("checks numbers given in code the same way", () => {
    assert.equal(checkTimeScale(0.02, "timeScale"), 0.02);
    for (const bad of [0, -0.5, Number.NaN, Number.POSITIVE_INFINITY])
      assert.throws(() => checkTimeScale(bad, "timeScale"), /^TimeScaleError: timeScale must be a positive/);
  });

  it("takes AKSV_TIME_SCALE from the environment, the fallback when unset or empty", () => {
    assert.equal(timeScaleFromEnv({}), 1);
    assert.equal(timeScaleFromEnv({}, 0.02), 0.02);
    assert.equal(timeScaleFromEnv({ AKSV_TIME_SCALE: "" }, 0.5), 0.5);
    assert.equal(timeScaleFromEnv({ AKSV_TIME_SCALE: "0.01" }, 0.5), 0.01);
    assert.throws(
      () => timeScaleFromEnv({ AKSV_TIME_SCALE: "fast" }),
      /^TimeScaleError: AKSV_TIME_SCALE must be/,
    );
  });

  it("is what the app's configuration scales its waits by, and a bad value stops it", () => {
    const real = loadConfig({}).timing;
    const fast = loadConfig({ AKSV_TIME_SCALE: "0.01" }).timing;
    assert.equal(JSON.stringify(fast), JSON.stringify(loadConfig({ AKSV_TIME_SCALE: " 0.01" }).timing));
    assert.notEqual(JSON.stringify(fast), JSON.stringify(real));
    assert.throws(() => loadConfig({ AKSV_TIME_SCALE: "0" }), /AKSV_TIME_SCALE must be a positive number/);
  });
});
