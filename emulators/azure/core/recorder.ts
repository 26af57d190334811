// Every ARM request the emulator served, so tests and benchmarks can count calls
// (GET /_emulator/requests).
import type { OperationKind } from "./router.js";

export interface RecordedRequest {
  seq: number;
  time: string;
  method: string;
  path: string;
  apiVersion: string;
  operation: OperationKind;
  resourceType?: string;
  status: number;
  /** "throttle" | "error" | "drop" when the answer was an injected fault. */
  fault?: string;
  durationMs: number;
  clientRequestId?: string;
  /** The JSON body answered, kept only while `keepBodies` is on (spec-conformance tests). */
  responseBody?: unknown;
}

export interface RequestFilter {
  method?: string;
  /** Case-insensitive substring of the path. */
  path?: string;
  resourceType?: string;
  status?: number;
  sinceSeq?: number;
}

const MAX_KEPT = 20_000;

export class RequestRecorder {
  private entries: RecordedRequest[] = [];
  private seq = 0;
  /** Keep each answer's body (off by default: bodies would hold kubeconfigs and grow the log). */
  keepBodies = false;

  record(entry: Omit<RecordedRequest, "seq">): void {
    const { responseBody, ...rest } = entry;
    this.entries.push({ seq: ++this.seq, ...rest, ...(this.keepBodies ? { responseBody } : {}) });
    if (this.entries.length > MAX_KEPT) this.entries.splice(0, this.entries.length - MAX_KEPT);
  }

  query(filter: RequestFilter = {}): RecordedRequest[] {
    const path = filter.path?.toLowerCase();
    const type = filter.resourceType?.toLowerCase();
    return this.entries.filter(
      (e) =>
        (!filter.method || e.method === filter.method.toUpperCase()) &&
        (!path || e.path.toLowerCase().includes(path)) &&
        (!type || e.resourceType?.toLowerCase() === type) &&
        (filter.status === undefined || e.status === filter.status) &&
        (filter.sinceSeq === undefined || e.seq > filter.sinceSeq),
    );
  }

  clear(): void {
    this.entries = [];
  }
}
