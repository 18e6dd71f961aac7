-- People who have signed in at least once.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    display_name   TEXT NOT NULL,
    email          TEXT,
    email_verified INTEGER,
    avatar_url     TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- An account at a provider. Keyed by (issuer, subject), never by email: two providers
-- reporting the same address are two identities until the person links them.
CREATE TABLE identities (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider_id    TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    username       TEXT,
    email          TEXT,
    email_verified INTEGER,
    created_at     INTEGER NOT NULL,
    last_sign_in_at INTEGER NOT NULL,
    UNIQUE (issuer, subject)
);

-- Sessions by the SHA-256 digest of their id: a copy of this table opens no session.
CREATE TABLE sessions (
    id_digest    TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    identity_id  INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

-- Sign-ins under way, by the digest of the id in the browser's binding cookie. Single use.
CREATE TABLE sign_in_transactions (
    id_digest      TEXT PRIMARY KEY,
    provider_id    TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    state          TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    return_to      TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

-- What happened at each sign-in attempt, for the operator. Never a code, token or secret.
CREATE TABLE sign_in_events (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    provider_id TEXT NOT NULL,
    user_id     INTEGER,
    outcome     TEXT NOT NULL
);
