// Host log: one line per invocation plus app and system messages, filtered by a level switch.
// Never pass secrets here: keys, tokens and request bodies are not logged.

export const LOG_LEVELS = ["trace", "debug", "information", "warning", "error", "critical", "none"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ALIASES: Record<string, LogLevel> = { info: "information", warn: "warning", off: "none" };

export function parseLogLevel(value: string | undefined, fallback: LogLevel = "information"): LogLevel {
  if (!value) return fallback;
  const lower = value.toLowerCase();
  const level = ALIASES[lower] ?? LOG_LEVELS.find((l) => l === lower);
  if (!level) throw new Error(`Unknown log level '${value}' (use one of ${LOG_LEVELS.join(", ")})`);
  return level;
}

export interface Logger {
  readonly level: LogLevel;
  log(level: LogLevel, message: string): void;
  enabled(level: LogLevel): boolean;
}

export function createLogger(level: LogLevel, write: (line: string) => void = defaultWrite): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel): boolean => l !== "none" && LOG_LEVELS.indexOf(l) >= threshold;
  return {
    level,
    enabled,
    log(l, message) {
      if (enabled(l)) write(`[${new Date().toISOString()}] ${message}`);
    },
  };
}

function defaultWrite(line: string): void {
  process.stdout.write(line + "\n");
}
