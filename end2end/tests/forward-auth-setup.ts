// Forward authentication through a real nginx with TLS, for forward-auth.spec.ts: a demo
// provider, the release server, an upstream app nobody here wrote (Python's http.server echoing
// the headers it received) and nginx, run from end2end/forward-auth/nginx.conf.template, with
// a self-signed certificate made here for app.example.test and auth.example.test. Every process
// listens on a free loopback port; the browser reaches both host names on loopback through
// Chromium's --host-resolver-rules. Everything started here is stopped by `stop()`.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Processes, request, type Reply } from './processes';

const end2end = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(end2end, '..');
export const templatePath = join(end2end, 'forward-auth', 'nginx.conf.template');

export const appHost = 'app.example.test';
export const authHost = 'auth.example.test';
export const cookieDomain = 'example.test';
/** The people the demo provider knows: ada is let in by the access policy, grace is not. */
export const allowedEmail = 'ada@example.com';
/** For Chromium: both host names are loopback. */
export const hostResolverRules = `MAP ${appHost} 127.0.0.1,MAP ${authHost} 127.0.0.1`;

const clientSecret = 'forward-auth-secret';
const startDeadlineMs = 30_000;

// The protected app: answers every GET with the path and the request headers it received, in
// order and with repeats, as JSON in a text page.
const echoUpstream = `
import http.server, json, sys
class Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"upstream": "echo", "path": self.path,
                           "headers": [[k.lower(), v] for k, v in self.headers.items()]}, indent=1).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
`;

/** What the upstream answered: the request it received. */
export interface Echo {
  upstream: 'echo';
  path: string;
  headers: Array<[string, string]>;
}

interface Ports {
  nginx: number;
  server: number;
  idp: number;
  upstream: number;
}

export class ForwardAuth {
  private constructor(private readonly processes: Processes, readonly ports: Ports) {}

  /** https://auth.example.test:<port>: the sign-in service's APP_URL, as the browser sees it. */
  get authOrigin() {
    return `https://${authHost}:${this.ports.nginx}`;
  }

  /** https://app.example.test:<port>: the protected app. */
  get appOrigin() {
    return `https://${appHost}:${this.ports.nginx}`;
  }

  get idpOrigin() {
    return `http://127.0.0.1:${this.ports.idp}`;
  }

  /**
   * Asks the check through nginx, as a proxy would, with the session cookie `session` (its
   * value) or none: the browser shows no page for an answer without a body.
   */
  check(session?: string): Promise<Reply> {
    const headers = session ? { cookie: `__Secure-session=${session}` } : undefined;
    return request(new URL(`${this.authOrigin}/auth/check`), { headers });
  }

  /** Starts the provider, the sign-in service, the upstream and nginx, each awaited by polling. */
  static async start(): Promise<ForwardAuth> {
    for (const file of ['target/release/server', 'target/site']) {
      if (!existsSync(join(repo, file))) throw new Error(`${file} is missing: build the release server first (make build)`);
    }
    const [nginx, server, idp, upstream] = await freePorts(4);
    const processes = new Processes('forward-auth-', startDeadlineMs, { HOME: process.env.HOME ?? '/' });
    const setup = new ForwardAuth(processes, { nginx, server, idp, upstream });
    try {
      await setup.boot();
      return setup;
    } catch (error) {
      const logs = setup.logs();
      await setup.stop();
      throw new Error(`${(error as Error).message}\n${logs}`);
    }
  }

  private async boot() {
    const { processes, ports } = this;
    const { dir } = processes;

    // A throwaway certificate for both names, made fresh for every run and never kept.
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${authHost}`,
      '-addext', `subjectAltName=DNS:${authHost},DNS:${appHost}`,
    ], { stdio: 'pipe' });

    const idp = processes.spawn('demo-idp', process.execPath, ['idp/demo-idp.mjs'], end2end, {
      IDP_PORT: String(ports.idp),
      APP_URL: this.authOrigin,
      IDP_CLIENT_SECRET: clientSecret,
    });
    const upstream = processes.spawn('upstream', 'python3', ['-c', echoUpstream, String(ports.upstream)], dir, {});

    const authConfig = join(dir, 'auth.toml');
    writeFileSync(authConfig, [
      '[[provider]]',
      'id = "demo"',
      'name = "Demo ID"',
      `issuer = "${this.idpOrigin}"`,
      'client_id = "demo-client"',
      `client_secret = "${clientSecret}"`,
      '',
      '[access]',
      `emails = ["${allowedEmail}"]`,
      '',
    ].join('\n'));

    // The provider first: the server discovers it at start.
    await processes.waitFor(`${this.idpOrigin}/.well-known/openid-configuration`, [idp]);
    const server = processes.spawn('server', join(repo, 'target/release/server'), [], repo, {
      LEPTOS_SITE_ADDR: `127.0.0.1:${ports.server}`,
      LEPTOS_SITE_ROOT: 'target/site',
      APP_URL: this.authOrigin,
      AUTH_CONFIG: authConfig,
      DATABASE_URL: `sqlite://${join(dir, 'app.db')}`,
      // The test key of playwright.config.ts, never a real one.
      TOKEN_KEYS: 'e2e:h5QGDUfe8lbVXUX7jU1r1Ti9hvYNZSxrbGGrhJb8dFk=',
      COOKIE_DOMAIN: cookieDomain,
      ALLOWED_REDIRECT_HOSTS: appHost,
      // nginx connects from 127.0.0.1 and appends the browser to X-Forwarded-For.
      TRUSTED_PROXIES: '127.0.0.1',
      SIGN_IN_RATE_BURST: '1000',
      SHUTDOWN_GRACE_SECS: '1',
      RUST_LOG: 'info,sqlx=warn',
    });

    const nginx = processes.nginx(fillTemplate({
      LISTEN: `127.0.0.1:${ports.nginx}`,
      CERT: cert,
      CERT_KEY: key,
      AUTH_HOST: authHost,
      AUTH_ORIGIN: this.authOrigin,
      SIGN_IN_APP: `127.0.0.1:${ports.server}`,
      APP_HOST: appHost,
      UPSTREAM: `127.0.0.1:${ports.upstream}`,
      PREFIX: dir,
    }));

    const all = [idp, upstream, server, nginx];
    await processes.waitFor(`http://127.0.0.1:${ports.upstream}/ready`, all);
    // Ready to sign people in: the database answers and the provider's discovery is done.
    await processes.waitFor(`http://127.0.0.1:${ports.server}/readyz`, all, (reply) => {
      const report = JSON.parse(reply.body) as { ready: boolean; providers: Array<{ status: string }> };
      return report.ready && report.providers.every((p) => p.status === 'ready');
    });
    // Through nginx, over TLS, by name: the sign-in service's health.
    await processes.waitFor(`${this.authOrigin}/healthz`, all);
  }

  /** Stops everything started here, newest first, and removes the folder (certificate included). */
  stop() {
    return this.processes.stop();
  }

  /** The end of every log written here, nginx's error log included. */
  logs() {
    return this.processes.logs();
  }
}

/** The template with every {{NAME}} replaced; a name without a value is an error. */
export function fillTemplate(values: Record<string, string>): string {
  const filled = readFileSync(templatePath, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`${templatePath}: no value for {{${name}}}`);
    return values[name];
  });
  return filled;
}

/** `count` distinct loopback ports that were free a moment ago. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Server>((resolvePromise, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolvePromise(server));
      }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}
