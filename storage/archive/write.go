package archive

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// maxParams bounds one INSERT's parameters (PostgreSQL allows 65,535,
// SQLite 32,766).
const maxParams = 30000

// table is one INSERT … ON CONFLICT statement's shape.
type table struct {
	name     string
	cols     []string
	conflict string // the ON CONFLICT clause
}

var (
	tMessages = table{"messages", []string{"id", "conversation", "seq", "direction", "channel", "origin", "actor", "step", "variant", "text",
		"status", "status_rank", "error_code", "template", "category", "at", "raw",
		"debt_id", "sms_encoding", "sms_segments", "cost_micros", "cost_currency"},
		// Only what moves after the message was written is updated: the
		// delivery status (forward only), the template it went as and what
		// it cost (both known once the provider took it). An erased text is
		// never written back.
		`ON CONFLICT (id) DO UPDATE SET
  status = CASE WHEN excluded.status_rank > messages.status_rank THEN excluded.status ELSE messages.status END,
  error_code = CASE WHEN excluded.status_rank > messages.status_rank THEN excluded.error_code ELSE messages.error_code END,
  status_rank = CASE WHEN excluded.status_rank > messages.status_rank THEN excluded.status_rank ELSE messages.status_rank END,
  template = CASE WHEN excluded.template <> '' THEN excluded.template ELSE messages.template END,
  category = CASE WHEN excluded.category <> '' THEN excluded.category ELSE messages.category END,
  cost_micros = CASE WHEN excluded.cost_currency <> '' THEN excluded.cost_micros ELSE messages.cost_micros END,
  cost_currency = CASE WHEN excluded.cost_currency <> '' THEN excluded.cost_currency ELSE messages.cost_currency END
  WHERE excluded.status_rank > messages.status_rank OR (messages.template = '' AND excluded.template <> '')
    OR (messages.cost_currency = '' AND excluded.cost_currency <> '')`}
	tStatuses     = table{"message_statuses", []string{"message_id", "status", "error_code", "seen_at"}, `ON CONFLICT (message_id, status) DO NOTHING`}
	tEvents       = table{"events", []string{"id", "conversation", "kind", "debt_id", "step", "variant", "reason", "at", "data"}, `ON CONFLICT (id) DO NOTHING`}
	tPromises     = table{"promises", []string{"id", "debt_id", "conversation", "promised_for", "created_at"}, `ON CONFLICT (id) DO NOTHING`}
	tHandoffs     = table{"handoffs", []string{"id", "conversation", "reason", "priority", "at"}, `ON CONFLICT (id) DO NOTHING`}
	tCSAT         = table{"csat", []string{"id", "conversation", "score", "at"}, `ON CONFLICT (id) DO NOTHING`}
	tOptOuts      = table{"optouts", []string{"id", "channel", "phone", "phone_hash", "message", "at"}, `ON CONFLICT (id) DO NOTHING`}
	tGate         = table{"gate_decisions", []string{"id", "message_id", "conversation", "allowed", "reason", "at"}, `ON CONFLICT (id) DO NOTHING`}
	tAgreements   = table{"agreements", []string{"id", "debt_id", "conversation", "total_cents", "installments", "created_at", "data"}, `ON CONFLICT (id) DO NOTHING`}
	tInstallments = table{"installments", []string{"agreement_id", "n", "due", "amount_cents", "paid_at"},
		`ON CONFLICT (agreement_id, n) DO UPDATE SET paid_at = excluded.paid_at WHERE excluded.paid_at IS NOT NULL AND installments.paid_at IS NULL`}
	// A charge's newest version wins (updated_at is RFC 3339 UTC with
	// nanoseconds: ordered as text), whatever order the outbox redelivers.
	tCharges = table{"charges", []string{"id", "debt_id", "conversation", "kind", "amount_cents", "created_at", "data", "provider", "provider_id", "state", "due", "updated_at"},
		`ON CONFLICT (id) DO UPDATE SET data = excluded.data, amount_cents = excluded.amount_cents, provider_id = excluded.provider_id,
		state = excluded.state, due = excluded.due, updated_at = excluded.updated_at WHERE excluded.updated_at >= charges.updated_at`}
	// Consents: the debtor's own first message on a channel (they started
	// the conversation: kind initiated_contact, granted) and an opt-out
	// (kind contact, revoked); the first record of each wins.
	tConsents = table{"consents", []string{"id", "phone", "phone_hash", "channel", "kind", "granted", "at"}, `ON CONFLICT (id) DO NOTHING`}
	tPayments = table{"payments", []string{"id", "debt_id", "amount_cents", "method", "paid_at", "data", "source", "charge_id"}, `ON CONFLICT (id) DO NOTHING`}
	// Debtors and debts are snapshots: the newest wins, but never over an
	// anonymised record.
	tDebtors = table{"debtors", []string{"id", "name", "cpf", "cpf_hash", "phones", "email", "data", "updated_at"},
		`ON CONFLICT (id) DO UPDATE SET name = excluded.name, cpf = excluded.cpf, cpf_hash = excluded.cpf_hash, phones = excluded.phones,
  email = excluded.email, data = excluded.data, updated_at = excluded.updated_at WHERE debtors.anonymised_at IS NULL`}
	tDebts = table{"debts", []string{"id", "creditor", "debtor_id", "invoice", "description", "amount_cents", "due", "status", "closed_at", "data", "updated_at"},
		`ON CONFLICT (id) DO UPDATE SET status = excluded.status, closed_at = COALESCE(debts.closed_at, excluded.closed_at),
  amount_cents = excluded.amount_cents, due = excluded.due, updated_at = excluded.updated_at,
  description = CASE WHEN debts.anonymised_at IS NULL THEN excluded.description ELSE debts.description END,
  data = CASE WHEN debts.anonymised_at IS NULL THEN excluded.data ELSE debts.data END`}
	tConversations = table{"conversations", []string{"id", "debtor_id", "channel", "messages", "last_at", "state"},
		`ON CONFLICT (id) DO UPDATE SET debtor_id = CASE WHEN excluded.debtor_id <> '' THEN excluded.debtor_id ELSE conversations.debtor_id END,
  state = CASE WHEN excluded.state <> '' THEN excluded.state ELSE conversations.state END,
  channel = CASE WHEN excluded.channel <> '' THEN excluded.channel ELSE conversations.channel END,
  messages = CASE WHEN excluded.messages > conversations.messages THEN excluded.messages ELSE conversations.messages END,
  last_at = CASE WHEN excluded.last_at > conversations.last_at THEN excluded.last_at ELSE conversations.last_at END`}
)

