// The `--time-scale` flag every emulator entry point takes: AKSV_TIME_SCALE when the flag is absent,
// then `fallback`; validated by the one parser in shared/config/time-scale.ts, so a bad value from
// either source stops the program with commander's message naming the flag or the variable.
import { InvalidArgumentError, Option } from "commander";
import { parseTimeScale, TIME_SCALE_EXPECTED, TIME_SCALE_SETTING } from "../../shared/config/time-scale.js";

export function timeScaleOption(fallback: number): Option {
  return new Option("--time-scale <x>", "wall seconds per emulated second (0.01 = 100 times faster)")
    .env(TIME_SCALE_SETTING)
    .default(fallback)
    .argParser((raw: string) => {
      try {
        return parseTimeScale(raw, "--time-scale");
      } catch {
        throw new InvalidArgumentError(`Expected ${TIME_SCALE_EXPECTED}.`);
      }
    });
}
