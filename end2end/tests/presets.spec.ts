import { expect, test, type Page } from '@playwright/test';
import {
  completeAtOidcStandIn, expectErrorView, grantConsent, oidcStandInInteraction, openStartPage,
} from './helpers';

// Each preset signing in through the browser against its loopback stand-in, once with
// consent, once refused, and once with the provider's own error format at the token endpoint.
// The OpenID presets' stand-ins are oidc-provider with their claims (Apple's is
// standins/apple-standin.mjs); the others are standins/social-standins.mjs, which check
// credentials, PKCE and signatures as the real ones do.
const standIns = 'http://127.0.0.1:9420';
/** The presets whose stand-in is an oidc-provider, by port. */
const oidcStandIns: Record<string, number> = {
  google: 9411, gitlab: 9412, linkedin: 9413, twitch: 9414, slack: 9415, microsoft: 9416,
};
/** The presets whose stand-in is a server of its own with an Allow/Deny page, by port. */
const ownStandIns: Record<string, number> = { apple: 9421 };

/** The private relay address the Apple stand-in gives Ada. */
const appleRelayAddress = 'dx7k2m9qpb@privaterelay.appleid.com';

type Preset = {
  id: string;
  button: string;
  name: string;
  username?: string;
  email?: string;
  verified?: string;
  claim: string;
  /** The workspace the profile names (Slack's team). */
  workspace?: string;
  /** The address is flagged as a private relay (Apple's "Hide My Email"). */
  relay?: boolean;
};

const presets: Preset[] = [
  { id: 'google', button: 'Sign in with Google', name: 'Ada Lovelace', email: 'ada@example.com', verified: 'verified', claim: '"given_name": "Ada"' },
  { id: 'github', button: 'Sign in with GitHub', name: 'The Octocat', username: '@octocat', email: 'octocat@github.com', verified: 'verified', claim: '"node_id"' },
  { id: 'x', button: 'Sign in with X', name: 'X Developers', username: '@XDevelopers', email: 'xdevelopers@example.com', verified: 'verified', claim: '"username": "XDevelopers"' },
  { id: 'x-legacy', button: 'Sign in with X (OAuth 1.0a)', name: 'Twitter API', username: '@TwitterAPI', email: 'api@example.com', verified: 'verified', claim: '"screen_name": "TwitterAPI"' },
  { id: 'facebook', button: 'Sign in with Facebook', name: 'Ada Lovelace', email: 'ada@example.com', verified: 'verification unknown', claim: '"is_silhouette": false' },
  { id: 'instagram', button: 'Sign in with Instagram', name: 'Ada Codes', username: '@ada.codes', claim: '17841400123456789' },
  { id: 'discord', button: 'Sign in with Discord', name: 'Nelly', username: '@nelly', email: 'nelly@discord.com', verified: 'verified', claim: '"global_name": "Nelly"' },
  { id: 'gitlab', button: 'Sign in with GitLab', name: 'Ada Lovelace', username: '@ada', email: 'ada@example.com', verified: 'verified', claim: '"nickname": "ada"' },
  { id: 'linkedin', button: 'Sign in with LinkedIn', name: 'Ada Lovelace', email: 'ada@example.com', verified: 'verified', claim: '"locale": "en_US"' },
  { id: 'twitch', button: 'Sign in with Twitch', name: 'Ada Lovelace', username: '@Ada Lovelace', email: 'ada@example.com', verified: 'verified', claim: '"preferred_username": "Ada Lovelace"' },
  { id: 'slack', button: 'Sign in with Slack', name: 'Ada Lovelace', email: 'ada@example.com', verified: 'verified', claim: '"given_name": "Ada"', workspace: 'Lovelace Labs' },
  { id: 'microsoft', button: 'Sign in with Microsoft', name: 'Ada Lovelace', email: 'ada@example.com', verified: 'verified', claim: '"name": "Ada Lovelace"' },
  { id: 'apple', button: 'Sign in with Apple', name: 'Ada Lovelace', email: appleRelayAddress, verified: 'verified', claim: '"email_verified"', relay: true },
];

/** Clicks the preset's button and answers its consent page. */
async function answerAtProvider(page: Page, preset: Preset, decision: 'Allow' | 'Deny') {
  await page.getByRole('button', { name: preset.button, exact: true }).click();
  const oidcPort = oidcStandIns[preset.id];
  if (oidcPort) {
    if (decision === 'Deny') {
      await page.waitForURL(oidcStandInInteraction(oidcPort));
      await page.getByRole('link', { name: /Cancel/ }).click();
      return;
    }
    await completeAtOidcStandIn(page, oidcPort, 'ada');
    return;
  }
  await page.waitForURL(new RegExp(`127\\.0\\.0\\.1:${ownStandIns[preset.id] ?? 9420}/`));
  await page.getByRole('button', { name: decision }).click();
}

