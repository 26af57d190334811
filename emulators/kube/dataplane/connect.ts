// What a probe container experiences: the name is resolved by cluster DNS (which itself needs
// egress to CoreDNS on UDP 53), a service is load-balanced to one ready endpoint, the
// NetworkPolicy decider allows or drops the connection, and a listening server answers.
import { podSpec, podStatus, isPodReady } from "../core/v1/pods.js";
import { serviceSpec, type EndpointSubset } from "../core/v1/services.js";
import type { KubeObject } from "../machinery/types.js";
import type { ProbeCommand } from "./probe.js";
import type { ClusterView, Peer, ReachabilityDecider } from "./reachability.js";

export interface NetworkState {
  namespaces: KubeObject[];
  pods: KubeObject[];
  services: KubeObject[];
  endpoints: KubeObject[];
  /** The policies the CNI has programmed (they lag the API by the propagation delay). */
  policies: KubeObject[];
  decider: ReachabilityDecider;
}

export interface OutputChunk {
  stream: "stdout" | "stderr";
  text: string;
}

export interface ProbeOutcome {
  exitCode: number;
  /** What the tool printed, in order (busybox prints its messages to stderr, the page to stdout). */
  output: OutputChunk[];
  /** Container log (stdout and stderr interleaved, as `kubectl logs` shows). */
  log: string;
  /** Emulated seconds the command ran. */
  durationSeconds: number;
  /** Log line for the server that answered (nginx access log), if any. */
  served?: { pod: KubeObject; line: string };
}

/** The kernel gives up on an unanswered SYN after about 127 s (6 retries). */
const CONNECT_TIMEOUT = 127;
const DNS_TIMEOUT = 10;

export const NGINX_INDEX = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

function view(state: NetworkState): ClusterView {
  return {
    namespaces: state.namespaces.map((n) => ({ name: n.metadata.name!, labels: n.metadata.labels ?? {} })),
    pods: state.pods.map((p) => ({
      namespace: p.metadata.namespace!,
      name: p.metadata.name!,
      labels: p.metadata.labels ?? {},
      ...(podStatus(p).podIP ? { ip: podStatus(p).podIP } : {}),
      ports: (podSpec(p).containers ?? []).flatMap((c) =>
        (c.ports ?? []).map((cp) => ({
          ...(cp.name ? { name: cp.name } : {}),
          port: cp.containerPort,
          protocol: (cp.protocol ?? "TCP") as "TCP",
        })),
      ),
    })),
    policies: state.policies.map((p) => ({
      metadata: { name: p.metadata.name!, namespace: p.metadata.namespace! },
      spec: p["spec"],
    })),
  };
}

const podRef = (p: KubeObject): Peer => ({ pod: `${p.metadata.namespace}/${p.metadata.name}` });

/** Ports a pod's containers listen on: nginx and httpd serve 80, others their declared ports. */
function listens(pod: KubeObject, port: number): boolean {
  return (podSpec(pod).containers ?? []).some(
    (c) =>
      (/(^|\/)(nginx|httpd)([:@]|$)/.test(c.image ?? "") && port === 80) ||
      (c.ports ?? []).some((p) => p.containerPort === port),
  );
}

interface Target {
  ip: string;
  pod?: KubeObject;
  /** No backend answers: a service without ready endpoints. */
  refused?: boolean;
}

function resolveName(host: string, from: KubeObject, state: NetworkState): KubeObject | undefined {
  const name = host.replace(/\.$/, "").toLowerCase();
  const ns = from.metadata.namespace!;
  const candidates = [
    name,
    `${name}.${ns}.svc.cluster.local`,
    `${name}.svc.cluster.local`,
    `${name}.cluster.local`,
  ];
  for (const fqdn of candidates) {
    const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(fqdn);
    if (!m) continue;
    const svc = state.services.find((s) => s.metadata.name === m[1] && s.metadata.namespace === m[2]);
    if (svc) return svc;
  }
  return undefined;
}

