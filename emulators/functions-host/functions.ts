// The host's view of the app's registrations: which function has which trigger, validated at start-up.
import type { BindingInfo, FunctionMetadata } from "./worker/protocol.js";

export type FunctionKind = "http" | "orchestration" | "activity" | "entity";

const KINDS: Record<string, FunctionKind> = {
  httptrigger: "http",
  orchestrationtrigger: "orchestration",
  activitytrigger: "activity",
  entitytrigger: "entity",
};

export interface HostedFunction {
  name: string;
  kind: FunctionKind;
  metadata: FunctionMetadata;
  triggerName: string;
  trigger: BindingInfo;
  /** Names of the `durableClient` / `orchestrationClient` input bindings. */
  durableClientBindings: string[];
}

export class FunctionIndex {
  readonly all: ReadonlyMap<string, HostedFunction>;

  constructor(registrations: FunctionMetadata[]) {
    const all = new Map<string, HostedFunction>();
    for (const metadata of registrations) {
      const triggers = Object.entries(metadata.bindings).filter(([, b]) => /trigger$/i.test(b.type));
      if (triggers.length !== 1) {
        throw new Error(
          `Function '${metadata.name}' must have exactly one trigger binding, found ${triggers.length}.`,
        );
      }
      const [triggerName, trigger] = triggers[0]!;
      const kind = KINDS[trigger.type.toLowerCase()];
      if (!kind) {
        throw new Error(
          `Function '${metadata.name}' uses trigger type '${trigger.type}', which the local Functions host does not ` +
            `support (supported: httpTrigger, orchestrationTrigger, activityTrigger).`,
        );
      }
      const lower = metadata.name.toLowerCase();
      if ([...all.keys()].some((k) => k.toLowerCase() === lower)) {
        throw new Error(`Duplicate function name '${metadata.name}' (function names are case-insensitive).`);
      }
      const durableClientBindings = Object.entries(metadata.bindings)
        .filter(([, b]) => /^(durableClient|orchestrationClient)$/i.test(b.type) && b.direction !== "out")
        .map(([name]) => name);
      all.set(metadata.name, {
        name: metadata.name,
        kind,
        metadata,
        triggerName,
        trigger,
        durableClientBindings,
      });
    }
    this.all = all;
  }

  get(name: string, kind: FunctionKind): HostedFunction | undefined {
    const exact = this.all.get(name);
    if (exact) return exact.kind === kind ? exact : undefined;
    const lower = name.toLowerCase();
    for (const f of this.all.values()) if (f.kind === kind && f.name.toLowerCase() === lower) return f;
    return undefined;
  }

  ofKind(kind: FunctionKind): HostedFunction[] {
    return [...this.all.values()].filter((f) => f.kind === kind);
  }
}
