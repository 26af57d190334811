// Drives an orchestrator generator step by step, as the replay engine would on a first run: each
// yielded task is answered by the test (a value, or an error as the engine throws when an
// activity's retries run out), timers advance a fake clock. Only the orchestration context is
// stood in for; no SDK is.
import type { OrchestrationContext } from "durable-functions";

export type Scheduled =
  | {
      kind: "activity";
      name: string;
      /** The activity's input, without the ARM priority its call carries (`armPriority`). */
      input: unknown;
      /** The `armPriority` the call carried (orchestrations/durable.ts), if any. */
      armPriority?: number;
      /** Whether the call carried `armSlack` (it never waits behind a throttled bucket). */
      armSlack?: boolean;
      retry: { firstRetryIntervalInMilliseconds: number; maxNumberOfAttempts: number };
    }
  | { kind: "sub"; name: string; input: unknown }
  | { kind: "timer"; fireAt: Date; at: Date };

interface FakeTask {
  kind: "activity" | "sub" | "timer" | "all";
  scheduled?: Scheduled;
  children?: FakeTask[];
  isCompleted: boolean;
  isFaulted: boolean;
  /** How it ended (a task yielded again after it ended answers the same at once, as the engine does). */
  outcome?: { value: unknown } | { error: Error };
}

export type Call = Exclude<Scheduled, { kind: "timer" }>;

/** The input of an activity or sub-orchestration call (undefined for a timer). */
export function inputOf<T>(s: Scheduled | undefined): T {
  return (s && s.kind !== "timer" ? s.input : undefined) as T;
}

/** An answer: a value, or `{ throw: message }` for a task that failed after its retries. */
export type Answer = unknown | { throw: string };

function isThrow(a: unknown): a is { throw: string } {
  return typeof a === "object" && a !== null && "throw" in a;
}

export interface Run<T> {
  output: T;
  log: Scheduled[];
  statuses: unknown[];
  now: Date;
}

export function drive<T>(
  orchestrator: (ctx: OrchestrationContext) => Generator<unknown, T, unknown>,
  input: unknown,
  answer: (s: Scheduled) => Answer,
  options: {
    instanceId?: string;
    start?: Date;
    maxSteps?: number;
    /** Seconds a call takes: the clock moves on by that much when it ends (none: at once). */
    takes?: (s: Call) => number;
  } = {},
): Run<T> {
  let now = options.start ?? new Date("2026-01-01T00:00:00Z");
  const log: Scheduled[] = [];
  const statuses: unknown[] = [];
  const task = (kind: FakeTask["kind"], scheduled?: Scheduled, children?: FakeTask[]): FakeTask => ({
    kind,
    ...(scheduled ? { scheduled } : {}),
    ...(children ? { children } : {}),
    isCompleted: false,
    isFaulted: false,
  });
  const df = {
    instanceId: options.instanceId ?? "aksv-test-0000",
    get currentUtcDateTime() {
      return now;
    },
    getInput: () => structuredClone(input),
    setCustomStatus: (s: unknown) => statuses.push(structuredClone(s)),
    callActivityWithRetry: (
      name: string,
      retry: { firstRetryIntervalInMilliseconds: number; maxNumberOfAttempts: number },
      i: unknown,
    ) => {
      const { armPriority, armSlack, ...rest } = structuredClone(i) as {
        armPriority?: number;
        armSlack?: boolean;
      };
      const input = typeof i === "object" && i !== null && !Array.isArray(i) ? rest : structuredClone(i);
      return task("activity", {
        kind: "activity",
        name,
        input,
        ...(armPriority !== undefined ? { armPriority } : {}),
        ...(armSlack !== undefined ? { armSlack } : {}),
        retry,
      });
    },
    callActivity: (name: string, i: unknown) =>
      task("activity", {
        kind: "activity",
        name,
        input: structuredClone(i),
        retry: { firstRetryIntervalInMilliseconds: 0, maxNumberOfAttempts: 1 },
      }),
    callSubOrchestrator: (name: string, i: unknown) =>
      task("sub", { kind: "sub", name, input: structuredClone(i) }),
    createTimer: (fireAt: Date) => task("timer", { kind: "timer", fireAt, at: now }),
    Task: { all: (children: FakeTask[]) => task("all", undefined, children) },
  };
  const ctx = { df } as unknown as OrchestrationContext;

  const settle = (t: FakeTask): { value: unknown } | { error: Error } => {
    if (t.kind === "all") {
      const values: unknown[] = [];
      for (const c of t.children ?? []) {
        const r = settle(c);
        if ("error" in r) return r;
        values.push(r.value);
      }
      return { value: values };
    }
    if (t.outcome) return t.outcome;
    t.outcome = settleOnce(t);
    return t.outcome;
  };

  const settleOnce = (t: FakeTask): { value: unknown } | { error: Error } => {
    const s = t.scheduled!;
    log.push(s);
    t.isCompleted = true;
    if (s.kind === "timer") {
      if (s.fireAt.getTime() > now.getTime()) now = s.fireAt;
      return { value: undefined };
    }
    const a = answer(s);
    now = new Date(now.getTime() + (options.takes?.(s) ?? 0) * 1000);
    if (isThrow(a)) {
      t.isFaulted = true;
      return { error: new Error(a.throw) };
    }
    return { value: structuredClone(a) };
  };

  const gen = orchestrator(ctx);
  let step = gen.next();
  for (let i = 0; !step.done; i++) {
    if (i > (options.maxSteps ?? 1000)) throw new Error("orchestrator did not finish");
    const r = settle(step.value as FakeTask);
    step = "error" in r ? gen.throw(r.error) : gen.next(r.value);
  }
  return { output: step.value, log, statuses, now };
}

export function activities(log: Scheduled[]): string[] {
  return log.filter((s) => s.kind !== "timer").map((s) => (s.kind === "sub" ? `sub:${s.name}` : s.name));
}

/**
 * Answers each call from a table by its name ("sub:<name>" for a sub-orchestration), with how many
 * times that name was called (1 for the first); timers need no answer. An unknown name fails the test.
 */
export function answering(table: Record<string, (s: Call, n: number) => Answer>): (s: Scheduled) => Answer {
  const counts = new Map<string, number>();
  return (s) => {
    if (s.kind === "timer") return undefined;
    const key = s.kind === "sub" ? `sub:${s.name}` : s.name;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const f = table[key];
    if (!f) throw new Error(`unexpected ${key}`);
    return f(s, n);
  };
}
