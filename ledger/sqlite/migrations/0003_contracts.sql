-- Contracts (every version kept), the bookings runs make, payments, and
-- final statements. All append-only.
CREATE TABLE contracts (
	id          TEXT NOT NULL,
	version     INTEGER NOT NULL,
	document    TEXT NOT NULL,
	recorded_at TEXT NOT NULL,
	PRIMARY KEY (id, version)
);
CREATE TRIGGER contracts_no_update BEFORE UPDATE ON contracts BEGIN SELECT RAISE(ABORT, 'contract versions are immutable'); END;
CREATE TRIGGER contracts_no_delete BEFORE DELETE ON contracts BEGIN SELECT RAISE(ABORT, 'contract versions are immutable'); END;

-- One row per run booking (accrual or prior-period adjustment): the index a
-- run reads to know what is booked per (contract, rule, period).
CREATE TABLE bookings (
	entry_id  INTEGER PRIMARY KEY REFERENCES entries(id),
	contract  TEXT NOT NULL,
	version   INTEGER NOT NULL,
	rule      TEXT NOT NULL,
	period    TEXT NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('accrual', 'adjustment')),
	booked_in TEXT NOT NULL,
	payer     TEXT NOT NULL,
	payee     TEXT NOT NULL,
	base      TEXT NOT NULL,
	base_delta TEXT NOT NULL,
	amount    TEXT NOT NULL,
	date      TEXT NOT NULL
);
CREATE INDEX bookings_contract ON bookings (contract, rule, period);
CREATE TRIGGER bookings_no_update BEFORE UPDATE ON bookings BEGIN SELECT RAISE(ABORT, 'bookings are immutable'); END;
CREATE TRIGGER bookings_no_delete BEFORE DELETE ON bookings BEGIN SELECT RAISE(ABORT, 'bookings are immutable'); END;

CREATE TABLE payments (
	entry_id  INTEGER PRIMARY KEY REFERENCES entries(id),
	contract  TEXT NOT NULL,
	payer     TEXT NOT NULL,
	payee     TEXT NOT NULL,
	amount    TEXT NOT NULL,
	date      TEXT NOT NULL,
	reference TEXT NOT NULL
);
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments BEGIN SELECT RAISE(ABORT, 'payments are immutable'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments BEGIN SELECT RAISE(ABORT, 'payments are immutable'); END;

CREATE TABLE statements (
	contract     TEXT NOT NULL,
	period       TEXT NOT NULL,
	body         TEXT NOT NULL,
	hash         TEXT NOT NULL,
	finalized_at TEXT NOT NULL,
	PRIMARY KEY (contract, period)
);
CREATE TRIGGER statements_no_update BEFORE UPDATE ON statements BEGIN SELECT RAISE(ABORT, 'final statements are immutable'); END;
CREATE TRIGGER statements_no_delete BEFORE DELETE ON statements BEGIN SELECT RAISE(ABORT, 'final statements are immutable'); END;

CREATE TABLE runs (
	id          INTEGER PRIMARY KEY,
	through     TEXT NOT NULL,
	started_at  TEXT NOT NULL,
	entries     INTEGER NOT NULL
);
