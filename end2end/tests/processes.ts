// The processes a test starts for itself, in a fresh folder: each in a process group of its
// own with its output in a file there, awaited by polling a URL, and stopped together by
// `stop()`, which removes the folder too.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One process started here, its output going to a file in the folder. */
export class Started {
  constructor(readonly name: string, readonly child: ChildProcess, readonly log: string) {}

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Its own process group, so that nginx's worker goes with its master. */
  signal(signal: NodeJS.Signals) {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }

  async stop() {
    this.signal('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (this.running && Date.now() < deadline) await sleep(50);
    if (this.running) {
      this.signal('SIGKILL');
      while (this.running) await sleep(50);
    }
  }

  tail() {
    return tail(this.log, `${this.name} (${this.log})`);
  }
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class Processes {
  readonly dir: string;
  private readonly started: Started[] = [];
  private readonly killOnExit = () => this.started.forEach((p) => p.signal('SIGKILL'));

  /**
   * A fresh folder named from `prefix`. Every URL awaited must answer within `startDeadlineMs`;
   * every process gets PATH and `env`, and nothing else of this one's environment.
   */
  constructor(
    prefix: string,
    private readonly startDeadlineMs: number,
    private readonly env: Record<string, string> = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    // nginx's worker runs as nobody and must reach the temp paths its master makes in here.
    chmodSync(this.dir, 0o755);
    // A last resort should the worker end without afterAll: no process outlives the run.
    process.once('exit', this.killOnExit);
  }

  spawn(name: string, command: string, args: string[], cwd: string, env: Record<string, string>) {
    const log = join(this.dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...this.env, ...env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    const started = new Started(name, child, log);
    this.started.push(started);
    return started;
  }

  /** nginx in the foreground on `config`, its error log kept in the folder for `logs()`. */
  nginx(config: string) {
    const { dir } = this;
    writeFileSync(join(dir, 'nginx.conf'), config);
    return this.spawn('nginx', '/usr/sbin/nginx', [
      '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;',
    ], dir, {});
  }

  /** Polls `url` until it answers 200 (and `accept` agrees), failing early if a watched process dies. */
  async waitFor(url: string, watched: Started[], accept: (reply: Reply) => boolean = () => true) {
    const deadline = Date.now() + this.startDeadlineMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      const dead = watched.find((p) => !p.running);
      if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) before ${url} answered`);
      try {
        const reply = await request(new URL(url));
        if (reply.status === 200 && accept(reply)) return;
        last = `${reply.status} ${reply.body.slice(0, 300)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`${url} did not become ready within ${this.startDeadlineMs / 1000} s (last: ${last})`);
  }

  /** Stops everything started here, newest first, and removes the folder. */
  async stop() {
    for (const started of [...this.started].reverse()) await started.stop();
    process.off('exit', this.killOnExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The end of every log written here, nginx's error log included. */
  logs() {
    const nginxErrors = tail(join(this.dir, 'error.log'), 'nginx error.log');
    return [...this.started.map((p) => p.tail()), nginxErrors].filter(Boolean).join('\n');
  }
}

interface Outgoing {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  localAddress?: string;
}

/**
 * One request to 127.0.0.1 (never anywhere else) on a connection of its own, with `url`'s path
 * and Host. An https URL is asked with its host name as SNI, accepting a self-signed certificate.
 */
export function request(url: URL, { method = 'GET', headers = {}, body, localAddress }: Outgoing = {}): Promise<Reply> {
  if (localAddress !== undefined && !localAddress.startsWith('127.')) {
    throw new Error(`only loopback source addresses are used, not ${localAddress}`);
  }
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    host: '127.0.0.1',
    port: Number(url.port),
    path: url.pathname + url.search,
    method,
    localAddress,
    headers: { ...headers, host: url.host },
    agent: false,
    timeout: 10_000,
    ...(secure ? { servername: url.hostname, rejectUnauthorized: false } : {}),
  };
  return new Promise((resolvePromise, reject) => {
    const outgoing = (secure ? https : http).request(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolvePromise({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${url} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function tail(file: string, title: string, lines = 40) {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `--- ${title} ---\n${text}`;
}

function sleep(ms: number) {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}
