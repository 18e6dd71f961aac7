import { expect, test } from '@playwright/test';
import { failOnPageProblems, providerButton, signIn } from './helpers';

// "Sign out of Demo ID too" (RP-Initiated Logout 1.0) against the demo oidc-provider: both
// sessions end, and the provider sends the browser back to the app, which confirms it.
failOnPageProblems();

test('signing out of the provider too ends both sessions', async ({ page }) => {
  await signIn(page, 'ada');
  // Offered on the account page, beside the other ways of ending sessions.
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out of Demo ID too' }).click();

  // The provider asks before it lets go.
  await page.waitForURL(/127\.0\.0\.1:9410\//);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();

  await page.waitForURL((url) => url.host === 'localhost:3100' && url.pathname === '/');
  await expect(page.getByRole('status')).toHaveText('You are signed out of Demo ID too.');
  await expect(providerButton(page)).toBeVisible();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toHaveCount(0);

  // The provider's session ended too: signing in again asks for a login.
  await providerButton(page).click();
  await page.waitForURL(/127\.0\.0\.1:9410\/interaction\//);
  await expect(page.locator('input[name="login"]')).toBeVisible();
});

test('signing out at the provider itself ends the app session too (back-channel)', async ({ page }) => {
  await signIn(page, 'grace');
  // At the provider, not through the app.
  await page.goto('http://127.0.0.1:9410/session/end');
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page.getByText(/sign-?out success/i)).toBeVisible();

  // The provider tells the app, server to server (it may do so just after its answer): the
  // app's page is then signed out.
  await expect(async () => {
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toHaveCount(0, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(providerButton(page)).toBeVisible();
});
