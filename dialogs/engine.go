package dialogs

import (
	"fmt"
	"maps"
	"time"
)

// EngineConfig tunes the engine. Every zero field gets the default named in
// its comment, so EngineConfig{} is a working configuration.
type EngineConfig struct {
	Understander Understander // reads the debtor's text; default NLU (package nlu)
	// Cashier makes boletos, PIX codes and plans. Without one, payment
	// requests get a kind "can't right now" and an ops task.
	Cashier            Cashier
	DefaultLanguage    string        // pt, es or en; default pt
	DefaultTimeZone    string        // IANA name for debtors without one; default America/Sao_Paulo
	PromiseHorizonDays int           // when the creditor sets none; default 30
	PaidPauseDays      int           // "já paguei" pauses reminders this long when the creditor sets none; default 7
	HardshipDeferDays  int           // how much later a hardship plan may start; default 30
	MaxOffers          int           // plans listed at once; default 4
	VerifyTTL          time.Duration // identity is asked again after this much silence; default 30 days
	FeedbackEvery      time.Duration // at most one satisfaction question per this period; default 30 days
	ReminderHour       int           // local hour of the promise-day reminder; default 9
}

// Limits the issue fixes; not configurable on purpose.
const (
	maxVerifyAttempts   = 3 // wrong identity answers before a person takes over
	missedBeforeMenu    = 2 // misunderstandings in a row before the menu is shown again
	missedBeforeHandoff = 3 // misunderstandings in a row before a person takes over
	abuseBeforeHandoff  = 2 // abusive messages before a person takes over

	queuedAckEvery = 10 * time.Minute // "you are in the queue" at most this often
)

// Handoff priorities: higher is more urgent.
const (
	PriorityNormal = 1 // asked for a person, misunderstanding, receipt, abuse
	PriorityHigh   = 2 // dispute, legal threat, failed verification
	PriorityUrgent = 3 // distress: a person should answer now
)

// Engine runs conversations. Build it with NewEngine; the zero Engine also
// works, with the defaults of EngineConfig (the nlu classifier, no Cashier).
type Engine struct {
	cfg EngineConfig
}

// NewEngine returns an engine with cfg's zero fields set to their defaults.
func NewEngine(cfg EngineConfig) *Engine {
	return &Engine{cfg: cfg.withDefaults()}
}

func (cfg EngineConfig) withDefaults() EngineConfig {
	if cfg.Understander == nil {
		cfg.Understander = NLU{}
	}
	if cfg.DefaultLanguage == "" {
		cfg.DefaultLanguage = "pt"
	}
	if cfg.DefaultTimeZone == "" {
		cfg.DefaultTimeZone = "America/Sao_Paulo"
	}
	if cfg.PromiseHorizonDays <= 0 {
		cfg.PromiseHorizonDays = 30
	}
	if cfg.PaidPauseDays <= 0 {
		cfg.PaidPauseDays = 7
	}
	if cfg.HardshipDeferDays <= 0 {
		cfg.HardshipDeferDays = 30
	}
	if cfg.MaxOffers <= 0 {
		cfg.MaxOffers = 4
	}
	if cfg.VerifyTTL <= 0 {
		cfg.VerifyTTL = 30 * 24 * time.Hour
	}
	if cfg.FeedbackEvery <= 0 {
		cfg.FeedbackEvery = 30 * 24 * time.Hour
	}
	if cfg.ReminderHour <= 0 || cfg.ReminderHour > 23 {
		cfg.ReminderHour = 9
	}
	return cfg
}

// Step runs one event through a conversation and returns the next
// conversation and what the bot must do. It does no I/O and, for the same
// inputs, always returns the same outputs. An error (unknown state, unknown
// event) leaves the conversation as it was and asks for nothing.
func (e *Engine) Step(c Conversation, ev Event, now time.Time) (Conversation, []Action, error) {
	from, err := stateNamed(c.State)
	if err != nil {
		return c, nil, err
	}
	cfg := e.cfg
	if cfg.Understander == nil { // the zero Engine
		cfg = cfg.withDefaults()
	}
	next := c
	next.Slots = maps.Clone(c.Slots) // the caller's conversation stays untouched
	if next.State == "" {
		next.State = StateStart
	}
	t := newTurn(&cfg, &next, ev, now)
	switch ev.Kind {
	case EventInbound:
		t.inbound(from)
	case EventReminderDue:
		err = t.reminder()
	case EventTimeout:
		t.timeout(from)
	case EventHandedBack:
		err = t.handedBack()
	case EventPaymentConfirmed:
		t.paymentConfirmed()
	case EventInstallmentDue:
		t.installmentDue()
	case EventAutoDebit:
		t.autoDebit()
	default:
		err = fmt.Errorf("dialogs: unknown event kind %q", ev.Kind)
	}
	if err != nil {
		return c, nil, err
	}
	if !from.allows(next.State) {
		return c, nil, fmt.Errorf("dialogs: %s event moved the conversation from %s to %s, which states.go does not allow", ev.Kind, from.name, next.State)
	}
	if next.CreatedAt.IsZero() {
		next.CreatedAt = now
	}
	next.UpdatedAt = now
	return next, t.acts, nil
}
