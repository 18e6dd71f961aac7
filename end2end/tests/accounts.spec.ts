import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import {
  failOnPageProblems,
  completeAtGoogle, forgetProviderSessions, grantConsent, openStartPage, providerButton, signIn,
  signInAtProvider, signInWithGoogle,
} from './helpers';

// Accounts: pages that need a session, connecting and disconnecting providers, and the
// sessions list. The suite shares one database, and a login at the demo provider or the Google
// stand-in is the subject there, so every test signs in with logins of its own (with a suffix
// per run, so that --repeat-each meets no account of an earlier round). The social stand-ins
// always answer with one fixed person, so they are not used here.
const run = Math.random().toString(36).slice(2, 8);
const login = (name: string) => `${name}${run}`;
/** The demo provider's name for a login it does not know: the login, capitalised. */
const displayName = (login: string) => login.charAt(0).toUpperCase() + login.slice(1);

// Uncaught errors in the page and Content Security Policy refusals fail the test; `watch`
// adds pages of other browser contexts.
const watch = failOnPageProblems();

const connected = (page: Page) => page.locator('ul.connected > li');

/** The path and query the browser is at. */
const pathAndQuery = (page: Page) => {
  const url = new URL(page.url());
  return url.pathname + url.search;
};

/** On /account, connects the Google stand-in's `googleLogin` and waits to be back there. */
async function connectGoogle(page: Page, googleLogin: string) {
  await openStartPage(page, '/account');
  await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
  await completeAtGoogle(page, googleLogin);
  await page.waitForURL((url) => url.pathname === '/account');
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
}

