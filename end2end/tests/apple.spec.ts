import { expect, test, type APIRequestContext, type Page, type Request } from '@playwright/test';
import { expectErrorView, failOnPageProblems, forgetProviderSessions, openStartPage } from './helpers';

// What sets Sign in with Apple apart, against standins/apple-standin.mjs (9421): the callback
// is a cross-site form POST, the name comes only with the first authorization, and Apple
// tells the app of changes server to server, in signed notifications.
const apple = 'http://127.0.0.1:9421';

failOnPageProblems();

const appleButton = (page: Page) => page.getByRole('button', { name: 'Sign in with Apple', exact: true });

/** Signs in with Apple, allowing at the stand-in; returns the requests to the app's callback. */
async function signInWithApple(page: Page): Promise<Request[]> {
  const callbacks: Request[] = [];
  const record = (request: Request) => {
    if (new URL(request.url()).pathname === '/auth/callback/apple') callbacks.push(request);
  };
  page.on('request', record);
  await openStartPage(page);
  await appleButton(page).click();
  await page.waitForURL(/127\.0\.0\.1:9421\/auth\/authorize/);
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  page.off('request', record);
  return callbacks;
}

/** Has the stand-in send the app a notification; returns the app's answer to it. */
async function notify(request: APIRequestContext, body: object): Promise<{ status: number; jti: string }> {
  const response = await request.post(`${apple}/__notify`, { data: body });
  expect(response.status()).toBe(200);
  return response.json();
}

test('a second sign-in still shows the name, which Apple sent only the first time', async ({ page, context }) => {
  await signInWithApple(page);
  await expect(page.locator('.profile').getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(appleButton(page)).toBeVisible();
  await forgetProviderSessions(context);

  const callbacks = await signInWithApple(page);
  const posted = callbacks.filter((r) => r.method() === 'POST');
  expect(posted).toHaveLength(1);
  const fields = new URLSearchParams(posted[0].postData() ?? '');
  expect(fields.get('code')).toBeTruthy();
  expect(fields.has('user')).toBe(false);
  await expect(page.locator('.profile').getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();
});

test('the callback comes as a cross-site form POST, completes with a 303, and is used once', async ({ page }) => {
  const callbacks = await signInWithApple(page);
  const posted = callbacks.filter((r) => r.method() === 'POST');
  expect(posted).toHaveLength(1);
  const headers = await posted[0].allHeaders();
  expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
  expect(headers.origin).toBe(apple);
  expect((await posted[0].response())?.status()).toBe(303);
  await expect(page).toHaveURL(/localhost:3100\/$/);
  expect(page.url()).not.toMatch(/code=|state=/);

  // The same form posted again from Apple's site is refused: the code and state are spent.
  const fields = [...new URLSearchParams(posted[0].postData() ?? '')]
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}">`)
    .join('');
  await page.goto(`${apple}/.well-known/openid-configuration`);
  await page.setContent(`<form method="post" action="http://localhost:3100/auth/callback/apple">${fields}</form>`);
  await page.locator('form').evaluate((form: HTMLFormElement) => form.submit());
  await expectErrorView(page, /not valid/i);
});

test('Apple saying mail to the relay address stopped leaves it unverified; a replayed notification is refused', async ({ page, request }) => {
  await signInWithApple(page);
  const card = page.locator('.profile');
  await expect(card.locator('.email .badge')).toHaveText('verified');

  const sent = await notify(request, { type: 'email-disabled' });
  expect(sent.status).toBe(200);
  await page.reload();
  await expect(card.getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();
  await expect(card.locator('.email .badge')).not.toHaveText('verified');

  // The very same signed payload again: the same jti, so not acted on twice.
  expect(await notify(request, { replay: true })).toEqual({ status: 400, jti: sent.jti });

  // Mail flows again, as the other tests expect of Ada's address.
  expect((await notify(request, { type: 'email-enabled' })).status).toBe(200);
});

test('Apple saying the person stopped using Sign in with Apple here ends their session', async ({ page, request }) => {
  await signInWithApple(page);
  expect((await notify(request, { type: 'consent-revoked' })).status).toBe(200);
  await page.reload();
  await expect(appleButton(page)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
});
