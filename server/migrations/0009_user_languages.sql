-- The language each person reads the console in (issue 17, item 5),
-- chosen on their account page. A person without a row gets their
-- browser's language.
CREATE TABLE user_languages (
    site      TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    language  TEXT NOT NULL,
    PRIMARY KEY (site, user_id)
) STRICT;
