import { expect, test, type BrowserContext, type Page, type Response } from '@playwright/test';
import { beginSignIn, Cluster, idpPort, instances, pinHeader, proxyUrl, signInBurst, type Pin } from './cluster';
import { openStartPage, providerButton } from './helpers';

// Two server instances on one PostgreSQL database behind nginx must behave as one app: a
// sign-in may begin on one and end on the other, a session is good on both, sign-out ends it
// on both, and the sign-in rate limit counts visitors, not the proxy. One browser context
// goes through the steps in order; nginx's X-Upstream header says which instance answered.
test.describe.configure({ mode: 'serial', timeout: 90_000 });

let cluster: Cluster | undefined;
let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  cluster = await Cluster.start();
  context = await browser.newContext({ baseURL: proxyUrl });
  page = await context.newPage();
});

test.afterEach(({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus && cluster) console.error(cluster.logs());
});

test.afterAll(async () => {
  await context?.close();
  await cluster?.stop();
});

/** Sends every later request of the browser to one instance, or, with `null`, to either. */
async function pin(to: Pin | null) {
  await context.setExtraHTTPHeaders(to ? { [pinHeader]: to } : {});
}

const upstreamOf = (response: Response | null) => response?.headers()['x-upstream'];
const isCall = (name: string) => (response: Response) => new URL(response.url()).pathname === `/api/${name}`;
const signOutButton = () => page.getByRole('button', { name: 'Sign out' });
const adasName = () => page.getByRole('heading', { name: 'Ada Lovelace' });

test('a sign-in begun on instance A completes on instance B', async () => {
  // Unpinned, the page and its bundle are spread over both instances by round robin.
  const answeredBy = new Set<string>();
  const record = (response: Response) => {
    const upstream = upstreamOf(response);
    if (response.url().startsWith(proxyUrl) && upstream) answeredBy.add(upstream);
  };
  page.on('response', record);
  await openStartPage(page);
  page.off('response', record);
  expect([...answeredBy].sort()).toEqual([instances.a, instances.b]);

  await pin('a');
  const begun = page.waitForResponse(isCall('begin_sign_in'));
  await providerButton(page).click();
  const begin = await begun;
  expect(begin.status()).toBe(200);
  expect(upstreamOf(begin)).toBe(instances.a);

  await page.waitForURL(new RegExp(`127\\.0\\.0\\.1:${idpPort}/interaction/`));
  // From here on the app is reached only through B: the callback page and complete_sign_in.
  await pin('b');
  await page.locator('input[name="login"]').fill('ada');
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const callbackPage = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/auth/callback/demo' && r.request().resourceType() === 'document',
  );
  const completed = page.waitForResponse(isCall('complete_sign_in'));
  await page.getByRole('button', { name: 'Continue' }).click();

  expect(upstreamOf(await callbackPage)).toBe(instances.b);
  const complete = await completed;
  expect(complete.status()).toBe(200);
  expect(upstreamOf(complete)).toBe(instances.b);
  await expect(adasName()).toBeVisible();
  await expect(signOutButton()).toBeVisible();
});

test('a session made on instance B is valid on instance A', async () => {
  await pin('a');
  const reloaded = await page.reload();
  expect(upstreamOf(reloaded)).toBe(instances.a);
  // A itself renders the signed-in page.
  expect(await reloaded!.text()).toContain('Ada Lovelace');
  await expect(adasName()).toBeVisible();
  await expect(signOutButton()).toBeVisible();
});

test('signing out on instance A ends the session on instance B too', async () => {
  const session = (await context.cookies()).find((c) => c.name === '__Host-session');
  expect(session).toBeDefined();

  await pin('a');
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  const signedOut = page.waitForResponse(isCall('sign_out'));
  await signOutButton().click();
  const signOut = await signedOut;
  // A plain form: the server answers with a 303 to the signed-out page.
  expect(signOut.status()).toBe(303);
  expect(upstreamOf(signOut)).toBe(instances.a);
  await expect(providerButton(page)).toBeVisible();

  await pin('b');
  const reloaded = await page.reload();
  expect(upstreamOf(reloaded)).toBe(instances.b);
  await expect(providerButton(page)).toBeVisible();
  await expect(adasName()).toHaveCount(0);

  // The browser has dropped its cookie; replayed, it must mean nothing to B either.
  await context.addCookies([session!]);
  const replayed = await page.reload();
  expect(upstreamOf(replayed)).toBe(instances.b);
  const html = await replayed!.text();
  expect(html).toContain('Sign in with Demo ID');
  expect(html).not.toContain('Ada Lovelace');
  await expect(providerButton(page)).toBeVisible();
});

test('the sign-in rate limit counts each visitor behind the proxy, not the proxy', async () => {
  // Two visitors on loopback addresses of their own; nginx reaches the instance from
  // 127.0.0.1 for both, so only the forwarded address tells them apart.
  const first = [];
  for (let i = 0; i <= signInBurst; i += 1) first.push(await beginSignIn('127.0.0.2', 'a'));
  expect(first.map((reply) => reply.status)).toEqual([...Array(signInBurst).fill(200), 429]);
  for (const reply of first) {
    expect(reply.headers['x-upstream']).toBe(instances.a);
    expect(reply.headers['x-request-id']).toBeTruthy();
  }
  const started = JSON.parse(first[0].body) as { authorization_url: string };
  expect(started.authorization_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${idpPort}/`));
  expect(first[signInBurst].headers['retry-after']).toBeTruthy();

  const second = await beginSignIn('127.0.0.3', 'a');
  expect(second.status, second.body).toBe(200);
  expect(second.headers['x-upstream']).toBe(instances.a);
});
