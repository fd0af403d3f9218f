-- 0011: exchange rates, imported from CSV files (date, from, to, rate):
-- facts like events, one per (from, to, date), never changed.
CREATE TABLE fx_rates (
	date     date NOT NULL,
	from_ccy text COLLATE "C" NOT NULL CHECK (length(from_ccy) = 3),
	to_ccy   text COLLATE "C" NOT NULL CHECK (length(to_ccy) = 3),
	rate     numeric NOT NULL CHECK (rate > 0),
	batch_id bigint NOT NULL,  -- 0 in a dry run, which is rolled back
	PRIMARY KEY (from_ccy, to_ccy, date)
);
CREATE TRIGGER fx_rates_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON fx_rates
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('exchange rates are immutable');
