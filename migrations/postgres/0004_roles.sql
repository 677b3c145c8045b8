-- Newsroom roles (editor, moderator, admin) a reader may hold, any number at once; every reader
-- is a reader. `users.role` from the first schema held at most one and nothing read it: what it
-- held moves here, and the column stays 'reader' (`db::roles`).
CREATE TABLE user_roles (
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('editor', 'moderator', 'admin')),
    granted_at BIGINT  NOT NULL,
    -- NULL when granted on the command line (`jinri user grant`).
    granted_by BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_by_role ON user_roles (role);

INSERT INTO user_roles (user_id, role, granted_at) SELECT id, role, created_at FROM users WHERE role <> 'reader';
UPDATE users SET role = 'reader' WHERE role <> 'reader';

-- What the newsroom did, newest last: who (NULL: the command line), what, to whom, when.
CREATE TABLE audit_log (
    id             BIGSERIAL PRIMARY KEY,
    at             BIGINT  NOT NULL,
    actor_id       BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    action         TEXT    NOT NULL,
    target_user_id BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    detail         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at);
