// kwok-style lifecycle: a kind's behaviour over time is a list of declarative stages (which
// objects it applies to, how long it takes in emulated seconds, what it changes), driven by one
// clock. The engine arms at most one timer per object and re-checks the stage when it fires.
import type { Clock } from "../../common/clock.js";
import type { KubeObject } from "../machinery/types.js";

export interface Stage {
  name: string;
  /** Whether this stage applies to the object as it is now. */
  when(obj: KubeObject): boolean;
  /** Emulated seconds until the stage completes. */
  delaySeconds(obj: KubeObject): number;
  /** Performs the transition (writes through the store). */
  next(obj: KubeObject): void;
}

export class StageEngine {
  private readonly timers = new Map<string, { stage: string; cancel: () => void }>();

  constructor(
    private readonly stages: readonly Stage[],
    private readonly clock: Clock,
    private readonly current: (obj: KubeObject) => KubeObject | undefined,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Called with every new version of an object (and for each object after a restart). */
  observe(obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    const stage = this.stages.find((s) => s.when(obj));
    const armed = this.timers.get(uid);
    if (armed && armed.stage === stage?.name) return;
    armed?.cancel();
    this.timers.delete(uid);
    if (!stage) return;
    const cancel = this.clock.after(stage.delaySeconds(obj), () => {
      this.timers.delete(uid);
      const now = this.current(obj);
      if (!now || now.metadata.uid !== uid || !stage.when(now)) return;
      try {
        stage.next(now);
      } catch (err) {
        this.onError(err);
      }
    });
    this.timers.set(uid, { stage: stage.name, cancel });
  }

  forget(uid: string): void {
    this.timers.get(uid)?.cancel();
    this.timers.delete(uid);
  }

  stop(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}
