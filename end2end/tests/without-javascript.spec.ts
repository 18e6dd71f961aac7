import { expect, test, type Locator, type Page, type Response } from '@playwright/test';
import { failOnPageProblems, grantConsent, providerButton, signIn } from './helpers';

// Every button works before the wasm has arrived and with JavaScript off: the provider
// buttons and the sign-out button are plain forms the server answers with a 303, and the
// callback of a sign-in begun that way is completed by the server as it renders the page.
// The suite shares one database, so every test signs in with a login of its own.
const run = Math.random().toString(36).slice(2, 8);
const login = (name: string) => `${name}${run}`;
/** The demo provider's name for a login it does not know: the login, capitalised. */
const displayName = (login: string) => login.charAt(0).toUpperCase() + login.slice(1);
/** The app's initials (model.rs): the first letters of up to two words, in capitals. */
const initials = (name: string) =>
  name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => [...word][0].toUpperCase()).join('');

// Uncaught errors in the page and Content Security Policy refusals fail the test; `watch`
// adds pages of other browser contexts.
const watch = failOnPageProblems();

/** The path and query the browser is at. */
const pathAndQuery = (page: Page) => {
  const url = new URL(page.url());
  return url.pathname + url.search;
};

/** Records the app's answers to the provider's redirect back (/auth/callback/...). */
function recordCallbacks(page: Page): Response[] {
  const answers: Response[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/auth/callback/')) answers.push(response);
  });
  return answers;
}

/**
 * The avatar's picture failed to load (the demo provider answers 404 for logins starting with
 * "no-picture"), and the avatar looks exactly as it does without the picture layer: the
 * initials alone, with nothing drawn over them (no broken-image icon).
 */
async function expectInitialsAlone(avatar: Locator) {
  const picture = avatar.locator('.picture');
  await expect(picture).toHaveAttribute('style', /background-image: url\(/);
  await picture.evaluate((e: HTMLElement) => { e.style.visibility = 'hidden'; });
  const initialsAlone = await avatar.screenshot({ animations: 'disabled' });
  await picture.evaluate((e: HTMLElement) => { e.style.visibility = ''; });
  try {
    await expect
      .poll(async () => (await avatar.screenshot({ animations: 'disabled' })).equals(initialsAlone), {
        message: 'the failed picture draws over the initials (see the attached screenshots)',
      })
      .toBe(true);
  } catch (error) {
    await test.info().attach('avatar as shown', { body: await avatar.screenshot(), contentType: 'image/png' });
    await test.info().attach('initials alone', { body: initialsAlone, contentType: 'image/png' });
    throw error;
  }
}

/** At the demo provider's login form (reached already), signs in as `login` and agrees. */
async function completeAtDemoProvider(page: Page, login: string) {
  await page.waitForURL(/127\.0\.0\.1:9410\/interaction\//);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await grantConsent(page);
}

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('signs in with Demo ID through plain forms, at the app and the provider, and signs out', async ({ page, context }) => {
    const person = login('nojs');
    const callbacks = recordCallbacks(page);
    await page.goto('/');
    await providerButton(page).click();
    // The provider's login and consent pages are plain forms too.
    await completeAtDemoProvider(page, person);

    await page.waitForURL((url) => url.origin === 'http://localhost:3100' && url.pathname === '/');
    expect(pathAndQuery(page)).toBe('/');
    await expect(page.getByRole('heading', { name: displayName(person) })).toBeVisible();
    await expect(page.locator('.profile .email')).toContainText(`${person}@example.com verified`);
    // The server finished the sign-in as it rendered the callback page and sent the browser on.
    expect(callbacks.map((r) => [r.status(), r.headers()['location']])).toEqual([[303, '/']]);
    expect((await context.cookies()).find((c) => c.name === '__Host-session')).toBeDefined();
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(providerButton(page)).toBeVisible();
    expect(pathAndQuery(page)).toBe('/');
    await expect(page.getByRole('heading', { name: displayName(person) })).toHaveCount(0);
    expect((await context.cookies()).find((c) => c.name === '__Host-session')).toBeUndefined();
  });

  test('a protected page opened signed out comes back after sign-in, with its query', async ({ page }) => {
    const person = login('nojsback');
    const callbacks = recordCallbacks(page);
    await page.goto('/dashboard?tab=x');
    await page.waitForURL((url) => url.pathname === '/');
    expect(new URL(page.url()).searchParams.get('return_to')).toBe('/dashboard?tab=x');
    await providerButton(page).click();
    await completeAtDemoProvider(page, person);

    await page.waitForURL((url) => url.origin === 'http://localhost:3100' && url.pathname === '/dashboard');
    expect(pathAndQuery(page)).toBe('/dashboard?tab=x');
    await expect(page.locator('.profile').getByRole('heading', { name: displayName(person) })).toBeVisible();
    expect(callbacks.map((r) => [r.status(), r.headers()['location']])).toEqual([[303, '/dashboard?tab=x']]);
  });

  test('an unreachable provider ends on the error view of the sign-in page', async ({ page, context }) => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign in with Offline ID' }).click();

    await page.waitForURL((url) => url.pathname === '/' && url.searchParams.has('sign_in_error'));
    expect(new URL(page.url()).searchParams.get('provider')).toBe('offline');
    const alert = page.getByRole('alert');
    await expect(alert).toBeVisible();
    await expect(alert).toContainText('Offline ID cannot be reached');
    expect((await context.cookies()).find((c) => c.name === '__Host-session')).toBeUndefined();

    await alert.getByRole('link', { name: 'Try again' }).click();
    await expect(providerButton(page)).toBeVisible();
  });

  test('a picture that fails to load leaves the initials', async ({ page }) => {
    const person = login('no-picture-nojs');
    const picture = page.waitForResponse((r) => r.url().includes('/avatars/'));
    await page.goto('/');
    await providerButton(page).click();
    await completeAtDemoProvider(page, person);
    await page.waitForURL((url) => url.origin === 'http://localhost:3100' && url.pathname === '/');
    expect((await picture).status()).toBe(404);

    const avatar = page.locator('.profile .avatar.initials');
    await expect(avatar).toBeVisible();
    await expect(avatar).toHaveText(initials(displayName(person)));
    await expect(avatar.locator('.picture')).toHaveAttribute('style', /\/avatars\/no-picture-nojs/);
  });

  test('a picture that fails to load draws nothing over the initials', async ({ page }) => {
    await page.goto('/');
    await providerButton(page).click();
    await completeAtDemoProvider(page, login('no-picture-nojs-look'));
    await page.waitForURL((url) => url.origin === 'http://localhost:3100' && url.pathname === '/');
    await expectInitialsAlone(page.locator('.profile .avatar.initials'));
  });
});

