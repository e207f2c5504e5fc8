-- 0001: the archive's tables (PostgreSQL). The SQLite variant beside it has
-- the same tables and columns; only types differ. storage/archive/SCHEMA.md
-- describes them. Keys come from quita's own ids (message ids, action
-- stream entry ids, debt ids) so that archiving twice writes nothing twice.
CREATE TABLE debtors (
  id            text PRIMARY KEY,
  name          text NOT NULL DEFAULT '',
  cpf           text NOT NULL DEFAULT '',
  cpf_hash      text NOT NULL DEFAULT '',
  phones        text NOT NULL DEFAULT '',
  email         text NOT NULL DEFAULT '',
  data          text NOT NULL DEFAULT '{}',
  updated_at    timestamptz NOT NULL,
  anonymised_at timestamptz
);
CREATE INDEX debtors_cpf ON debtors (cpf);
CREATE INDEX debtors_cpf_hash ON debtors (cpf_hash);

CREATE TABLE debts (
  id            text PRIMARY KEY,
  creditor      text NOT NULL DEFAULT '',
  debtor_id     text NOT NULL DEFAULT '',
  invoice       text NOT NULL DEFAULT '',
  description   text NOT NULL DEFAULT '',
  amount_cents  bigint NOT NULL DEFAULT 0,
  due           text NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'open',
  closed_at     timestamptz,
  data          text NOT NULL DEFAULT '{}',
  updated_at    timestamptz NOT NULL,
  anonymised_at timestamptz
);
CREATE INDEX debts_debtor ON debts (debtor_id);
CREATE INDEX debts_creditor ON debts (creditor);

CREATE TABLE charges (
  id           text PRIMARY KEY,
  debt_id      text NOT NULL DEFAULT '',
  conversation text NOT NULL DEFAULT '',
  kind         text NOT NULL DEFAULT '',
  amount_cents bigint NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL,
  data         text NOT NULL DEFAULT '{}'
);
CREATE INDEX charges_debt ON charges (debt_id);

CREATE TABLE payments (
  id           text PRIMARY KEY,
  debt_id      text NOT NULL DEFAULT '',
  amount_cents bigint NOT NULL DEFAULT 0,
  method       text NOT NULL DEFAULT '',
  paid_at      timestamptz NOT NULL,
  data         text NOT NULL DEFAULT '{}'
);
CREATE INDEX payments_debt ON payments (debt_id);

CREATE TABLE agreements (
  id           text PRIMARY KEY,
  debt_id      text NOT NULL DEFAULT '',
  conversation text NOT NULL DEFAULT '',
  total_cents  bigint NOT NULL DEFAULT 0,
  installments integer NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL,
  data         text NOT NULL DEFAULT '{}'
);
CREATE INDEX agreements_debt ON agreements (debt_id);

CREATE TABLE installments (
  agreement_id text NOT NULL,
  n            integer NOT NULL,
  due          text NOT NULL DEFAULT '',
  amount_cents bigint NOT NULL DEFAULT 0,
  paid_at      timestamptz,
  PRIMARY KEY (agreement_id, n)
);

CREATE TABLE promises (
  id           text PRIMARY KEY,
  debt_id      text NOT NULL DEFAULT '',
  conversation text NOT NULL DEFAULT '',
  promised_for text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL
);
CREATE INDEX promises_debt ON promises (debt_id);

CREATE TABLE conversations (
  id            text PRIMARY KEY,
  debtor_id     text NOT NULL DEFAULT '',
  channel       text NOT NULL DEFAULT '',
  messages      integer NOT NULL DEFAULT 0,
  last_at       timestamptz NOT NULL,
  trimmed_at    timestamptz,
  anonymised_at timestamptz
);

