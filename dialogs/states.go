package dialogs

import (
	"fmt"
	"slices"
	"strings"
)

// Conversation states, as stored in Conversation.State.
const (
	StateStart         = "start"          // nothing said yet ("" when new)
	StateVerify        = "verify"         // waiting for the identity answer
	StateUnknownNumber = "unknown_number" // the number belongs to no debtor we know
	StateMenu          = "menu"           // verified; waiting for an option or free text
	StateNegotiate     = "negotiate"      // plans shown; waiting for a choice
	StateConfirmPlan   = "confirm_plan"   // one plan proposed; waiting for yes or no
	StatePayMethod     = "pay_method"     // a payment due; waiting for boleto or PIX
	StatePromiseDate   = "promise_date"   // asked when they can pay
	StatePromiseOffer  = "promise_offer"  // their date was too far; offered the latest allowed
	StateReceipt       = "receipt"        // they said they paid; a receipt is welcome
	StateFeedback      = "feedback"       // asked for a score from 1 to 5
	StateHandoff       = "handoff"        // a person holds the conversation; the bot is silent
	StateClosed        = "closed"         // the talk ended; a new message starts again
	StateOptedOut      = "opted_out"      // asked us to stop: silent on that channel for good
	StateWrongNumber   = "wrong_number"   // not the debtor's number: silent for good
)

// stateDef is one row of the state table: what the bot waits for, how a
// message is read there (after the rules that apply everywhere, see
// inbound.go), and where the conversation may go next.
type stateDef struct {
	name    string
	waits   string
	inbound func(*turn)
	nudge   bool     // whether one gentle nudge on timeout makes sense
	routes  bool     // free text may start any flow (segunda via, PIX, plans, promise…)
	next    []string // further states this one leads to
}

// states is every state and its transitions. Besides next, a state may go
//   - anywhere: start, verify, menu, handoff, closed, opted_out, wrong_number
//     (menu or 0, a person, opt-out, wrong person, verification expiry);
//   - when routes is set: to every state a flow begins with (flows below).
var states = []stateDef{
	{StateStart, "the first message", (*turn).onStart, false, false,
		[]string{StateUnknownNumber, StateNegotiate, StateConfirmPlan, StatePayMethod, StatePromiseDate, StatePromiseOffer, StateReceipt, StateFeedback}}, // verification "none" goes straight to the flow asked for
	{StateVerify, "the first 3 digits of the CPF, or the birth date", (*turn).onVerify, true, true, nil},
	{StateUnknownNumber, "anything: only a person or opt-out", (*turn).onUnknownNumber, false, false, nil},
	{StateMenu, "an option 1-5 or free text", (*turn).onMenu, true, true, nil},
	{StateNegotiate, "an option number, \"em 10x\" or \"100 por mês\"", (*turn).onNegotiate, true, true, nil},
	{StateConfirmPlan, "yes, no, or another plan", (*turn).onConfirmPlan, true, true, nil},
	{StatePayMethod, "1 boleto or 2 PIX", (*turn).onPayMethod, true, true, nil},
	{StatePromiseDate, "a date", (*turn).onPromiseDate, true, true, nil},
	{StatePromiseOffer, "yes to the latest date, another date, or a plan", (*turn).onPromiseOffer, true, true, nil},
	{StateReceipt, "an image or PDF of the receipt (never insisted on)", (*turn).onReceipt, false, true, nil},
	{StateFeedback, "a score from 1 to 5", (*turn).onFeedback, false, true, nil},
	{StateHandoff, "the agent to hand back (EventHandedBack)", (*turn).onMenu, false, true, []string{StateNegotiate}},
	{StateClosed, "a new message", (*turn).onClosed, false, true, nil},
	{StateOptedOut, "nothing: silent on that channel", nil, false, false, nil},
	{StateWrongNumber, "nothing: silent for good", nil, false, false, nil},
}

// anywhere are the states every state may go to.
var anywhere = []string{StateStart, StateVerify, StateMenu, StateHandoff, StateClosed, StateOptedOut, StateWrongNumber}

// flows are the states that free text starts from a state with routes.
var flows = []string{StateNegotiate, StateConfirmPlan, StatePayMethod, StatePromiseDate, StatePromiseOffer, StateReceipt, StateFeedback}

// stateNamed finds a state's row; "" is a new conversation.
func stateNamed(name string) (stateDef, error) {
	if name == "" {
		name = StateStart
	}
	for _, s := range states {
		if s.name == name {
			return s, nil
		}
	}
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = s.name
	}
	return stateDef{}, fmt.Errorf("dialogs: unknown conversation state %q (known: %s); was it saved by a newer or older quita?", name, strings.Join(names, ", "))
}

// allows reports whether the table lets this state lead to another.
func (s stateDef) allows(to string) bool {
	return to == s.name || slices.Contains(anywhere, to) || slices.Contains(s.next, to) ||
		(s.routes && slices.Contains(flows, to))
}
