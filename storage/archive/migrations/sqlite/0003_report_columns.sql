-- 0003: what the recovery report (storage/archive/report.go) needs.
-- messages.debt_id: the debt a reminder was about (with its step and
-- variant, so outcomes and spend are attributed to them); cost_currency
-- beside cost_micros. payments.source: "debt" for a debt reported paid
-- (id debt:<debt>, its whole amount), "charge" for each payment or refund
-- a provider reported on one of quita's charges (billing.Apply; refunds
-- negative), with its charge_id.
ALTER TABLE messages ADD COLUMN debt_id text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN cost_currency text NOT NULL DEFAULT '';
CREATE INDEX messages_debt ON messages (debt_id);
ALTER TABLE payments ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN charge_id text NOT NULL DEFAULT '';
UPDATE payments SET source = 'debt' WHERE id LIKE 'debt:%';
