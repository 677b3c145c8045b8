-- Each reader's name folded to what it looks like (`server::names::stored_skeleton`: Unicode
-- TS #39 skeleton after NFKC, case folding and traditional→simplified, with a version
-- prefix). SQL cannot compute it: the server fills the rows where it is NULL (or of an older
-- version) at start-up, and before each registration. A new name whose skeleton equals a
-- reader's is refused. Not UNIQUE: readers who registered before this stay as they are.
ALTER TABLE users ADD COLUMN skeleton TEXT;
CREATE INDEX users_by_skeleton ON users (skeleton);
