// Child processes for the end-to-end tests: start a binary named by an environment variable,
// wait for the port it writes, stop it with SIGTERM (SIGKILL after a bound). Output is kept
// for failure messages.

import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import assert from "node:assert/strict";

export const STARTUP_TIMEOUT_MS = 15_000;
export const EXIT_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 50;
// How much of a child's output to keep for failure messages.
const MAX_LOG_CHARS = 64 * 1024;

export // A started child process. Its stderr, and its stdout unless the caller reads that itself, are
// kept for failure messages. `exited` resolves once it is gone, also when it never started.
function startProcess(label, binVariable, args, env, { keepStdout = true } = {}) {
  const bin = process.env[binVariable];
  assert.ok(bin, `${label}: set ${binVariable} to the path of its binary`);
  const child = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const proc = { label, child, log: "", exit: null };
  proc.keep = (text) => {
    proc.log = (proc.log + text).slice(-MAX_LOG_CHARS);
  };
  child.stderr.on("data", (data) => proc.keep(data.toString()));
  if (keepStdout) {
    child.stdout.on("data", (data) => proc.keep(data.toString()));
  }
  proc.exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
    child.on("error", (err) => {
      proc.keep(`\n${err.message}`);
      if (child.pid === undefined) {
        resolve({ code: null, signal: null, error: err.message });
      }
    });
  }).then((exit) => {
    proc.exit = exit;
    return exit;
  });
  return proc;
}

export function describeFailure(proc, what) {
  const status = proc.exit ? ` (exited: ${JSON.stringify(proc.exit)})` : "";
  return `${proc.label}: ${what}${status}\n--- ${proc.label} output ---\n${proc.log}`;
}

export // Polls the port file until it holds a port number followed by a newline.
async function waitForPortFile(proc, path) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exit) {
      throw new Error(describeFailure(proc, "exited before writing its port file"));
    }
    const text = await readFile(path, "utf8").catch(() => "");
    const match = /^(\d+)\n$/.exec(text);
    if (match) {
      return Number(match[1]);
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(describeFailure(proc, `no port in ${path} within 15 s`));
}

export // Sends SIGTERM and waits for the exit; SIGKILL if it does not come in time.
async function stopProcess(proc) {
  if (!proc.exit) {
    proc.child.kill("SIGTERM");
  }
  // Unreferenced, so a pending timer never holds the runner open once the child is gone.
  const timedOut = sleep(EXIT_TIMEOUT_MS, null, { ref: false });
  const exit = await Promise.race([proc.exited, timedOut]);
  if (exit === null) {
    proc.child.kill("SIGKILL");
    await proc.exited;
    throw new Error(describeFailure(proc, "did not exit within 20 s of SIGTERM"));
  }
  return exit;
}

