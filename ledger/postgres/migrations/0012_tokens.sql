-- 0012: API tokens. Only a token's hash is stored; a token is revoked,
-- never deleted nor changed otherwise.
CREATE TABLE api_tokens (
	id         bigint PRIMARY KEY CHECK (id >= 1),  -- the last plus one, as on SQLite
	name       text NOT NULL,
	role       text NOT NULL CHECK (role IN ('auditor', 'analyst', 'finance', 'admin')),
	hash       text NOT NULL UNIQUE CHECK (length(hash) = 64),  -- hex SHA-256 of the token
	created_at timestamptz NOT NULL,
	revoked_at timestamptz                                       -- NULL while the token is valid
);
CREATE FUNCTION revshare_token_revoke_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (NEW.id, NEW.name, NEW.role, NEW.hash, NEW.created_at) IS DISTINCT FROM (OLD.id, OLD.name, OLD.role, OLD.hash, OLD.created_at)
		OR OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL THEN
		RAISE EXCEPTION 'api token %: a token can only be revoked, once', OLD.id USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER api_tokens_revoke_only BEFORE UPDATE ON api_tokens
	FOR EACH ROW EXECUTE FUNCTION revshare_token_revoke_only();
CREATE TRIGGER api_tokens_kept BEFORE DELETE OR TRUNCATE ON api_tokens
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('api tokens are revoked, not deleted');