// Write archives a batch in one transaction: all of it or nothing, so an
// archiver that dies mid-batch leaves no half and redoes the whole.
func (db *DB) Write(ctx context.Context, b *Batch) error {
	rows := db.batchRows(b)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, t := range writeOrder {
			if err := db.insert(ctx, tx, t, rows[t.name]); err != nil {
				return err
			}
		}
		return nil
	})
}

var writeOrder = []table{tDebtors, tDebts, tConversations, tMessages, tStatuses, tEvents, tPromises, tHandoffs, tCSAT, tOptOuts, tGate, tAgreements, tInstallments, tCharges, tConsents, tPayments}

// batchRows turns a batch into each table's rows.
func (db *DB) batchRows(b *Batch) map[string][][]any {
	r := map[string][][]any{}
	add := func(t table, v ...any) { r[t.name] = append(r[t.name], v) }
	now := time.Now().UTC()
	for _, d := range b.Debtors {
		data, _ := json.Marshal(d)
		add(tDebtors, d.ID, d.Name, d.CPF, "", strings.Join(d.Phones, ","), d.Email, string(data), now)
	}
	for _, d := range b.Debts {
		data, _ := json.Marshal(d.Debt)
		status := d.Status
		if status == "" {
			status = dialogs.DebtOpen
		}
		add(tDebts, d.ID, d.CreditorID, d.DebtorID, d.Invoice, d.Description, d.AmountCents, d.DueDate, status, nullTime(d.ClosedAt), string(data), now)
		if !d.PaidAt.IsZero() {
			add(tPayments, "debt:"+d.ID, d.ID, d.AmountCents, d.PaymentMethod, d.PaidAt.UTC(), "{}", "debt", "")
		}
	}
	for _, c := range b.Conversations {
		add(tConversations, c.ID, c.DebtorID, c.Channel, c.Messages, c.LastAt.UTC(), c.State)
	}
	initiated := map[string]bool{}
	for _, m := range b.Messages {
		msg := m.Msg
		actor := "bot"
		switch {
		case msg.Direction == storage.In && msg.Origin != "staff":
			actor = "debtor"
			if id := msg.Channel + ":" + msg.Conversation + ":initiated_contact"; !initiated[id] {
				initiated[id] = true
				add(tConsents, id, msg.Conversation, "", msg.Channel, "initiated_contact", true, msg.At.UTC())
			}
		case msg.Author != "":
			actor = "agent:" + msg.Author
		case msg.Origin == "reminder":
			actor = "reminder"
		}
		add(tMessages, msg.ID, msg.Conversation, m.Seq, msg.Direction, msg.Channel, msg.Origin, actor, msg.Step, msg.Variant, msg.Text,
			msg.Status, storage.StatusRank(msg.Status), msg.ErrorCode, msg.Template, msg.Category, msg.At.UTC(), m.Raw,
			msg.DebtID, msg.SMSEncoding, msg.SMSSegments, msg.CostMicros, msg.CostCurrency)
		if msg.Status != "" {
			add(tStatuses, msg.ID, msg.Status, msg.ErrorCode, now)
		}
	}
	for _, e := range b.Events {
		a := e.Action
		at := e.At.UTC()
		add(tEvents, e.ID, e.Conversation, string(a.Kind), a.DebtID, a.Step, a.Variant, a.Reason, at, e.Raw)
		switch a.Kind {
		case dialogs.ActRecordPromise:
			add(tPromises, e.ID, a.DebtID, e.Conversation, a.Date, at)
		case dialogs.ActHandoff:
			add(tHandoffs, e.ID, e.Conversation, a.Reason, a.Priority, at)
		case dialogs.ActOptOut:
			add(tOptOuts, a.Channel+":"+e.Conversation, a.Channel, e.Conversation, "", a.Reason, at)
		case dialogs.ActRecordFeedback:
			add(tCSAT, e.ID, e.Conversation, a.Score, at)
		case dialogs.ActCreateAgreement:
			if g := a.Agreement; g != nil {
				data, _ := json.Marshal(g)
				add(tAgreements, e.ID, g.DebtID, e.Conversation, g.TotalCents, g.Installments, at, string(data))
				for i, due := range g.DueDates {
					var cents int64
					if i < len(g.InstallmentCents) {
						cents = g.InstallmentCents[i]
					}
					add(tInstallments, e.ID, i+1, due, cents, nil)
				}
			}
		}
	}
	for _, a := range b.Agreements {
		id := "agreement:" + a.DebtID
		var total int64
		for _, in := range a.Installments {
			total += in.Cents
		}
		data, _ := json.Marshal(a)
		add(tAgreements, id, a.DebtID, "", total, len(a.Installments), a.CreatedAt.UTC(), string(data))
		for i, in := range a.Installments {
			var paid any
			if in.Paid {
				paid = now
			}
			add(tInstallments, id, i+1, in.DueDate, in.Cents, paid)
		}
	}
	for _, o := range b.OptOuts {
		add(tOptOuts, o.Channel+":"+o.Phone, o.Channel, o.Phone, "", o.Message, o.At.UTC())
		add(tConsents, o.Channel+":"+o.Phone+":contact", o.Phone, "", o.Channel, "contact", false, o.At.UTC())
	}
	for _, p := range b.Payments {
		data, _ := json.Marshal(p)
		cents := p.AmountCents
		if p.Event == payments.PaymentRefunded {
			cents = -cents // a refund takes back what was recovered
		}
		add(tPayments, p.ID, p.DebtID, cents, p.Kind, p.At.UTC(), string(data), "charge", p.ChargeID)
	}
	for _, c := range b.Charges {
		data, _ := json.Marshal(c)
		updated := c.UpdatedAt
		if updated.IsZero() {
			updated = c.CreatedAt
		}
		add(tCharges, c.ChargeID, c.DebtID, "", string(c.Kind), c.AmountCents, c.CreatedAt.UTC(), string(data), c.Provider, c.ProviderID,
			c.State, dateOrEmpty(c.DueDate), updated.UTC().Format("2006-01-02T15:04:05.000000000Z"))
	}
	for _, g := range b.Gate {
		add(tGate, g.ID, g.MessageID, g.Conversation, g.Allowed, g.Reason, g.At.UTC())
	}
	return r
}