-- messages: one row per transcript message. raw is the message's JSON as
-- Redis held it (served back byte for byte once Redis trimmed it); status
-- is the latest delivery status, message_statuses every status seen.
CREATE TABLE messages (
  id           text PRIMARY KEY,
  conversation text NOT NULL,
  seq          integer NOT NULL DEFAULT 0,
  direction    text NOT NULL,
  channel      text NOT NULL DEFAULT '',
  origin       text NOT NULL DEFAULT '',
  actor        text NOT NULL DEFAULT '',
  step         text NOT NULL DEFAULT '',
  variant      text NOT NULL DEFAULT '',
  text         text NOT NULL DEFAULT '',
  status       text NOT NULL DEFAULT '',
  status_rank  integer NOT NULL DEFAULT 0,
  error_code   text NOT NULL DEFAULT '',
  template     text NOT NULL DEFAULT '',
  category     text NOT NULL DEFAULT '',
  sms_encoding text NOT NULL DEFAULT '',
  sms_segments integer NOT NULL DEFAULT 0,
  cost_micros  bigint NOT NULL DEFAULT 0,
  at           timestamptz NOT NULL,
  raw          text NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation, seq);
CREATE INDEX messages_at ON messages (at);

CREATE TABLE message_statuses (
  message_id text NOT NULL,
  status     text NOT NULL,
  error_code text NOT NULL DEFAULT '',
  seen_at    timestamptz NOT NULL,
  PRIMARY KEY (message_id, status)
);

CREATE TABLE handoffs (
  id           text PRIMARY KEY,
  conversation text NOT NULL DEFAULT '',
  reason       text NOT NULL DEFAULT '',
  priority     integer NOT NULL DEFAULT 0,
  at           timestamptz NOT NULL
);
CREATE INDEX handoffs_conversation ON handoffs (conversation);

-- optouts: phone is cleared by an erasure; phone_hash (HMAC-SHA256 with
-- QUITA_SUBJECT_HASH_KEY) keeps the suppression.
CREATE TABLE optouts (
  id         text PRIMARY KEY,
  channel    text NOT NULL DEFAULT '',
  phone      text NOT NULL DEFAULT '',
  phone_hash text NOT NULL DEFAULT '',
  message    text NOT NULL DEFAULT '',
  at         timestamptz NOT NULL
);
CREATE INDEX optouts_phone ON optouts (phone);

CREATE TABLE consents (
  id         text PRIMARY KEY,
  phone      text NOT NULL DEFAULT '',
  phone_hash text NOT NULL DEFAULT '',
  channel    text NOT NULL DEFAULT '',
  kind       text NOT NULL DEFAULT '',
  granted    boolean NOT NULL DEFAULT false,
  at         timestamptz NOT NULL
);
CREATE INDEX consents_phone ON consents (phone);

CREATE TABLE csat (
  id           text PRIMARY KEY,
  conversation text NOT NULL DEFAULT '',
  score        integer NOT NULL DEFAULT 0,
  at           timestamptz NOT NULL
);

CREATE TABLE gate_decisions (
  id           text PRIMARY KEY,
  message_id   text NOT NULL DEFAULT '',
  conversation text NOT NULL DEFAULT '',
  allowed      boolean NOT NULL DEFAULT false,
  reason       text NOT NULL DEFAULT '',
  at           timestamptz NOT NULL
);
CREATE INDEX gate_decisions_conversation ON gate_decisions (conversation);

-- events: every dialog action as the pipeline committed it (the source of
-- promises, agreements, handoffs, opt-outs, CSAT and outcomes above).
CREATE TABLE events (
  id           text PRIMARY KEY,
  conversation text NOT NULL DEFAULT '',
  kind         text NOT NULL,
  debt_id      text NOT NULL DEFAULT '',
  step         text NOT NULL DEFAULT '',
  variant      text NOT NULL DEFAULT '',
  reason       text NOT NULL DEFAULT '',
  at           timestamptz NOT NULL,
  data         text NOT NULL DEFAULT '{}'
);
CREATE INDEX events_conversation ON events (conversation);
CREATE INDEX events_debt ON events (debt_id);

-- subject_audit: every data-subject export and erasure, and every
-- retention run (LGPD art. 37: records of processing).
CREATE TABLE subject_audit (
  id       text PRIMARY KEY,
  at       timestamptz NOT NULL,
  actor    text NOT NULL,
  action   text NOT NULL,
  cpf_hash text NOT NULL DEFAULT '',
  detail   text NOT NULL DEFAULT ''
);
