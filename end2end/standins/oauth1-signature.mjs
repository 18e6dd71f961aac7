// Checking OAuth 1.0a HMAC-SHA1 signatures as X does (RFC 5849 section 3.4), so the end-to-end
// tests prove that the app's requests are signed correctly, not merely that they carry a header.

import { createHmac, timingSafeEqual } from 'node:crypto';

// RFC 3986 unreserved characters stay; everything else is percent-encoded in upper case.
export const percentEncode = (value) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The `OAuth k="v", ...` header as an object of decoded values. */
export function parseAuthorization(header) {
  if (!header?.startsWith('OAuth ')) return null;
  const fields = {};
  for (const part of header.slice(6).split(',')) {
    const match = /^\s*([A-Za-z0-9_]+)="([^"]*)"\s*$/.exec(part);
    if (!match) return null;
    fields[match[1]] = decodeURIComponent(match[2]);
  }
  return fields;
}

/**
 * True when `oauth.oauth_signature` signs this request with the consumer secret and token secret.
 * `params` are the query and form parameters as [name, value] pairs.
 */
export function signatureIsValid({ method, baseUrl, oauth, params, consumerSecret, tokenSecret = '' }) {
  if (oauth.oauth_signature_method !== 'HMAC-SHA1' || !oauth.oauth_signature) return false;
  const all = [...params, ...Object.entries(oauth).filter(([name]) => name !== 'oauth_signature')]
    .map(([name, value]) => [percentEncode(name), percentEncode(value)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  const normalized = all.map(([name, value]) => `${name}=${value}`).join('&');
  const base = [method.toUpperCase(), percentEncode(baseUrl), percentEncode(normalized)].join('&');
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  const expected = createHmac('sha1', key).update(base).digest();
  const given = Buffer.from(oauth.oauth_signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
