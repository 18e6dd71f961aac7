// Two server instances on one PostgreSQL database behind a real nginx, with a demo provider of
// their own, for two-instances.spec.ts. Everything listens on loopback ports that
// playwright.config.ts does not use, and everything started here is stopped by `stop()`.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const end2end = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(end2end, '..');

export const proxyPort = 3200;
export const idpPort = 9430;
export const proxyUrl = `http://localhost:${proxyPort}`;
export const idpUrl = `http://127.0.0.1:${idpPort}`;
/** The request header the test nginx routes by: `a` or `b` pins a request to that instance. */
export const pinHeader = 'x-pin-instance';
export type Pin = 'a' | 'b';
/** Each instance as nginx names it in X-Upstream ($upstream_addr). */
export const instances: Record<Pin, string> = { a: '127.0.0.1:3201', b: '127.0.0.1:3202' };
/** Sign-in calls each visitor may make at once, per instance. */
export const signInBurst = 3;

const clientSecret = 'two-instances-secret';
const startDeadlineMs = 60_000;

/** One process started here, its output going to a file in the cluster's folder. */
class Started {
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

  tail(lines = 40) {
    if (!existsSync(this.log)) return '';
    const text = readFileSync(this.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `--- ${this.name} (${this.log}) ---\n${text}`;
  }
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class Cluster {
  private readonly processes: Started[] = [];
  private database?: { admin: string; name: string };
  private readonly killOnExit = () => this.processes.forEach((p) => p.signal('SIGKILL'));

  private constructor(readonly dir: string) {
    // A last resort should the worker end without afterAll: no process outlives the run.
    process.once('exit', this.killOnExit);
  }

  /** Starts the provider, a fresh database, both instances and nginx, each awaited by URL. */
  static async start(): Promise<Cluster> {
    const admin = process.env.TEST_POSTGRES_URL;
    if (!admin) {
      throw new Error(
        'TEST_POSTGRES_URL is not set: this test needs a PostgreSQL cluster. Run it as\n' +
          '  cd end2end && ../scripts/throwaway-postgres.sh npx playwright test tests/two-instances.spec.ts',
      );
    }
    for (const file of ['target/release/server', 'target/site']) {
      if (!existsSync(join(repo, file))) throw new Error(`${file} is missing: build the release server first`);
    }
    for (const port of [proxyPort, idpPort, ...Object.values(instances).map(portOf)]) {
      if (await isListening(port)) throw new Error(`port ${port} is already in use; is an earlier run still alive?`);
    }

    const cluster = new Cluster(mkdtempSync(join(tmpdir(), 'two-instances-')));
    try {
      await cluster.boot(admin);
      return cluster;
    } catch (error) {
      const logs = cluster.logs();
      await cluster.stop();
      throw new Error(`${(error as Error).message}\n${logs}`);
    }
  }

  private async boot(admin: string) {
    // nginx's worker runs as nobody and must reach the temp paths the master makes in here.
    chmodSync(this.dir, 0o755);

    const idp = this.spawn('demo-idp', process.execPath, ['idp/demo-idp.mjs'], end2end, {
      IDP_PORT: String(idpPort),
      APP_URL: proxyUrl,
      IDP_CLIENT_SECRET: clientSecret,
    });
    await this.waitFor(`${idpUrl}/.well-known/openid-configuration`, [idp]);

    const name = `two_instances_${randomBytes(6).toString('hex')}`;
    execFileSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
    this.database = { admin, name };
    const databaseUrl = new URL(admin);
    databaseUrl.pathname = `/${name}`;

    const authConfig = join(this.dir, 'auth.toml');
    writeFileSync(
      authConfig,
      [
        '[[provider]]',
        'id = "demo"',
        'name = "Demo ID"',
        `issuer = "${idpUrl}"`,
        'client_id = "demo-client"',
        `client_secret = "${clientSecret}"`,
        '',
      ].join('\n'),
    );

    // Both at once, as a deployment would start them: they migrate the same empty database.
    const servers = (Object.keys(instances) as Pin[]).map((pin) =>
      this.spawn(`instance-${pin}`, join(repo, 'target/release/server'), [], repo, {
        LEPTOS_SITE_ADDR: instances[pin],
        LEPTOS_SITE_ROOT: 'target/site',
        APP_URL: proxyUrl,
        AUTH_CONFIG: authConfig,
        DATABASE_URL: databaseUrl.toString(),
        // Every instance seals and opens provider tokens with the same keys.
        TOKEN_KEYS: 'e2e-cluster:nhmCyDA2oibTKq427WGFblebc36JCfSIlUr7qHVTLUs=',
        // nginx connects from 127.0.0.1; the visitor is what it appends to X-Forwarded-For.
        TRUSTED_PROXIES: '127.0.0.1',
        SIGN_IN_RATE_BURST: String(signInBurst),
        // No refill within a run, so "exactly the burst, then 429" does not depend on timing.
        SIGN_IN_RATE_REFILL_SECS: '3600',
        SHUTDOWN_GRACE_SECS: '2',
        RUST_LOG: 'info,sqlx=warn',
      }),
    );
    for (const pin of Object.keys(instances) as Pin[]) {
      const base = `http://${instances[pin]}`;
      await this.waitFor(`${base}/healthz`, servers);
      // Ready to sign people in: the database answers and the provider's discovery is done.
      await this.waitFor(`${base}/readyz`, servers, (reply) => {
        const report = JSON.parse(reply.body) as { ready: boolean; providers: Array<{ status: string }> };
        return report.ready && report.providers.every((p) => p.status === 'ready');
      });
    }

    writeFileSync(join(this.dir, 'nginx.conf'), nginxConfig(this.dir));
    const nginx = this.spawn(
      'nginx',
      '/usr/sbin/nginx',
      ['-p', this.dir, '-e', join(this.dir, 'error.log'), '-c', join(this.dir, 'nginx.conf'), '-g', 'daemon off;'],
      this.dir,
      {},
    );
    await this.waitFor(`http://127.0.0.1:${proxyPort}/healthz`, [nginx, ...servers]);
  }

  /** Stops everything started here, newest first, and removes the database and the folder. */
  async stop() {
    for (const started of [...this.processes].reverse()) await started.stop();
    process.off('exit', this.killOnExit);
    if (this.database) {
      const { admin, name } = this.database;
      try {
        execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'pipe' });
      } catch {
        // The throwaway cluster goes away with the run anyway.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The end of every log written here, nginx's error log included. */
  logs() {
    const nginxErrors = join(this.dir, 'error.log');
    const extra = existsSync(nginxErrors)
      ? `--- nginx error.log ---\n${readFileSync(nginxErrors, 'utf8').trimEnd().split('\n').slice(-40).join('\n')}`
      : '';
    return [...this.processes.map((p) => p.tail()), extra].filter(Boolean).join('\n');
  }

  private spawn(name: string, command: string, args: string[], cwd: string, env: Record<string, string>) {
    const log = join(this.dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    const started = new Started(name, child, log);
    this.processes.push(started);
    return started;
  }

  /** Polls `url` until it answers 200 (and `accept` agrees), failing early if a process dies. */
  private async waitFor(url: string, watched: Started[], accept: (reply: Reply) => boolean = () => true) {
    const deadline = Date.now() + startDeadlineMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      const dead = watched.find((p) => !p.running);
      if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) before ${url} answered`);
      try {
        const target = new URL(url);
        const reply = await send({ port: Number(target.port), path: target.pathname, method: 'GET' });
        if (reply.status === 200 && accept(reply)) return;
        last = `${reply.status} ${reply.body.slice(0, 300)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(200);
    }
    throw new Error(`${url} did not become ready within ${startDeadlineMs / 1000} s (last: ${last})`);
  }
}

/** Calls begin_sign_in through nginx as the browser would, from the loopback address `from`. */
export async function beginSignIn(from: string, pin: Pin): Promise<Reply> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return send({
    port: proxyPort,
    path: '/api/begin_sign_in',
    method: 'POST',
    localAddress: from,
    headers: {
      host: `localhost:${proxyPort}`,
      origin: proxyUrl,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      [pinHeader]: pin,
    },
    body: new URLSearchParams({ provider: 'demo', code_challenge: challenge }).toString(),
  });
}

interface Outgoing {
  port: number;
  path: string;
  method: 'GET' | 'POST';
  localAddress?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request to 127.0.0.1 (never anywhere else) on a connection of its own. */
function send({ port, path, method, localAddress, headers, body }: Outgoing): Promise<Reply> {
  if (localAddress !== undefined && !localAddress.startsWith('127.')) {
    throw new Error(`only loopback source addresses are used, not ${localAddress}`);
  }
  return new Promise((resolvePromise, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path, method, localAddress, headers, agent: false, timeout: 10_000 },
      (response) => {
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
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** Round robin over both instances, except where the test pins a request to one of them. */
function nginxConfig(dir: string) {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;

events {
  worker_connections 256;
}

http {
  log_format upstream '$remote_addr "$request" $status pin=$http_x_pin_instance upstream=$upstream_addr';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${dir}/client_body_temp;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;

  upstream instances {
    server ${instances.a};
    server ${instances.b};
  }
  upstream instance_a {
    server ${instances.a};
  }
  upstream instance_b {
    server ${instances.b};
  }
  # Test-only routing hook: X-Pin-Instance: a|b sends a request to that instance.
  map $http_x_pin_instance $backend {
    a instance_a;
    b instance_b;
    default instances;
  }

  server {
    listen 127.0.0.1:${proxyPort};

    location / {
      proxy_pass http://$backend;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Pin-Instance "";
      # Streamed both ways: nothing is buffered to disk.
      proxy_buffering off;
      proxy_request_buffering off;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

function portOf(address: string) {
  return Number(address.split(':')[1]);
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

function sleep(ms: number) {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}
