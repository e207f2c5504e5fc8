package dialogs

// EventKind says what happened.
type EventKind string

// The events that move a conversation.
const (
	EventInbound          EventKind = "inbound"           // the debtor wrote (text or media)
	EventReminderDue      EventKind = "reminder_due"      // a cadence step became due
	EventTimeout          EventKind = "timeout"           // no answer for a while
	EventHandedBack       EventKind = "handed_back"       // an agent returned the conversation
	EventPaymentConfirmed EventKind = "payment_confirmed" // an ERP or PSP confirmed a payment
	EventInstallmentDue   EventKind = "installment_due"   // an agreement installment is coming due
	EventAutoDebit        EventKind = "auto_debit"        // Pix Automático of an agreement: Step offer | notice | failed
)

// Media is an attachment the debtor sent.
type Media struct {
	Kind        string `json:"kind"` // image, document, audio, video
	ContentType string `json:"content_type,omitempty"`
	URL         string `json:"url,omitempty"`
	Filename    string `json:"filename,omitempty"`
}

// Event is one input to Step.
type Event struct {
	Kind    EventKind `json:"kind"`
	Channel string    `json:"channel,omitempty"`
	Text    string    `json:"text,omitempty"`
	Media   []Media   `json:"media,omitempty"`
	Case    *Case     `json:"-"` // looked up by the bot for this event
	DebtID  string    `json:"debt_id,omitempty"`
	Step    string    `json:"step,omitempty"`    // cadence step id, e.g. "D+5"
	Variant string    `json:"variant,omitempty"` // A/B variant of the step
	Resume  string    `json:"resume,omitempty"`  // hand-back point: menu | negotiation | closed
	Amount  int64     `json:"amount_cents,omitempty"`
	// EventInstallmentDue: which installment of how many, and its due date.
	Installment int    `json:"installment,omitempty"`
	Of          int    `json:"of,omitempty"`
	DueDate     string `json:"due_date,omitempty"` // YYYY-MM-DD
	// Code is EventAutoDebit offer's Pix Copia e Cola, which the debtor
	// authorises the monthly debit with in their bank app.
	Code string `json:"code,omitempty"`
	// Intent is what a tapped quick-reply button means (one of
	// ButtonIntents); the debtor's text is then not read for one.
	Intent string `json:"intent,omitempty"`
}

// Points an agent may hand a conversation back to (Event.Resume).
const (
	ResumeMenu        = "menu"
	ResumeNegotiation = "negotiation"
	ResumeClosed      = "closed"
)
