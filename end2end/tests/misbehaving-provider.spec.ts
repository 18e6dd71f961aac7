import { expect, test, type APIRequestContext } from '@playwright/test';
import { expectErrorView, grantConsent, openStartPage, signInAtProvider } from './helpers';

// The real oidc-provider, made to misbehave by idp/faults.mjs: each fault is injected just
// before a sign-in and spoils one response. Case ids refer to ../shared/SECURITY.md.
const idp = 'http://127.0.0.1:9410';

async function injectFault(request: APIRequestContext, fault: string) {
  const response = await request.post(`${idp}/__faults`, { data: { fault } });
  expect(response.status()).toBe(204);
}

const notValid = /not valid here/;
const notVerified = /could not be verified/;
const refused = /could not complete the sign-in/;

const cases: Array<[string, string, RegExp]> = [
  ['A6', 'callback-without-iss', notValid],
  ['A5', 'callback-wrong-iss', notValid],
  ['B1', 'id-token-wrong-iss', notVerified],
  ['B2', 'id-token-wrong-aud', notVerified],
  ['B2', 'id-token-foreign-azp', notVerified],
  ['B3', 'id-token-bad-signature', notVerified],
  ['B3', 'id-token-es256-bad-signature', notVerified],
  ['B4', 'id-token-alg-none', notVerified],
  ['B5', 'id-token-expired', notVerified],
  // An ID token without a required claim does not even parse as one.
  ['B5', 'id-token-no-iat', notVerified],
  ['B5', 'id-token-no-exp', notVerified],
  ['B6', 'id-token-no-sub', notVerified],
  ['B6', 'id-token-long-sub', notVerified],
  ['B7', 'id-token-nonce-changed', notVerified],
  ['B7', 'id-token-no-nonce', notVerified],
  ['B9', 'id-token-foreign-key', notVerified],
  ['B10', 'userinfo-other-sub', notVerified],
  ['G3', 'token-error', refused],
  ['G3', 'token-no-id-token', refused],
];

for (const [caseId, fault, message] of cases) {
  test(`${caseId}: a provider answering with ${fault} is refused`, async ({ page, context, request }) => {
    await openStartPage(page);
    await injectFault(request, fault);
    await signInAtProvider(page, 'ada');
    await grantConsent(page);

    await expectErrorView(page, message);
    expect((await context.cookies()).find((c) => c.name === '__Host-session')).toBeUndefined();
    // F3: what the provider said stays in the server's log.
    await expect(page.locator('body')).not.toContainText('provider detail');
  });
}

test('B3: an ES256 ID token with a good signature from a published key is accepted', async ({ page, request }) => {
  await openStartPage(page);
  await injectFault(request, 'id-token-es256');
  await signInAtProvider(page, 'ada');
  await grantConsent(page);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
});
