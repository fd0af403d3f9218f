-- Recoupable advances (spec section 4 steps 7-8): one row per advance
-- booking (payer's cash into the advances asset) and per recoupment booking
-- (payable into the advances asset). Append-only, as bookings.
CREATE TABLE advance_bookings (
	entry_id     INTEGER PRIMARY KEY REFERENCES entries(id),
	contract     TEXT NOT NULL,
	version      INTEGER NOT NULL,
	advance      TEXT NOT NULL,
	payer        TEXT NOT NULL,
	payee        TEXT NOT NULL,
	advance_date TEXT NOT NULL,
	amount       TEXT NOT NULL,
	date         TEXT NOT NULL
);
CREATE INDEX advance_bookings_contract ON advance_bookings (contract, advance);
CREATE TRIGGER advance_bookings_no_update BEFORE UPDATE ON advance_bookings BEGIN SELECT RAISE(ABORT, 'advance bookings are immutable'); END;
CREATE TRIGGER advance_bookings_no_delete BEFORE DELETE ON advance_bookings BEGIN SELECT RAISE(ABORT, 'advance bookings are immutable'); END;

CREATE TABLE recoupments (
	entry_id  INTEGER PRIMARY KEY REFERENCES entries(id),
	contract  TEXT NOT NULL,
	version   INTEGER NOT NULL,
	advance   TEXT NOT NULL,
	period    TEXT NOT NULL,
	payer     TEXT NOT NULL,
	payee     TEXT NOT NULL,
	amount    TEXT NOT NULL,
	date      TEXT NOT NULL
);
CREATE INDEX recoupments_contract ON recoupments (contract, advance, period);
CREATE TRIGGER recoupments_no_update BEFORE UPDATE ON recoupments BEGIN SELECT RAISE(ABORT, 'recoupments are immutable'); END;
CREATE TRIGGER recoupments_no_delete BEFORE DELETE ON recoupments BEGIN SELECT RAISE(ABORT, 'recoupments are immutable'); END;
