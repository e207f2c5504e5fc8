package dialogs

import (
	"slices"
	"time"
)

// Intents the engine reacts to. The values are those of package nlu, so an
// adapter only converts the type.
const (
	IntentGreeting     = "greeting"
	IntentAskBoleto    = "ask_boleto"
	IntentAskPix       = "ask_pix"
	IntentNegotiate    = "negotiate"
	IntentPayInFull    = "pay_in_full"
	IntentPromiseToPay = "promise_to_pay"
	IntentAlreadyPaid  = "already_paid"
	IntentDispute      = "dispute"
	IntentHardship     = "hardship"
	IntentAskHuman     = "ask_human"
	IntentOptOut       = "opt_out"
	IntentWrongPerson  = "wrong_person"
	IntentDebtInfo     = "debt_info"
	IntentScamConcern  = "scam_concern"
	IntentAffirm       = "affirm"
	IntentDeny         = "deny"
	IntentThanksBye    = "thanks_bye"
	IntentUnknown      = "unknown"
)

// Flags the understander may raise on a message, whatever its intent.
const (
	FlagDistress    = "distress"     // the person may be in crisis: care first, a person now
	FlagAbusive     = "abusive"      // insults: stay calm, never mirror
	FlagLegalThreat = "legal_threat" // lawsuit, Procon, lawyer: a person answers, the bot never argues
	FlagStopContact = "stop_contact" // a request to stop contact on this channel, alone (opt_out) or beside another request
)

// Understanding is what the engine needs to know about one text the debtor
// wrote: what they want, the details they gave and how they feel.
type Understanding struct {
	Intent       string   `json:"intent"`
	Confidence   float64  `json:"confidence,omitempty"`
	Lang         string   `json:"lang,omitempty"`         // detected language; "" when unsure
	Date         string   `json:"date,omitempty"`         // YYYY-MM-DD, a day the debtor named
	Installments int      `json:"installments,omitempty"` // "em 10x"
	AmountCents  int64    `json:"amount_cents,omitempty"` // "posso pagar 100 por mês"
	Option       int      `json:"option,omitempty"`       // a numbered option the debtor picked
	Flags        []string `json:"flags,omitempty"`
}

// Has reports whether the understanding carries the flag.
func (u Understanding) Has(flag string) bool { return slices.Contains(u.Flags, flag) }

// Understander reads one message. lang is the conversation's language (a
// hint), today the debtor's local date, to resolve "sexta" or "dia 20".
// It must be deterministic and safe for concurrent use.
type Understander interface {
	Understand(text, lang string, today time.Time) Understanding
}
