-- What a failed plain form post (no JavaScript) is sent back to its form with: the error and
-- what the reader typed (never a password), read once by the next request for `path` that
-- carries the cookie whose token hashes to `token_hash` (`server::flash`). `payload` is JSON.
-- Rows live `server::flash::FLASH_SECS` seconds; expired ones are never read and are pruned.
-- `client` is the poster's address (`request::client_key`): each keeps at most
-- `server::flash::FLASH_PER_CLIENT` live flashes, so a flood of failed posts cannot fill the disk.
CREATE TABLE form_flash (
    token_hash TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    path TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX form_flash_expires ON form_flash (expires_at);
CREATE INDEX form_flash_by_client ON form_flash (client, expires_at);
