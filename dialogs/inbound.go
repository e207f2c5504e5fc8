package dialogs

import (
	"slices"
	"strings"
	"time"
)

// inbound handles a message from the debtor. Rules that hold in every state
// come first, in this order: silence (wrong number, opt-out, a person holds
// the conversation), media without text, distress, legal threats, abuse,
// opt-out, wrong person, a person asked for, scam concerns, "menu"; then the
// state's own reading (states.go).
func (t *turn) inbound(from stateDef) {
	c := t.c
	if c.Verified && !c.LastIn.IsZero() && t.now.Sub(c.LastIn) > t.cfg.VerifyTTL {
		c.Verified = false // numbers get recycled: a long silence asks again
		if from.routes {
			t.to(StateStart)
		}
	}
	first := c.LastIn.IsZero()
	c.LastIn = t.now
	t.delSlot(slotNudged)
	t.u = Understanding{Intent: IntentUnknown, Option: bareNumber(t.text)}
	if t.text != "" && !onlyDigits(t.text) { // digits are an option or an identity answer, never words
		t.u = t.cfg.Understander.Understand(t.text, c.Language, t.today())
		t.followLanguage(first)
	}
	if t.ev.Intent != "" && slices.Contains(ButtonIntents, t.ev.Intent) { // a tapped button says what it means
		t.u = Understanding{Intent: t.ev.Intent, Confidence: 1}
	}
	switch {
	case c.State == StateWrongNumber, t.optedOut():
		return
	case c.Handoff.Active():
		t.whileHandoff()
		return
	}
	afterReminder := t.slot(slotReminderStep) != "" && t.slot(slotReplied) == ""
	t.replied()
	defer func() {
		if !t.missed {
			c.Missed = 0
		}
	}()
	if t.text == "" {
		t.mediaOnly()
		return
	}
	t.stopping = t.u.Has(FlagStopContact) || t.u.Intent == IntentOptOut
	if t.stopping && !c.Verified && t.u.Intent != IntentWrongPerson && !t.u.Has(FlagDistress) && !t.u.Has(FlagLegalThreat) {
		// Nothing else can be done before identity is confirmed, and asking
		// for it would be one more message to someone who said stop.
		t.u.Intent = IntentOptOut
	}
	defer t.stopAfterRequest()
	if t.everywhere() {
		return
	}
	row, err := stateNamed(c.State)
	if err != nil || row.inbound == nil { // cannot happen: Step checked the state
		t.onClosed()
		return
	}
	if afterReminder && c.Verified && bareNumber(t.text) > 0 && slices.Contains(flows, c.State) {
		// A reminder leaves the state as it found it; a number in answer to it
		// picks one of its options (1 boleto, 2 PIX, 3 plans), which are the
		// menu's, not an item of the older question of the flow (a plan list, a score).
		t.route()
		return
	}
	row.inbound(t)
}

// followLanguage switches the conversation to the language the debtor
// writes in: on their first message at once, later only when two messages
// in a row that say enough to tell are in the same other language, so that
// one borrowed phrase ("segunda via", "ok") does not flip the conversation.
func (t *turn) followLanguage(first bool) {
	l := strings.ToLower(t.u.Lang)
	if len(l) < 2 || !telling(t.text) {
		return
	}
	switch l = l[:2]; {
	case l != "pt" && l != "es" && l != "en":
	case l == t.c.Language:
		t.delSlot(slotLangNext)
	case first || t.slot(slotLangNext) == l:
		t.c.Language = l
		t.delSlot(slotLangNext)
	default:
		t.setSlot(slotLangNext, l)
	}
}

// whileHandoff records; a person answers. Only what must not wait is acted
// on: a stop request (in whatever else the message says), distress, which
// makes the handoff urgent (distressWhileHandoff), and a debtor still
// waiting in the queue who asks for a person again hears that they are in
// it (stillQueued).
func (t *turn) whileHandoff() {
	stop := t.u.Intent == IntentOptOut || t.u.Has(FlagStopContact)
	distress := t.u.Has(FlagDistress)
	if distress {
		t.distressWhileHandoff(stop)
	}
	switch {
	case stop:
		t.recordOptOut()
	case !distress && t.u.Intent == IntentAskHuman && t.c.Handoff.Status == HandoffQueued:
		t.stillQueued()
	}
}

// replied reports the first answer after a reminder, for A/B tracking.
func (t *turn) replied() {
	if t.slot(slotReminderStep) != "" && t.slot(slotReplied) == "" {
		t.setSlot(slotReplied, "1")
		t.outcome(OutcomeReply)
	}
}

// mediaOnly answers a message with attachments and no text.
func (t *turn) mediaOnly() {
	audio, file := false, false
	for _, m := range t.ev.Media {
		switch m.Kind {
		case "image", "document":
			file = true
		default:
			audio = true // audio, video, stickers: nothing we can read
		}
	}
	if !audio && !file {
		return // an empty message
	}
	if file && t.c.State == StateReceipt {
		t.receipt()
		return
	}
	key := "media.file"
	if audio {
		key = "media.audio"
	}
	if t.c.State == StateStart {
		t.greet()
		t.say(key)
		t.afterGreet()
		return
	}
	t.say(key)
}

// everywhere applies the rules that hold in every state; it reports whether
// the message was handled.
func (t *turn) everywhere() bool {
	u := t.u
	switch {
	case u.Has(FlagDistress):
		t.careForDistress()
		return true
	case u.Has(FlagLegalThreat):
		t.legalThreat()
		return true
	case u.Has(FlagAbusive):
		t.c.Abuse++
		if t.c.Abuse >= abuseBeforeHandoff {
			t.handoff("abuse.handoff", ReasonAbusive, PriorityNormal)
			return true
		}
		t.say("abuse.calm")
		if u.Intent == IntentUnknown || u.Intent == "" {
			t.missed = true // not a misunderstanding to count, but no reset either
			return true
		}
	}
	switch {
	case u.Intent == IntentOptOut:
		t.optOut()
	case u.Intent == IntentWrongPerson && !t.c.Verified:
		t.wrongNumber()
	case u.Intent == IntentAskHuman:
		t.handoff("handoff.ask_human", ReasonAskHuman, PriorityNormal)
	case u.Intent == IntentScamConcern:
		t.scam()
	case isMenuCommand(t.text):
		t.menuCommand()
	default:
		return false
	}
	return true
}

// menuCommand shows the menu, once identity allows it.
func (t *turn) menuCommand() {
	switch {
	case t.c.Verified:
		t.showMenu()
	case t.cs.Debtor == nil:
		t.say("unknown.again")
		t.to(StateUnknownNumber)
	case t.c.State == StateStart:
		t.onStart()
	default:
		t.say("verify.first")
		t.askVerify()
	}
}

func (t *turn) showMenu() {
	t.say("menu.options")
	t.to(StateMenu)
}

// stillQueued answers a debtor who asks for a person while waiting for one:
// one short word that they are in the queue, at most once per
// queuedAckEvery, and the conversation stays with the queue (once an agent
// holds it, the agent answers).
func (t *turn) stillQueued() {
	if last, err := time.Parse(time.RFC3339, t.slot(slotQueuedAck)); err == nil && t.now.Sub(last) < queuedAckEvery {
		return
	}
	t.setSlot(slotQueuedAck, t.now.UTC().Format(time.RFC3339))
	t.say("handoff.queued")
}
