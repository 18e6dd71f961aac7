import { expect, test, type BrowserContext, type Page } from '@playwright/test';

export const providerButton = (page: Page) => page.getByRole('button', { name: 'Sign in with Demo ID' });

/** Opens the start page and waits until the wasm bundle has hydrated it. */
export async function openStartPage(page: Page, path = '/') {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
}

/** Clicks the provider button and signs in at the demo provider's login form as `login`. */
export async function signInAtProvider(page: Page, login: string) {
  await providerButton(page).click();
  await page.waitForURL(/127\.0\.0\.1:9410\/interaction\//);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

/** Agrees on the provider's consent page. */
export async function grantConsent(page: Page) {
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Signs in fully and returns the callback URL the provider sent the browser to. */
export async function signIn(page: Page, login: string): Promise<string> {
  let callbackUrl = '';
  const record = (request: { url(): string }) => {
    if (request.url().includes('/auth/callback/')) callbackUrl = request.url();
  };
  page.on('request', record);
  await openStartPage(page);
  await signInAtProvider(page, login);
  await grantConsent(page);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  page.off('request', record);
  expect(callbackUrl).toContain('code=');
  return callbackUrl;
}

/**
 * At the Google stand-in (oidc-provider with Google's claims, on 9411), signs in as `login` and
 * agrees. The login is the subject, so distinct logins are distinct Google accounts. It expects
 * no earlier session at the stand-in in this context (see `forgetProviderSessions`).
 */
export async function completeAtGoogle(page: Page, login: string) {
  await completeAtOidcStandIn(page, 9411, login);
}

/**
 * The same at any of the oidc-provider stand-ins, by port (GitLab's is 9412, LinkedIn's 9413,
 * Twitch's 9414, Slack's 9415, Microsoft's 9416, whose pages are under its issuer's path).
 */
export async function completeAtOidcStandIn(page: Page, port: number, login: string) {
  await page.waitForURL(oidcStandInInteraction(port));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await grantConsent(page);
}

/** The URL of an oidc-provider stand-in's login or consent page, under its issuer's path if any. */
export function oidcStandInInteraction(port: number): RegExp {
  return new RegExp(`127\\.0\\.0\\.1:${port}/(?:[^?#]*/)?interaction/`);
}

/** Signs in fully with the Google stand-in as `login`, ending on the signed-in start page. */
export async function signInWithGoogle(page: Page, login: string) {
  await openStartPage(page);
  await page.getByRole('button', { name: 'Sign in with Google', exact: true }).click();
  await completeAtGoogle(page, login);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/**
 * Ends this context's sessions at the loopback providers, so that their login forms are shown
 * again rather than skipped. Cookies do not tell ports apart: the demo provider (9410), the
 * Google, GitLab, LinkedIn, Twitch, Slack and Microsoft stand-ins (9411 to 9416), the social stand-ins (9420) and Apple's (9421) share the jar of 127.0.0.1, while the
 * app's cookies are on localhost and stay.
 */
export async function forgetProviderSessions(context: BrowserContext) {
  await context.clearCookies({ domain: '127.0.0.1' });
}

export async function expectErrorView(page: Page, message: RegExp) {
  const alert = page.getByRole('alert');
  await expect(alert).toBeVisible();
  await expect(alert).toContainText(message);
  await expect(alert.getByRole('link', { name: 'Try again' })).toBeVisible();
}

/**
 * Makes uncaught errors in the page and Content Security Policy refusals fail each test of
 * the file; returns the function that watches further pages (of other browser contexts).
 */
export function failOnPageProblems(): (page: Page) => void {
  let problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(`${page.url()}: ${message.text()}`);
    });
  };
  test.beforeEach(({ page }) => {
    problems = [];
    watch(page);
  });
  test.afterEach(() => {
    expect(problems).toEqual([]);
  });
  return watch;
}
