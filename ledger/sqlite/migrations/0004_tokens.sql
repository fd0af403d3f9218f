-- 0004: API tokens for `revshare serve`. Only the SHA-256 of a token is
-- stored; the token itself is printed once by `revshare token create`.
CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL CHECK (role IN ('auditor', 'analyst', 'finance', 'admin')),
	hash       TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),  -- hex SHA-256 of the token
	created_at TEXT NOT NULL,
	revoked_at TEXT                                            -- NULL while the token is valid
);
