-- Attachments (issue 5): files on drafts and sent messages (DESIGN.md §2). The file itself
-- is sealed (AES-256-GCM, a key of its own) in the attachment storage — a local directory
-- or an S3-compatible bucket — under `id`; this row holds what opens and checks it.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000004_attachments.sql.

CREATE TABLE attachments (
    -- A random id the server makes; also the storage key. Never derived from the file name.
    id           TEXT   PRIMARY KEY,
    -- Who uploaded it: a draft's attachments are visible to this person alone until sent.
    owner_id     BIGINT NOT NULL REFERENCES users (id),
    -- While unsent: the draft it belongs to. Deleting a draft deletes these rows and files
    -- first (the app does it, so the files go too).
    draft_id     BIGINT REFERENCES drafts (id),
    -- Once sent: the message it travels with; then `draft_id` is NULL. A sent attachment is
    -- part of the medical record and is never deleted.
    message_id   BIGINT REFERENCES messages (id),
    -- The name as uploaded, cleaned for display (no folders, control or bidi characters).
    display_name TEXT   NOT NULL,
    -- Decided by the server from the checked content, sent with every download.
    content_type TEXT   NOT NULL,
    -- Plain size in bytes and SHA-256 (hex) of the plain content: a download must match both.
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256       TEXT   NOT NULL,
    -- The file's data key, wrapped by the master key (SM_ATTACHMENT_KEY), base64.
    wrapped_key  TEXT   NOT NULL,
    -- The STREAM nonce prefix of the sealed chunks, base64.
    nonce        TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    -- Exactly one of: on a draft, or on a sent message.
    CHECK ((draft_id IS NULL) <> (message_id IS NULL))
);
CREATE INDEX attachments_by_draft ON attachments (draft_id);
CREATE INDEX attachments_by_message ON attachments (message_id);
