// Two server instances on one PostgreSQL database behind a real nginx, with a demo provider of
// their own, for two-instances.spec.ts. Everything listens on loopback ports that
// playwright.config.ts does not use, and everything started here is stopped by `stop()`.

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Processes, request, type Reply } from './processes';

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

export class Cluster {
  private database?: { admin: string; name: string };

  private constructor(private readonly processes: Processes) {}

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

    const cluster = new Cluster(new Processes('two-instances-', startDeadlineMs));
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
    const { processes } = this;
    const idp = processes.spawn('demo-idp', process.execPath, ['idp/demo-idp.mjs'], end2end, {
      IDP_PORT: String(idpPort),
      APP_URL: proxyUrl,
      IDP_CLIENT_SECRET: clientSecret,
    });
    await processes.waitFor(`${idpUrl}/.well-known/openid-configuration`, [idp]);

    const name = `two_instances_${randomBytes(6).toString('hex')}`;
    execFileSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
    this.database = { admin, name };
    const databaseUrl = new URL(admin);
    databaseUrl.pathname = `/${name}`;

    const authConfig = join(processes.dir, 'auth.toml');
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
      processes.spawn(`instance-${pin}`, join(repo, 'target/release/server'), [], repo, {
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
      await processes.waitFor(`${base}/healthz`, servers);
      // Ready to sign people in: the database answers and the provider's discovery is done.
      await processes.waitFor(`${base}/readyz`, servers, (reply) => {
        const report = JSON.parse(reply.body) as { ready: boolean; providers: Array<{ status: string }> };
        return report.ready && report.providers.every((p) => p.status === 'ready');
      });
    }

    const nginx = processes.nginx(nginxConfig(processes.dir));
    await processes.waitFor(`http://127.0.0.1:${proxyPort}/healthz`, [nginx, ...servers]);
  }

  /** Stops everything started here, newest first, and removes the folder and the database. */
  async stop() {
    await this.processes.stop();
    if (this.database) {
      const { admin, name } = this.database;
      try {
        execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'pipe' });
      } catch {
        // The throwaway cluster goes away with the run anyway.
      }
    }
  }

  /** The end of every log written here, nginx's error log included. */
  logs() {
    return this.processes.logs();
  }
}

/** Calls begin_sign_in through nginx as the browser would, from the loopback address `from`. */
export async function beginSignIn(from: string, pin: Pin): Promise<Reply> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return request(new URL('/api/begin_sign_in', proxyUrl), {
    method: 'POST',
    localAddress: from,
    headers: {
      origin: proxyUrl,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      [pinHeader]: pin,
    },
    body: new URLSearchParams({ provider: 'demo', code_challenge: challenge }).toString(),
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