test('the sign-in page shows a brand button per preset, in the configured order, each reachable by keyboard', async ({ page }) => {
  await openStartPage(page);
  const buttons = page.locator('.providers button');
  await expect(buttons).toHaveText([
    'Sign in with Demo ID',
    'Sign in with Offline ID',
    ...presets.map((p) => p.button),
  ]);
  for (const preset of presets) {
    const button = page.getByRole('button', { name: preset.button, exact: true });
    await expect(button.locator('svg.mark')).toHaveAttribute('aria-hidden', 'true');
  }
  // Tab reaches every button; Enter on a preset starts its sign-in.
  await page.getByRole('button', { name: 'Sign in with Demo ID' }).focus();
  for (let i = 0; i < 3; i += 1) await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Sign in with GitHub' })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.waitForURL(/127\.0\.0\.1:9420\/github\/authorize/);
});

for (const preset of presets) {
  test(`${preset.id}: signs in and shows the normalized profile with the raw claims`, async ({ page, context }) => {
    await openStartPage(page);
    await answerAtProvider(page, preset, 'Allow');

    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect(page).toHaveURL(/localhost:3100\/$/);
    const card = page.locator('.profile');
    await expect(card.getByRole('heading', { name: preset.name })).toBeVisible();
    if (preset.username) await expect(card.locator('.username')).toHaveText(preset.username);
    else await expect(card.locator('.username')).toHaveCount(0);
    if (preset.email) {
      await expect(card.locator('.email')).toContainText(preset.email);
      await expect(card.locator('.email .badge')).toHaveText(preset.verified!);
    } else {
      await expect(card.locator('.email')).toHaveCount(0);
    }
    if (preset.relay) await expect(card.locator('.email .relay')).toHaveText('private relay');
    else await expect(card.locator('.email .relay')).toHaveCount(0);
    if (preset.workspace) await expect(card.locator('.workspace')).toHaveText(preset.workspace);
    else await expect(card.locator('.workspace')).toHaveCount(0);

    // The raw claims are folded away, open on request, and never hold a token.
    const claims = card.locator('details.claims');
    await expect(claims.locator('pre')).toBeHidden();
    await claims.locator('summary').click();
    await expect(claims.locator('pre')).toContainText(preset.claim);
    const html = await page.content();
    expect(html).not.toMatch(/access_token|oauth_token|-at-|eyJ[\w-]+\.eyJ/);

    const session = (await context.cookies()).find((c) => c.name === '__Host-session');
    expect(session).toBeDefined();
  });

  test(`${preset.id}: refusing consent ends on the cancelled view`, async ({ page, context }) => {
    await openStartPage(page);
    await answerAtProvider(page, preset, 'Deny');
    await expectErrorView(page, /Sign-in was cancelled/);
    expect((await context.cookies()).find((c) => c.name === '__Host-session')).toBeUndefined();
  });
}

for (const preset of presets) {
  test(`${preset.id}: the provider's own error at the token endpoint is refused`, async ({ page, context, request }) => {
    await openStartPage(page);
    const oidcPort = oidcStandIns[preset.id];
    const ownPort = ownStandIns[preset.id];
    const fault = oidcPort
      ? request.post(`http://127.0.0.1:${oidcPort}/__faults`, { data: { fault: 'token-error' } })
      : request.post(ownPort ? `http://127.0.0.1:${ownPort}/__faults` : `${standIns}/__faults`, {
        data: { provider: preset.id, fault: 'token-error' },
      });
    expect((await fault).status()).toBe(204);
    await answerAtProvider(page, preset, 'Allow');
    await expectErrorView(page, /could not complete the sign-in/);
    expect((await context.cookies()).find((c) => c.name === '__Host-session')).toBeUndefined();
  });
}

for (const id of ['github', 'x-legacy', 'discord']) {
  const preset = presets.find((p) => p.id === id)!;
  const provider = preset.button.replace('Sign in with ', '');
  test(`${id}: disconnecting it on /account gives its grant back to ${provider}`, async ({ page, request }) => {
    const revoked = async () => (await (await request.get(`${standIns}/__revocations`)).json())[id] as number;
    const before = await revoked();
    // The stand-in always answers with the same person, whose account this sign-in finds or
    // makes; a fresh demo login is connected beside it, so the preset may be disconnected.
    await openStartPage(page);
    await answerAtProvider(page, preset, 'Allow');
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await openStartPage(page, '/account');
    await page.getByRole('button', { name: 'Connect Demo ID', exact: true }).click();
    await page.waitForURL(/127\.0\.0\.1:9410\/interaction\//);
    await page.locator('input[name="login"]').fill(`revoke${id}${Date.now()}`);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await grantConsent(page);
    await page.waitForURL((url) => url.pathname === '/account');
    await expect(page.locator('body[data-hydrated]')).toBeAttached();

    await page.getByRole('button', { name: `Disconnect ${provider}`, exact: true }).click();
    await expect(page.locator(`ul.connected > li[data-provider="${id}"]`)).toHaveCount(0);
    // Revoked in the background, so the stand-in hears of it a moment after the page updates.
    await expect.poll(revoked).toBe(before + 1);
  });
}
