-- 0105: read-only roles (docs/postgres.md, "An auditor's role"). A role
-- granted with `revshare grant --read-only` may SELECT every table and
-- nothing else; login_roles records which kind each granted role is, so
-- that the owner's later migrations grant each what it may.
ALTER TABLE login_roles ADD COLUMN access text NOT NULL DEFAULT 'write'
	CHECK (access IN ('write', 'read'));