test('a protected page opened signed out goes to sign-in and back to the same path and query', async ({ page }) => {
  // The server answers the first load itself, before any page is rendered.
  const answer = await page.request.get('/dashboard?tab=x', { maxRedirects: 0 });
  expect(answer.status()).toBe(303);
  expect(answer.headers()['location']).toBe('/?return_to=%2Fdashboard%3Ftab%3Dx');

  await page.goto('/dashboard?tab=x');
  await page.waitForURL((url) => url.pathname === '/');
  expect(new URL(page.url()).searchParams.get('return_to')).toBe('/dashboard?tab=x');
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await signInAtProvider(page, 'ada');
  await grantConsent(page);

  await page.waitForURL((url) => url.pathname === '/dashboard');
  expect(pathAndQuery(page)).toBe('/dashboard?tab=x');
  const card = page.locator('.profile');
  await expect(card.getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();
  await expect(card.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('href', '/dashboard');
  await expect(card.getByRole('link', { name: 'Account' })).toHaveAttribute('href', '/account');
  await expect(page.getByRole('heading', { name: 'Connected providers' })).toBeVisible();
  await expect(page.locator('ul.connected > li[data-provider="demo"]')).toContainText('Demo ID');
  await expect(page.getByRole('link', { name: 'Manage connections and sessions' })).toHaveAttribute('href', '/account');

  // Signed in, the page opens directly.
  const again = await page.request.get('/account', { maxRedirects: 0 });
  expect(again.status()).toBe(200);
});

// The sign-in page reads return_to from the raw query (app/src/page_query.rs): leptos_router's
// query map would decode it twice.
test('a return target whose query holds percent-escapes comes back exactly as asked', async ({ page }) => {
  await page.goto('/dashboard?next=%2Ffoo');
  await page.waitForURL((url) => url.pathname === '/');
  expect(new URL(page.url()).searchParams.get('return_to')).toBe('/dashboard?next=%2Ffoo');
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await signInAtProvider(page, login('escaped'));
  await grantConsent(page);
  await page.waitForURL((url) => url.pathname === '/dashboard');
  expect(pathAndQuery(page)).toBe('/dashboard?next=%2Ffoo');
});

test('a second provider connected on /account signs in to the same account', async ({ page, context }) => {
  const person = login('conn');
  const googlePerson = login('conng');
  await signIn(page, person);

  await connectGoogle(page, googlePerson);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(connected(page)).toHaveCount(2);
  await expect(page.locator('ul.connected > li[data-provider="demo"]')).toBeVisible();
  await expect(page.locator('ul.connected > li[data-provider="google"]')).toContainText('Google');
  // Connected now, so no longer offered.
  await expect(page.getByRole('button', { name: 'Connect Google', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Connect GitHub', exact: true })).toBeVisible();

  // Sign out, and sign in with Google alone.
  await openStartPage(page, '/dashboard');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(providerButton(page)).toBeVisible();
  await forgetProviderSessions(context);
  await signInWithGoogle(page, googlePerson);

  await openStartPage(page, '/account');
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(connected(page)).toHaveCount(2);
  await expect(page.locator('ul.connected > li[data-provider="demo"]')).toBeVisible();
  await expect(page.locator('ul.connected > li[data-provider="google"]')).toBeVisible();
  await expect(page.locator('ul.sessions > li')).toHaveCount(1);
});

test('connecting a provider account that is already an account of its own is refused', async ({ page, browser }) => {
  const googlePerson = login('taken');
  // Someone signs in with Google first: that Google account is an account here.
  await signInWithGoogle(page, googlePerson);

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  watch(otherPage);
  await signIn(otherPage, login('asker'));
  await openStartPage(otherPage, '/account');
  await otherPage.getByRole('button', { name: 'Connect Google', exact: true }).click();
  await completeAtGoogle(otherPage, googlePerson);

  const alert = otherPage.getByRole('alert');
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('already connected to another account');

  // Nothing changed on either account.
  await openStartPage(otherPage, '/account');
  await expect(connected(otherPage)).toHaveCount(1);
  await expect(otherPage.locator('ul.connected > li[data-provider="demo"]')).toBeVisible();
  await expect(otherPage.getByRole('button', { name: 'Disconnect Demo ID' })).toBeDisabled();
  await expect(otherPage.getByRole('button', { name: 'Connect Google', exact: true })).toBeVisible();
  await other.close();

  await openStartPage(page, '/account');
  await expect(connected(page)).toHaveCount(1);
  await expect(page.locator('ul.connected > li[data-provider="google"]')).toBeVisible();
});

test('disconnecting one of two providers leaves the other, which can then not be disconnected', async ({ page }) => {
  await signIn(page, login('disc'));
  await connectGoogle(page, login('discg'));
  await expect(connected(page)).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'Disconnect Demo ID' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Disconnect Google' })).toBeEnabled();

  await page.getByRole('button', { name: 'Disconnect Google' }).click();
  await expect(page.locator('ul.connected > li[data-provider="google"]')).toHaveCount(0);
  await expect(connected(page)).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Disconnect Demo ID' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Connect Google', exact: true })).toBeVisible();

  // As the server holds it.
  await page.reload();
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await expect(connected(page)).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Disconnect Demo ID' })).toBeDisabled();
});

test('"Sign out everywhere else" ends the session of another browser and keeps this one', async ({ page, browser }) => {
  const person = login('twice');
  await signIn(page, person);

  // The same person in another browser, which names itself Firefox on Linux.
  const elsewhere = await browser.newContext({
    userAgent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  });
  const elsewherePage = await elsewhere.newPage();
  watch(elsewherePage);
  await signIn(elsewherePage, person);
  await openStartPage(elsewherePage, '/dashboard');
  await expect(elsewherePage.locator('.profile').getByRole('heading', { name: displayName(person) })).toBeVisible();

  await openStartPage(page, '/account');
  const sessions = page.locator('ul.sessions > li');
  await expect(sessions).toHaveCount(2);
  // The config's Desktop Chrome device sends a Windows User-Agent.
  const current = page.locator('ul.sessions > li.current');
  await expect(current).toHaveCount(1);
  await expect(current.locator('.browser')).toHaveText('Chrome on Windows');
  await expect(current.locator('.badge')).toHaveText('This session');
  await expect(current).toContainText(/Started .+ · last seen .+/);
  const notCurrent = page.locator('ul.sessions > li:not(.current)');
  await expect(notCurrent.locator('.browser')).toHaveText('Firefox on Linux');
  await expect(notCurrent.locator('.badge')).toHaveCount(0);

  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await expect(sessions).toHaveCount(1);
  await expect(page.locator('ul.sessions > li.current')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Sign out everywhere else' })).toBeDisabled();

  // The other browser is signed out: its next load of the dashboard goes to sign-in.
  await elsewherePage.reload();
  await elsewherePage.waitForURL((url) => url.pathname === '/');
  expect(new URL(elsewherePage.url()).searchParams.get('return_to')).toBe('/dashboard');
  await expect(providerButton(elsewherePage)).toBeVisible();
  await elsewhere.close();

  // This one is not.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
});

test('the dashboard shows what the provider says now, asked on the server with the kept grant', async ({ page }) => {
  const person = login('live');
  await signIn(page, person);
  await page.goto('/dashboard');
  const now = connected(page).first().getByRole('definition');
  const live = page.getByLabel('Now at Demo ID');
  await expect(live).toBeVisible();
  await expect(live).toContainText('Name');
  await expect(live).toContainText(displayName(person));
  await expect(live).toContainText(`${person}@example.com`);
  await expect(now.first()).toHaveText(displayName(person));
  // The grant itself never reaches the page.
  const html = await page.content();
  expect(html).not.toMatch(/access_token|refresh_token/);
});

test('deleting the account takes two deliberate steps, signs out every browser and forgets the person', async ({ page, browser }) => {
  const person = login('erin');
  await signIn(page, person);
  // A second browser of the same person.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  watch(otherPage);
  await signIn(otherPage, person);

  await openStartPage(page, '/account');
  await expect(page.locator('ol.history > li').first()).toContainText('Signed in with Demo ID');
  // First, take the data away.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download my data' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('my-data.json');
  const data = JSON.parse(readFileSync((await file.path())!, 'utf8'));
  expect(data.account.display_name).toBe(displayName(person));
  expect(data.identities).toHaveLength(1);
  expect(data.sessions).toHaveLength(2);

  const fold = page.locator('details.delete-account');
  const confirm = page.getByRole('button', { name: 'Delete my account and my data' });
  await expect(confirm).toBeHidden();
  await fold.locator('summary').click();
  await expect(fold).toContainText('cannot be undone');
  await test.info().attach('account deletion', { body: await page.locator('.account').screenshot(), contentType: 'image/png' });
  await confirm.click();

  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByRole('button', { name: 'Sign in with Demo ID' })).toBeVisible();
  await otherPage.reload();
  await expect(otherPage.getByRole('button', { name: 'Sign in with Demo ID' })).toBeVisible();
  await other.close();

  // Signing in again is a new account: nothing of the old one comes back.
  await forgetProviderSessions(page.context());
  await signIn(page, person);
  await openStartPage(page, '/account');
  await expect(connected(page)).toHaveCount(1);
  await expect(page.locator('ul.sessions > li')).toHaveCount(1);
});
