// Package dialogs is the friendly-collection conversation: a pure,
// deterministic engine. Step(conversation, event, now) returns the next
// conversation and the actions the bot must carry out; it does no I/O.
package dialogs

import "time"

// Handoff statuses of a conversation.
const (
	HandoffNone     = ""         // the bot answers
	HandoffQueued   = "queued"   // waiting for an agent; the bot stays silent
	HandoffAssigned = "assigned" // an agent holds it; the bot stays silent
)

// Handoff is the human-handoff state of a conversation.
type Handoff struct {
	Status   string    `json:"status,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Priority int       `json:"priority,omitempty"` // higher is more urgent
	Agent    string    `json:"agent,omitempty"`
	Since    time.Time `json:"since,omitempty"`
}

// Active reports whether a person, not the bot, owns the conversation.
func (h Handoff) Active() bool { return h.Status != HandoffNone }

// Conversation is the stored state of one conversation with one phone number.
type Conversation struct {
	ID         string            `json:"id"`    // the debtor's address, E.164
	Phone      string            `json:"phone"` // E.164
	Channel    string            `json:"channel,omitempty"`
	Language   string            `json:"language,omitempty"` // pt, es, en
	DebtorID   string            `json:"debtor_id,omitempty"`
	CreditorID string            `json:"creditor_id,omitempty"`
	DebtID     string            `json:"debt_id,omitempty"` // the debt under discussion
	State      string            `json:"state"`
	Verified   bool              `json:"verified,omitempty"`
	Attempts   int               `json:"verify_attempts,omitempty"`
	Missed     int               `json:"misunderstood,omitempty"` // misunderstandings in a row
	Abuse      int               `json:"abuse,omitempty"`
	Handoff    Handoff           `json:"handoff"`
	Slots      map[string]string `json:"slots,omitempty"`
	LastIn     time.Time         `json:"last_inbound_at,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}
