-- A re-bootstrap keeps the old rows until new ones replace them
-- (Cache::begin_rebootstrap): each row carries the generation it was
-- written in, and the rows an older generation left are swept at the end.
ALTER TABLE rows ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
