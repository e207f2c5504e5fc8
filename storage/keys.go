package storage

// Keys builds every Redis key quita uses, under one prefix (KEYS.md).
// Conversation keys carry the conversation id in a hash tag so that they
// share a Cluster slot.
type Keys struct{ Prefix string }

func (k Keys) conv(id, suffix string) string { return k.Prefix + ":c:{" + id + "}:" + suffix }

// The consumer groups of the pipeline's streams (Inbound, Outbound, Actions).
const (
	GroupWorkers = "workers"
	GroupSenders = "senders"
	GroupActions = "actions"
)

// Inbound is the stream of "conversation has new inbound" notifications.
func (k Keys) Inbound() string { return k.Prefix + ":in" }

// Outbound is the stream of messages to send.
func (k Keys) Outbound() string { return k.Prefix + ":out" }

// OutboundRetry is the sorted set of outbound messages waiting to be retried, by due time.
func (k Keys) OutboundRetry() string { return k.Prefix + ":out:retry" }

// Inbox is the ordered list of a conversation's inbound messages not yet processed.
func (k Keys) Inbox(conv string) string { return k.conv(conv, "inbox") }

// State is a conversation's dialog state.
func (k Keys) State(conv string) string { return k.conv(conv, "state") }

// Log is a conversation's transcript order (message ids).
func (k Keys) Log(conv string) string { return k.conv(conv, "log") }

// Msgs is a conversation's transcript messages by id.
func (k Keys) Msgs(conv string) string { return k.conv(conv, "msgs") }

// Status is a conversation's delivery statuses by message id.
func (k Keys) Status(conv string) string { return k.conv(conv, "status") }

// Lock serialises work on one conversation.
func (k Keys) Lock(conv string) string { return k.conv(conv, "lock") }

// Dedupe remembers a provider message id already accepted.
func (k Keys) Dedupe(channel, providerID string) string {
	return k.Prefix + ":dedupe:" + channel + ":" + providerID
}

// ProviderIndex maps a provider message id to "conversation|message id".
func (k Keys) ProviderIndex(channel, providerID string) string {
	return k.Prefix + ":pid:" + channel + ":" + providerID
}

// Conversations orders conversation ids by last activity.
func (k Keys) Conversations() string { return k.Prefix + ":convs" }

// Media is one stored media file.
func (k Keys) Media(id string) string { return k.Prefix + ":media:" + id }

// Events is the pub/sub channel of conversation changes (console live updates).
func (k Keys) Events() string { return k.Prefix + ":events" }

// OptOut is the audit record of an opt-out of one channel by one number.
func (k Keys) OptOut(channel, phone string) string {
	return k.Prefix + ":optout:" + channel + ":" + phone
}

// Debtor is one debtor record.
func (k Keys) Debtor(id string) string { return k.Prefix + ":debtor:" + id }

// DebtorDebts is the set of a debtor's debt ids.
func (k Keys) DebtorDebts(id string) string { return k.Prefix + ":debtor:" + id + ":debts" }

// Debt is one debt record.
func (k Keys) Debt(id string) string { return k.Prefix + ":debt:" + id }

// PhoneIndex maps an E.164 number to a debtor id.
func (k Keys) PhoneIndex(phone string) string { return k.Prefix + ":phone:" + phone }

// CPFIndex maps a CPF (digits) to a debtor id.
func (k Keys) CPFIndex(cpf string) string { return k.Prefix + ":cpf:" + cpf }

// InvoiceIndex maps (creditor, invoice) to a debt id, for idempotent imports.
func (k Keys) InvoiceIndex(creditor, invoice string) string {
	return k.Prefix + ":invoice:" + creditor + ":" + invoice
}

// Actions is the stream of dialog actions other than sends (handoff,
// promise, agreement, reminders…), written in the same commit as the step.
func (k Keys) Actions() string { return k.Prefix + ":actions" }