function backendFor(svc: KubeObject, port: number, state: NetworkState): { target: Target; port: number } {
  const spec = serviceSpec(svc);
  const ip = spec.clusterIP ?? "";
  const svcPort = (spec.ports ?? []).find((p) => p.port === port);
  if (!svcPort) return { target: { ip, refused: true }, port };
  const ep = state.endpoints.find(
    (e) => e.metadata.namespace === svc.metadata.namespace && e.metadata.name === svc.metadata.name,
  );
  for (const subset of (ep?.["subsets"] as EndpointSubset[] | undefined) ?? []) {
    const epPort = (subset.ports ?? []).find((p) => (svcPort.name ? p.name === svcPort.name : true));
    const address = subset.addresses?.[0];
    if (!epPort || !address) continue;
    const pod = state.pods.find((p) => p.metadata.uid === address.targetRef.uid);
    return { target: { ip: address.ip, ...(pod ? { pod } : {}) }, port: epPort.port };
  }
  return { target: { ip, refused: true }, port };
}

function dnsReachable(
  from: KubeObject,
  state: NetworkState,
  decide: (to: Peer, port: number, proto: "UDP") => boolean,
): boolean {
  const coredns = state.pods.filter(
    (p) =>
      p.metadata.namespace === "kube-system" &&
      p.metadata.labels?.["k8s-app"] === "kube-dns" &&
      isPodReady(p),
  );
  if (coredns.length === 0) return false;
  void from;
  return coredns.some((p) => decide(podRef(p), 53, "UDP"));
}

