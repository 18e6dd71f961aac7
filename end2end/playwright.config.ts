import { defineConfig, devices } from '@playwright/test';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Ports of their own, so the tests never meet a `make run` on 3000/9400.
const appPort = 3100;
const idpPort = 9410;
// The google preset's stand-in (oidc-provider with Google's claims) and the OAuth stand-ins.
export const googlePort = 9411;
// The gitlab and linkedin presets' stand-ins: oidc-provider with each one's claims.
export const gitlabPort = 9412;
export const linkedinPort = 9413;
export const twitchPort = 9414;
// Slack's and Microsoft Entra ID's stand-ins: oidc-provider with each one's claims (Entra's
// under its tenant's path); Apple's is standins/apple-standin.mjs.
export const slackPort = 9415;
export const microsoftPort = 9416;
export const standInsPort = 9420;
export const applePort = 9421;
export const appUrl = `http://localhost:${appPort}`;
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// A fresh database file for every run.
const databaseDir = mkdtempSync(join(tmpdir(), 'sign-in-e2e-'));
const clientSecret = 'e2e-secret';
// Sign in with Apple has no fixed secret: the app signs one with the developer's key (a .p8
// file), whose public half Apple holds. A fresh key per run, in a folder of its own.
const appleKeyFile = join(mkdtempSync(join(tmpdir(), 'sign-in-e2e-apple-')), 'AuthKey_KEY4E2E001.p8');
writeFileSync(
  appleKeyFile,
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
  { mode: 0o600 },
);
const appleKey = { APPLE_TEAM_ID: 'TEAM4E2E01', APPLE_KEY_ID: 'KEY4E2E001', APPLE_PRIVATE_KEY_FILE: appleKeyFile };

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: appUrl,
    trace: 'retain-on-failure',
    ...devices['Desktop Chrome'],
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  // Started in order, each awaited by URL: the provider, then the app.
  webServer: [
    {
      command: 'node idp/demo-idp.mjs',
      url: `http://127.0.0.1:${idpPort}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(idpPort),
        APP_URL: appUrl,
        IDP_CLIENT_SECRET: clientSecret,
        IDP_FAULTS: '1',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node idp/demo-idp.mjs',
      url: `http://127.0.0.1:${googlePort}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(googlePort),
        APP_URL: appUrl,
        IDP_PROVIDER_ID: 'google',
        IDP_CLIENT_ID: 'google-client',
        IDP_CLIENT_SECRET: clientSecret,
        IDP_STYLE: 'google',
        IDP_FAULTS: '1',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node idp/demo-idp.mjs',
      url: `http://127.0.0.1:${gitlabPort}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(gitlabPort),
        APP_URL: appUrl,
        IDP_PROVIDER_ID: 'gitlab',
        IDP_CLIENT_ID: 'gitlab-client',
        IDP_CLIENT_SECRET: clientSecret,
        IDP_STYLE: 'gitlab',
        IDP_FAULTS: '1',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node idp/demo-idp.mjs',
      url: `http://127.0.0.1:${linkedinPort}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(linkedinPort),
        APP_URL: appUrl,
        IDP_PROVIDER_ID: 'linkedin',
        IDP_CLIENT_ID: 'linkedin-client',
        IDP_CLIENT_SECRET: clientSecret,
        IDP_STYLE: 'linkedin',
        IDP_FAULTS: '1',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node idp/demo-idp.mjs',
      url: `http://127.0.0.1:${twitchPort}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(twitchPort),
        APP_URL: appUrl,
        IDP_PROVIDER_ID: 'twitch',
        IDP_CLIENT_ID: 'twitch-client',
        IDP_CLIENT_SECRET: clientSecret,
        IDP_STYLE: 'twitch',
        IDP_FAULTS: '1',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node idp/demo-idp.mjs',
      url: `http://127.0.0.1:${slackPort}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(slackPort),
        APP_URL: appUrl,
        IDP_PROVIDER_ID: 'slack',
        IDP_CLIENT_ID: 'slack-client',
        IDP_CLIENT_SECRET: clientSecret,
        IDP_STYLE: 'slack',
        IDP_FAULTS: '1',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node idp/demo-idp.mjs',
      url: `http://127.0.0.1:${microsoftPort}/common/v2.0/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(microsoftPort),
        APP_URL: appUrl,
        IDP_PROVIDER_ID: 'microsoft',
        IDP_CLIENT_ID: 'microsoft-client',
        IDP_CLIENT_SECRET: clientSecret,
        IDP_STYLE: 'microsoft',
        IDP_FAULTS: '1',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node standins/social-standins.mjs',
      url: `http://127.0.0.1:${standInsPort}/avatars/ready.svg`,
      env: {
        STANDINS_PORT: String(standInsPort),
        APP_URL: appUrl,
        STANDINS_CLIENT_SECRET: clientSecret,
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node standins/apple-standin.mjs',
      url: `http://127.0.0.1:${applePort}/.well-known/openid-configuration`,
      env: {
        APPLE_STANDIN_PORT: String(applePort),
        APP_URL: appUrl,
        APPLE_STANDIN_CLIENT_ID: 'com.example.signin',
        ...appleKey,
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'target/release/server',
      cwd: repo,
      url: `http://127.0.0.1:${appPort}/`,
      env: {
        LEPTOS_SITE_ADDR: `127.0.0.1:${appPort}`,
        LEPTOS_SITE_ROOT: 'target/site',
        APP_URL: appUrl,
        AUTH_CONFIG: 'end2end/e2e-auth.toml',
        DEMO_CLIENT_SECRET: clientSecret,
        ...appleKey,
        DATABASE_URL: `sqlite://${join(databaseDir, 'app.db')}`,
        // The app seals the tokens providers grant with this key (a test key, never a real one).
        TOKEN_KEYS: 'e2e:h5QGDUfe8lbVXUX7jU1r1Ti9hvYNZSxrbGGrhJb8dFk=',
        RUST_LOG: 'info,sqlx=warn',
        // Every test's browser comes from 127.0.0.1, so the whole suite shares one address's
        // sign-in budget; the limit itself is tested in server/tests/sign_in.rs.
        SIGN_IN_RATE_BURST: '1000',
      },
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});
