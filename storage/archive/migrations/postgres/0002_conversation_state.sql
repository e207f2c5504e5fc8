-- 0002: a conversation's last dialog state, kept when a closed
-- conversation's hot state leaves Redis (storage/archive/trim.go).
ALTER TABLE conversations ADD COLUMN state text NOT NULL DEFAULT '';