/** Runs one probe from `from` and returns what its container prints and how it exits. */
export function runProbe(
  from: KubeObject,
  probe: ProbeCommand,
  state: NetworkState,
  now: Date,
): ProbeOutcome {
  const compiled = state.decider.compile(view(state));
  const decide = (to: Peer, port: number, protocol: "TCP" | "UDP" = "TCP") =>
    compiled.evaluate({ from: podRef(from), to, port, protocol }).allowed;
  const fail = (exitCode: number, log: string, durationSeconds: number): ProbeOutcome =>
    finished(exitCode, [{ stream: "stderr", text: log }], durationSeconds);
  const limit = probe.timeoutSeconds;

  let target: Target;
  let port = probe.port;
  const literal = /^\d+\.\d+\.\d+\.\d+$/.test(probe.host);
  if (literal) {
    const svc = state.services.find((s) => serviceSpec(s).clusterIP === probe.host);
    if (svc) ({ target, port } = backendFor(svc, probe.port, state));
    else {
      const pod = state.pods.find((p) => podStatus(p).podIP === probe.host);
      target = { ip: probe.host, ...(pod ? { pod } : {}) };
    }
  } else {
    const svc = resolveName(probe.host, from, state);
    const dnsOk = dnsReachable(from, state, decide);
    if (!svc || !dnsOk) {
      const seconds = dnsOk ? 0.01 : Math.min(DNS_TIMEOUT, limit ?? DNS_TIMEOUT);
      if (probe.tool === "curl")
        return fail(6, probe.quiet ? "" : `curl: (6) Could not resolve host: ${probe.host}\n`, seconds);
      if (probe.tool === "nc") return fail(1, `nc: bad address '${probe.host}'\n`, seconds);
      return fail(1, `wget: bad address '${probe.host}'\n`, seconds);
    }
    ({ target, port } = backendFor(svc, probe.port, state));
  }
  const shownIp = literal
    ? probe.host
    : (serviceSpec(resolveName(probe.host, from, state)!).clusterIP ?? target.ip);
  const connecting =
    probe.tool === "wget" && probe.verbose
      ? `Connecting to ${probe.authority} (${literal ? probe.authority : `${shownIp}:${probe.port}`})\n`
      : "";

  const reachable = !target.refused && target.pod !== undefined && podStatus(target.pod).phase === "Running";
  const allowed = reachable && decide(podRef(target.pod!), port);
  if (target.refused || (allowed && !listens(target.pod!, port))) {
    if (probe.tool === "curl")
      return fail(
        7,
        probe.quiet
          ? ""
          : `curl: (7) Failed to connect to ${probe.host} port ${probe.port} after 1 ms: Couldn't connect to server\n`,
        0.01,
      );
    if (probe.tool === "nc")
      return fail(
        1,
        probe.verbose ? `nc: ${probe.host} (${shownIp}:${probe.port}): Connection refused\n` : "",
        0.01,
      );
    return fail(
      1,
      `${connecting}wget: can't connect to remote host (${shownIp}): Connection refused\n`,
      0.01,
    );
  }
  if (!allowed) {
    const seconds = limit ?? CONNECT_TIMEOUT;
    if (probe.tool === "curl")
      return fail(
        28,
        probe.quiet
          ? ""
          : `curl: (28) Connection timed out after ${Math.round(seconds * 1000)} milliseconds\n`,
        seconds,
      );
    if (probe.tool === "nc")
      return fail(
        1,
        probe.verbose ? `nc: ${probe.host} (${shownIp}:${probe.port}): Operation timed out\n` : "",
        seconds,
      );
    return fail(
      1,
      limit !== undefined
        ? `${connecting}wget: download timed out\n`
        : `${connecting}wget: can't connect to remote host (${shownIp}): Connection timed out\n`,
      seconds,
    );
  }
  if (probe.tool === "nc")
    return fail(0, probe.verbose ? `${probe.host} (${shownIp}:${probe.port}) open\n` : "", 0.01);
  if (probe.scheme === "https") {
    if (probe.tool === "curl")
      return fail(
        35,
        probe.quiet ? "" : "curl: (35) OpenSSL/3.3.2: error:0A00010B:SSL routines::wrong version number\n",
        0.01,
      );
    return fail(1, `${connecting}wget: error getting response: Connection reset by peer\n`, 0.01);
  }
  const found = probe.path === "/" || probe.path === "/index.html";
  const status = found ? 200 : 404;
  const body = found
    ? NGINX_INDEX
    : `<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n`;
  const agent = probe.tool === "wget" ? "Wget" : "curl/8.11.1";
  const stamp = now.toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, "$1/$2/$3:$4 +0000");
  const served = {
    pod: target.pod!,
    line: `${podStatus(from).podIP ?? "-"} - - [${stamp}] "GET ${probe.path} HTTP/1.1" ${status} ${Buffer.byteLength(body)} "-" "${agent}" "-"\n`,
  };
  if (!found && probe.failOnHttpError) {
    if (probe.tool === "curl")
      return {
        ...fail(22, probe.quiet ? "" : "curl: (22) The requested URL returned error: 404\n", 0.01),
        served,
      };
    return { ...fail(1, `${connecting}wget: server returned error: HTTP/1.1 404 Not Found\n`, 0.01), served };
  }
  const chunks: OutputChunk[] = [];
  const say = (text: string) => chunks.push({ stream: "stderr", text });
  if (probe.tool === "curl") {
    if (probe.outputFile === "-") chunks.push({ stream: "stdout", text: body });
    return { ...finished(0, chunks, 0.01), served };
  }
  const toStdout = probe.outputFile === "-";
  const size = Buffer.byteLength(body);
  if (probe.verbose) say(connecting);
  if (probe.spider) {
    if (probe.verbose) say("remote file exists\n");
    return { ...finished(0, chunks, 0.01), served };
  }
  if (probe.verbose) say(toStdout ? "writing to stdout\n" : `saving to '${probe.outputFile}'\n`);
  if (toStdout) chunks.push({ stream: "stdout", text: body });
  if (probe.verbose)
    say(
      `${(toStdout ? "-" : probe.outputFile).padEnd(20)} 100% |********************************|   ${size}  0:00:00 ETA\n` +
        (toStdout ? "written to stdout\n" : `'${probe.outputFile}' saved\n`),
    );
  return { ...finished(0, chunks, 0.01), served };
}

function finished(exitCode: number, chunks: OutputChunk[], durationSeconds: number): ProbeOutcome {
  const output = chunks.filter((c) => c.text !== "");
  return { exitCode, output, log: output.map((c) => c.text).join(""), durationSeconds };
}
