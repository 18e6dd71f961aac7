// Takes docs/screenshots/dashboard.png, account.png and account-own-data.png for the README and
// docs/accounts.md, at
// 1000x800: Ada signed in with Demo ID, Google connected, and a second session in another browser.
// Run from end2end/: npx playwright test --config scripts/screenshots.config.ts
import { expect, test, type Page } from '@playwright/test';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { completeAtGoogle, openStartPage, signIn } from '../tests/helpers';

const screenshots = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

test.use({ viewport: { width: 1000, height: 800 } });

/** Waits until every picture on the page has loaded, so none is caught half drawn. */
async function picturesLoaded(page: Page) {
  await expect
    .poll(() => page.locator('img').evaluateAll((images) => images.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)))
    .toBe(true);
}

test('README screenshots: dashboard and account', async ({ page, browser }) => {
  await signIn(page, 'ada');
  await openStartPage(page, '/account');
  await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
  await completeAtGoogle(page, 'ada');
  await page.waitForURL((url) => url.pathname === '/account');
  await expect(page.locator('ul.connected > li[data-provider="google"]')).toBeVisible();

  // The same person in another browser, so that the sessions list shows two.
  const elsewhere = await browser.newContext({
    userAgent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  });
  await signIn(await elsewhere.newPage(), 'ada');
  await elsewhere.close();

  await openStartPage(page, '/dashboard');
  await expect(page.locator('ul.connected > li')).toHaveCount(2);
  await picturesLoaded(page);
  await page.screenshot({ path: `${screenshots}/dashboard.png` });

  await openStartPage(page, '/account');
  await expect(page.locator('ul.connected > li')).toHaveCount(2);
  await expect(page.locator('ul.sessions > li')).toHaveCount(2);
  await picturesLoaded(page);
  await page.screenshot({ path: `${screenshots}/account.png` });

  // The account's own data: its recent activity, the download and the deletion fold, opened.
  await page.locator('details.delete-account summary').click();
  await page.locator('details.delete-account').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${screenshots}/account-own-data.png`, fullPage: true });
});