test('the first click before the wasm has arrived goes to the provider, on a slow network', async ({ page, context }) => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: 1.6e6 / 8,
    uploadThroughput: 1.6e6 / 8,
  });
  // The wasm is held back until the click has happened, so the page cannot have hydrated.
  let clicked!: () => void;
  const afterClick = new Promise<void>((resolve) => { clicked = resolve; });
  const wasmRequested: string[] = [];
  await page.route('**/pkg/*.wasm', async (route) => {
    wasmRequested.push(route.request().url());
    await afterClick;
    // The page may have left for the provider by now, which cancels the request.
    await route.continue().catch(() => {});
  });
  const appCalls: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) appCalls.push(`${request.method()} ${url.pathname}`);
  });
  const callbacks = recordCallbacks(page);

  await page.goto('/', { waitUntil: 'commit' });
  const button = providerButton(page);
  await expect(button).toBeVisible();
  expect(await page.locator('body[data-hydrated]').count()).toBe(0);
  await button.click();
  clicked();

  await page.waitForURL(/127\.0\.0\.1:9410\/interaction\//);
  // The plain form took the browser there, not the wasm.
  expect(appCalls).toEqual(['POST /api/start_sign_in']);
  const person = login('slow');
  await completeAtDemoProvider(page, person);

  await page.waitForURL((url) => url.origin === 'http://localhost:3100' && url.pathname === '/');
  await expect(page.getByRole('heading', { name: displayName(person) })).toBeVisible();
  expect(callbacks.map((r) => [r.status(), r.headers()['location']])).toEqual([[303, '/']]);
  // And the signed-in page hydrates on the slow network, with the wasm let through.
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
  expect(wasmRequested.length).toBeGreaterThan(0);
});

test('with JavaScript on too, a picture that fails to load leaves the initials alone', async ({ page }) => {
  const person = login('no-picture-js');
  await signIn(page, person);
  await expect(page.locator('body[data-hydrated]')).toBeAttached();

  const avatar = page.locator('.profile .avatar.initials');
  await expect(avatar).toBeVisible();
  await expect(avatar).toHaveText(initials(displayName(person)));
  await expect(avatar.locator('.picture')).toHaveAttribute('style', /\/avatars\/no-picture-js/);
  await expectInitialsAlone(avatar);
});