func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// insert writes rows with multi-row INSERTs, as many rows per statement as
// the parameter limit allows.
func (db *DB) insert(ctx context.Context, tx *sql.Tx, t table, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	rows = lastPerKey(t, rows)
	per := max(1, maxParams/len(t.cols))
	for len(rows) > 0 {
		n := min(per, len(rows))
		var q strings.Builder
		q.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
		args := make([]any, 0, n*len(t.cols))
		for i, row := range rows[:n] {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteByte('(')
			for j, v := range row {
				if j > 0 {
					q.WriteByte(',')
				}
				args = append(args, db.value(v))
				if db.dialect == SQLite {
					// SQLite looks a numbered or named parameter up in a list,
					// once to parse and once to bind it: with thousands per
					// statement that was 90% of the archiver's time
					// (BENCHMARKS.md#archive). A plain ? is just the next one.
					q.WriteByte('?')
				} else {
					q.WriteString("$" + strconv.Itoa(len(args)))
				}
			}
			q.WriteByte(')')
		}
		q.WriteString(" " + t.conflict)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("archive %s: %w", t.name, err)
		}
		rows = rows[n:]
	}
	return nil
}

// value adapts a Go value to the dialect (SQLite has no booleans).
func (db *DB) value(v any) any {
	if b, ok := v.(bool); ok && db.dialect == SQLite {
		if b {
			return 1
		}
		return 0
	}
	return v
}

// lastPerKey keeps the last row of each key: PostgreSQL refuses an INSERT
// … ON CONFLICT DO UPDATE that would change one row twice (a debtor with
// two conversations in one batch), and the last row is the newest.
func lastPerKey(t table, rows [][]any) [][]any {
	k := 1
	if t.name == "installments" || t.name == "message_statuses" {
		k = 2
	}
	key := func(r []any) string {
		if k == 1 {
			return fmt.Sprint(r[0])
		}
		return fmt.Sprint(r[0]) + "\x00" + fmt.Sprint(r[1])
	}
	last := make(map[string]int, len(rows))
	for i, r := range rows {
		last[key(r)] = i
	}
	if len(last) == len(rows) {
		return rows
	}
	out := make([][]any, 0, len(last))
	for i, r := range rows {
		if last[key(r)] == i {
			out = append(out, r)
		}
	}
	return out
}
