-- What each item's stock at a site is worth (core::rules::valuation): one
-- moving-average pool per item, written in the commit of the documents
-- that change it. Kept apart from `rows`: devices never see values.
CREATE TABLE valuations (
    site   TEXT NOT NULL,
    item   TEXT NOT NULL,
    milli  INTEGER NOT NULL,  -- quantity held, in thousandths of the unit
    cents  INTEGER NOT NULL,  -- its value, in cents
    PRIMARY KEY (site, item)
) STRICT, WITHOUT ROWID;
