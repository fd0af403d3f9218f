-- 0070: events' seller, channel, customer and product are found through one
-- GIN index over their values as tags ("s:<seller>", "c:<channel>",
-- "u:<customer>", "p:<product>"), in place of the three B-trees
-- (seller, channel, date), (customer) and (product). Every B-tree costs an
-- index insertion per imported row (about 3 µs of server CPU a row each,
-- docs/postgres.md); a GIN index with fastupdate appends a row's tags to a
-- pending list and merges them in bulk, about 2 µs a row for all four. A
-- filter names the same expression (events.go, eventDims) with @>, and the
-- BRIN index on date narrows date ranges as before.
DROP INDEX events_seller;
DROP INDEX events_customer;
DROP INDEX events_product;
CREATE INDEX events_dims ON events USING gin ((ARRAY['s:' || seller, 'c:' || channel, 'u:' || customer, 'p:' || product]));
