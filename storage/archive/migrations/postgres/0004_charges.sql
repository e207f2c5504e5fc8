-- 0004: charges are archived as they change (storage.SaveCharge writes
-- each version to the outbox): provider, its id, state and updated_at, so
-- that the newest version wins however the outbox redelivers.
ALTER TABLE charges ADD COLUMN provider text NOT NULL DEFAULT '';
ALTER TABLE charges ADD COLUMN provider_id text NOT NULL DEFAULT '';
ALTER TABLE charges ADD COLUMN state text NOT NULL DEFAULT '';
ALTER TABLE charges ADD COLUMN due text NOT NULL DEFAULT '';
ALTER TABLE charges ADD COLUMN updated_at text NOT NULL DEFAULT '';
CREATE INDEX charges_provider ON charges (provider, provider_id);
