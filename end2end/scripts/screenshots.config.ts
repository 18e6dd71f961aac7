// The README's screenshots, apart from the test suite:
//   npx playwright test --config scripts/screenshots.config.ts
// The same servers as the suite (a fresh database), with scripts/screenshots.ts as the only test.
import { defineConfig } from '@playwright/test';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import base from '../playwright.config';

const end2end = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const servers = Array.isArray(base.webServer) ? base.webServer : base.webServer ? [base.webServer] : [];

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: 'screenshots.ts',
  outputDir: resolve(end2end, 'test-results/screenshots'),
  // Relative commands are meant from end2end/, not from this folder.
  webServer: servers.map((server) => ({ ...server, cwd: server.cwd ?? end2end })),
});
