// Starting `switchyard serve` for the node benchmarks: on a port the kernel picks, read back
// from --port-file once the gateway listens.

import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const STARTUP_POLLS = 300;
const POLL_MS = 50;

// Starts the gateway with `args` besides the listen address and port file (which go in
// `dir`); resolves to { child, port } once it listens, and kills it if it never does.
export async function startGateway(bin, args, dir) {
  const portFile = join(dir, "port");
  const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--port-file", portFile,
    "--log-level", "error", ...args], { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; i < STARTUP_POLLS; i += 1) {
    const text = await readFile(portFile, "utf8").catch(() => "");
    if (/^\d+\n$/.test(text)) {
      return { child, port: Number(text) };
    }
    await sleep(POLL_MS);
  }
  child.kill("SIGKILL");
  throw new Error("the gateway did not start");
}
