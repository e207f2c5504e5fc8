package dialogs

import "time"

// ActionKind says what the bot must do.
type ActionKind string

// The actions Step can ask for.
const (
	ActSend            ActionKind = "send"             // send Message
	ActHandoff         ActionKind = "handoff"          // queue for a person: Reason, Priority
	ActCreateAgreement ActionKind = "create_agreement" // Agreement
	ActRecordPromise   ActionKind = "record_promise"   // DebtID, Date
	ActPauseReminders  ActionKind = "pause_reminders"  // DebtID, Until
	ActStopReminders   ActionKind = "stop_reminders"   // DebtID, Reason; with Channel and no DebtID: every debt on that channel
	ActOptOut          ActionKind = "opt_out"          // Channel, Reason (the debtor's words)
	ActWrongNumber     ActionKind = "wrong_number"     // the number is not the debtor's: Channel, Reason (their words)
	ActAskFeedback     ActionKind = "ask_feedback"
	ActRecordFeedback  ActionKind = "record_feedback" // Score
	ActOpenTask        ActionKind = "open_task"       // Task, Reason, DebtID, Media (a receipt)
	ActSuspendDebt     ActionKind = "suspend_debt"    // DebtID, Reason (dispute)
	ActOutcome         ActionKind = "outcome"         // Reason names the outcome, for A/B tracking; Step, Variant

)

// File is a generated document or image to send.
type File struct {
	Kind        string `json:"kind"` // document, image
	ContentType string `json:"content_type"`
	Filename    string `json:"filename"`
	Data        []byte `json:"data"`
}

// Message is one outbound message.
type Message struct {
	Text  string `json:"text,omitempty"`
	Files []File `json:"files,omitempty"`
	// Template names the catalog key used, so that a channel that needs an
	// approved template outside its service window can map it.
	Template string `json:"template,omitempty"`
	// Values are the named values of a message that can open a
	// conversation (ValueFirstName…), for that template's parameters.
	Values map[string]string `json:"values,omitempty"`
	// SMS is the message's SMS form when it is said by another channel
	// and its key has one: what a fallback by SMS sends instead of Text.
	SMS string `json:"sms,omitempty"`
}

// Agreement is the plan the debtor confirmed.
type Agreement struct {
	DebtID           string   `json:"debt_id"`
	Installments     int      `json:"installments"`
	DownPaymentCents int64    `json:"down_payment_cents,omitempty"`
	InstallmentCents []int64  `json:"installment_cents"`
	DueDates         []string `json:"due_dates"` // YYYY-MM-DD
	TotalCents       int64    `json:"total_cents"`
}

// Action is one thing the bot must do after a step.
type Action struct {
	Kind      ActionKind `json:"kind"`
	Message   *Message   `json:"message,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Priority  int        `json:"priority,omitempty"`
	DebtID    string     `json:"debt_id,omitempty"`
	Date      string     `json:"date,omitempty"` // YYYY-MM-DD
	Until     time.Time  `json:"until,omitempty"`
	Channel   string     `json:"channel,omitempty"`
	Task      string     `json:"task,omitempty"`
	Score     int        `json:"score,omitempty"`
	Agreement *Agreement `json:"agreement,omitempty"`
	Media     []Media    `json:"media,omitempty"`   // what the debtor sent, for ActOpenTask
	Step      string     `json:"step,omitempty"`    // ActOutcome: the reminder step that led to it
	Variant   string     `json:"variant,omitempty"` // ActOutcome: that reminder's A/B variant
	// Escalate: ActHandoff raising a handoff already queued or held to
	// Priority (distress while waiting for or talking with a person).
	Escalate bool `json:"escalate,omitempty"`
}

// Outcomes reported with ActOutcome.
const (
	OutcomeReply         = "reply"          // the debtor answered a reminder
	OutcomeCodeRequested = "code_requested" // a boleto or PIX code was sent
	OutcomePromise       = "promise"        // a promise to pay was recorded
	OutcomeAgreement     = "agreement"      // a plan was agreed
	OutcomeOptOut        = "opt_out"        // the debtor opted out
)

// Tasks opened for agents with ActOpenTask.
const (
	TaskVerifyPayment = "verify_payment" // the debtor says they paid: check it
	TaskVerifyReceipt = "verify_receipt" // the debtor sent a receipt (Media): check it
	TaskPaymentError  = "payment_error"  // a boleto, PIX or plan could not be made (Reason)
	TaskSendPayment   = "send_payment"   // the creditor cannot issue this charge by itself: a person sends the code (Reason)
)

// Handoff reasons carried by ActHandoff and Handoff.Reason.
const (
	ReasonAskHuman           = "ask_human"
	ReasonDispute            = "dispute"
	ReasonDistress           = "distress"
	ReasonLegalThreat        = "legal_threat"
	ReasonMisunderstanding   = "misunderstanding"
	ReasonVerificationFailed = "verification_failed"
	ReasonReceipt            = "receipt"
	ReasonAbusive            = "abusive"
	ReasonVIP                = "vip"          // creditor policy: a VIP debtor is served by a person
	ReasonHighValue          = "high_value"   // creditor policy: a debt above the handoff threshold
	ReasonSendPayment        = "send_payment" // the creditor cannot issue the charge itself: a person sends the code
)
