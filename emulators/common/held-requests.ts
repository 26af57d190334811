// Requests a `hold` fault rule keeps open until the test releases them (both emulators' fault
// injectors): a kill test fires while a request of the step it aims at is surely in flight.

/** A held request: `open` tells whether its client is still connected; `serve` lets it go on. */
export interface Held {
  open: () => boolean;
  serve: () => void;
}

/** The part of a fault rule that holding needs: how often it fired, its limit, what it holds. */
export interface HoldingRule {
  times?: number;
  fired: number;
  held: Held[];
}

/** The requests `rule` holds now whose clients are still connected (a kill test waits for them to go). */
export function stillHeld(rule: HoldingRule | undefined): { open: () => boolean }[] {
  return (rule?.held ?? []).filter((h) => h.open()).map(({ open }) => ({ open }));
}

/** Serves every request `rule` holds and retires it: it holds nothing more. */
export function releaseHeld(rule: HoldingRule | undefined): void {
  if (!rule) return;
  rule.times = rule.fired;
  for (const h of rule.held.splice(0)) h.serve();
}
