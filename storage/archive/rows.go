package archive

import (
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Batch is what one archiver pass writes, in one transaction. Every row is
// keyed by a quita id, so writing a batch twice changes nothing the second
// time (but a message's status, which only moves forward).
type Batch struct {
	Messages      []MessageRow
	Events        []EventRow
	Debtors       []dialogs.Debtor
	Debts         []DebtRow
	Agreements    []storage.AgreementRecord
	Conversations []ConversationRow
	OptOuts       []storage.OptOutRecord
	Gate          []GateRow
	Payments      []storage.PaymentRecord // payments and refunds applied to charges (billing.Apply)
	Charges       []storage.ChargeRecord  // each version of a charge as it was saved
}

// Rows is how many rows the batch holds (before derived rows).
func (b *Batch) Rows() int {
	return len(b.Messages) + len(b.Events) + len(b.Debtors) + len(b.Debts) + len(b.Agreements) +
		len(b.Conversations) + len(b.OptOuts) + len(b.Gate) + len(b.Payments) + len(b.Charges)
}

// MessageRow is one transcript message: Raw is its JSON as Redis holds it
// (the msgs hash), Msg the same decoded with its latest status applied, Seq
// its position in the conversation's log.
type MessageRow struct {
	Seq int
	Raw string
	Msg storage.Message
}

// EventRow is one dialog action as the commit wrote it (its outbox entry id).
type EventRow struct {
	ID           string
	Conversation string
	At           time.Time
	Action       dialogs.Action
	Raw          string
}

// DebtRow is a debt with when it closed (paid, agreement fulfilled…).
type DebtRow struct {
	dialogs.Debt
	ClosedAt time.Time
	PaidAt   time.Time
}

// ConversationRow is a conversation's summary.
type ConversationRow struct {
	ID       string
	DebtorID string
	Channel  string
	Messages int
	LastAt   time.Time
	State    string // the dialog state (JSON) as last archived
}

// GateRow is one compliance gate decision on an outbound message.
type GateRow struct {
	ID           string
	MessageID    string
	Conversation string
	Allowed      bool
	Reason       string
	At           time.Time
}
