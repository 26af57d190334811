// The Table service's own process (see table-service.ts): started by the Azure emulator, it runs
// Azurite's TableServer, says where it listens, and saves and exits when told to stop or when the
// emulator goes away (IPC disconnect: stopped, or killed with -9).
import {
  serveTableService,
  type FromTableProcess,
  type TableService,
  type ToTableProcess,
} from "./table-service.js";

// Azurite writes its database with the process umask: private, as every state file.
process.umask(0o077);
let service: TableService | undefined;
const post = (m: FromTableProcess) => process.send?.(m);

async function stop(): Promise<void> {
  await service?.stop();
  process.exit(0);
}

process.on("disconnect", () => void stop());
process.on("message", (m: ToTableProcess) => {
  if (m.kind === "stop") void stop();
  else
    serveTableService(m.options).then(
      (s) => {
        service = s;
        post({ kind: "started", url: s.url });
      },
      (err: unknown) => {
        post({ kind: "failed", message: (err as Error).message });
        process.exit(1);
      },
    );
});
