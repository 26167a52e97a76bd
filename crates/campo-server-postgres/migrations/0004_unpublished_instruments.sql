-- An instrument version may be held unpublished: imported for the office to look at,
-- not yet in the catalog tablets get. Every version held so far was published.
ALTER TABLE instruments ADD COLUMN published boolean NOT NULL DEFAULT true;
