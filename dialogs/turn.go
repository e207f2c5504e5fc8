package dialogs

import (
	"encoding/json"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // debtors' time zones resolve the same on every machine

	"github.com/quita-bot/quita/locales"
)

// turn is one Step in progress: the inputs, read once, and the actions so far.
type turn struct {
	cfg    *EngineConfig
	c      *Conversation
	ev     Event
	now    time.Time
	cs     Case
	debt   *Debt // the debt under discussion; nil when none is open
	loc    *time.Location
	text   string        // the debtor's text, trimmed
	u      Understanding // what the text means
	missed bool          // this turn did not understand the debtor
	// stopping: the message also asks to stop contact; whatever else it
	// asks is answered, then contact stops (no survey, no follow-up question).
	stopping bool
	acts     []Action
}

func newTurn(cfg *EngineConfig, c *Conversation, ev Event, now time.Time) *turn {
	t := &turn{cfg: cfg, c: c, ev: ev, now: now, text: strings.TrimSpace(ev.Text)}
	if ev.Case != nil {
		t.cs = *ev.Case
	}
	if ev.Channel != "" {
		c.Channel = ev.Channel
	}
	if t.cs.Creditor.ID != "" {
		c.CreditorID = t.cs.Creditor.ID
	}
	tz := cfg.DefaultTimeZone
	if d := t.cs.Debtor; d != nil {
		c.DebtorID = d.ID
		if d.TimeZone != "" {
			tz = d.TimeZone
		}
		if c.Language == "" && d.Language != "" {
			c.Language = shortLang(d.Language)
		}
	}
	if c.Language == "" {
		c.Language = shortLang(cfg.DefaultLanguage)
	}
	t.loc = zone(tz, cfg.DefaultTimeZone)
	t.debt = t.pickDebt()
	if t.debt != nil {
		c.DebtID = t.debt.ID
	}
	return t
}

// pickDebt chooses the debt to talk about: the one the event names, else the
// one under discussion if still open, else the oldest open one.
func (t *turn) pickDebt() *Debt {
	debts := t.cs.Debts
	for _, id := range []string{t.ev.DebtID, t.c.DebtID} {
		for i := range debts {
			if id != "" && debts[i].ID == id && (id == t.ev.DebtID || collectible(debts[i])) {
				return &debts[i]
			}
		}
	}
	var best *Debt
	for i := range debts {
		if collectible(debts[i]) && (best == nil || debts[i].DueDate < best.DueDate) {
			best = &debts[i]
		}
	}
	return best
}

// collectible reports whether the debt is still being collected.
func collectible(d Debt) bool {
	return d.Status == DebtOpen || d.Status == DebtAgreement || d.Status == ""
}

var zones sync.Map // IANA name → *time.Location

// LoadZone is time.LoadLocation with a cache: the standard library reads
// and parses the zoneinfo file on every call, which showed up in the
// scheduler's and importer's profiles.
func LoadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, l)
	return l, nil
}

func zone(name, fallback string) *time.Location {
	for _, n := range []string{name, fallback} {
		if l, err := LoadZone(n); err == nil {
			return l
		}
	}
	return time.UTC
}

// shortLang is the conversation's language code: pt, es or en.
func shortLang(lang string) string {
	switch locales.Normalize(lang) {
	case "es":
		return "es"
	case "en":
		return "en"
	}
	return "pt"
}

// firstName is how the bot addresses the debtor: "ANA MARIA SOUZA" → "Ana".
func (t *turn) firstName() string {
	if t.cs.Debtor == nil {
		return ""
	}
	f := strings.Fields(t.cs.Debtor.Name)
	if len(f) == 0 {
		return ""
	}
	r := []rune(strings.ToLower(f[0]))
	r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	return string(r)
}

// data is the template data every message may use, plus kv pairs.
func (t *turn) data(kv ...any) map[string]any {
	cr := t.cs.Creditor
	m := make(map[string]any, 8+len(kv)/2)
	m["name"] = t.firstName()
	m["creditor"] = cr.Name
	m["cnpj"] = cr.CNPJ
	m["phone"] = cr.Phone
	m["site"] = cr.Site
	m["address"] = cr.Address
	m["hours"] = cr.BusinessHours
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// ChannelSMS is the channel whose messages are written in the catalogs'
// SMS form (channels.SMS).
const ChannelSMS = "sms"

// form is the catalog form this turn writes in: the SMS one by SMS.
func (t *turn) form() string {
	if t.channel() == ChannelSMS {
		return locales.SMS
	}
	return ""
}

// render renders a catalog message in the conversation's language, in the
// form of the turn's channel.
func (t *turn) render(key string, kv ...any) string {
	return locales.TForm(t.form(), t.c.Language, key, t.data(kv...))
}

// say sends a catalog message. Said by another channel, a message with an
// SMS form carries it too, for a fallback by SMS (Message.SMS).
func (t *turn) say(key string, kv ...any) {
	t.send(key, t.render(key, kv...), nil)
	if t.form() != locales.SMS && locales.HasForm(locales.SMS, t.c.Language, key) {
		t.acts[len(t.acts)-1].Message.SMS = locales.TForm(locales.SMS, t.c.Language, key, t.data(kv...))
	}
	t.withValues(key, kv...)
}

// send sends a text, with files if any; key names its catalog template.
func (t *turn) send(key, text string, files []File) {
	t.acts = append(t.acts, Action{Kind: ActSend, Message: &Message{Text: text, Files: files, Template: key}})
}

func (t *turn) act(a Action) { t.acts = append(t.acts, a) }

// to moves the conversation to a state.
func (t *turn) to(state string) { t.c.State = state }

// debtID is the debt under discussion, "" when none.
func (t *turn) debtID() string {
	if t.debt == nil {
		return ""
	}
	return t.debt.ID
}

// handoff says key and gives the conversation to a person.
func (t *turn) handoff(key, reason string, priority int) {
	if key != "" {
		t.say(key)
	}
	t.c.Handoff = Handoff{Status: HandoffQueued, Reason: reason, Priority: priority, Since: t.now}
	t.act(Action{Kind: ActHandoff, Reason: reason, Priority: priority, DebtID: t.debtID()})
	t.to(StateHandoff)
}

// outcome records a result for A/B tracking, with the reminder that led to it.
func (t *turn) outcome(reason string) {
	t.act(Action{Kind: ActOutcome, Reason: reason, DebtID: t.debtID(),
		Step: t.slot(slotReminderStep), Variant: t.slot(slotReminderVariant)})
}

// today is the debtor's local date at midnight.
func (t *turn) today() time.Time {
	y, m, d := t.now.In(t.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.loc)
}

// morningOf is the reminder hour of day d in the debtor's time zone.
func (t *turn) morningOf(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), t.cfg.ReminderHour, 0, 0, 0, t.loc)
}

// day parses a YYYY-MM-DD date at midnight in the debtor's time zone.
func (t *turn) day(s string) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, s, t.loc)
	return d, err == nil
}

// fmtDay writes a YYYY-MM-DD date for the debtor; an unparsable one as is.
func (t *turn) fmtDay(s string) string {
	d, ok := t.day(s)
	if !ok {
		return s
	}
	return locales.Date(t.c.Language, d)
}

func (t *turn) money(cents int64) string { return locales.Money(t.c.Language, cents) }

// Slot keys of Conversation.Slots.
const (
	slotPending         = "pending"          // a request made before verification (JSON)
	slotOffers          = "offers"           // the plans shown (JSON)
	slotPlan            = "plan"             // the plan proposed (JSON)
	slotPayCents        = "pay_cents"        // the payment asked for in pay_method
	slotPayDue          = "pay_due"          // its due date
	slotPromiseLatest   = "promise_latest"   // the latest promise date offered
	slotReceiptTask     = "receipt_task"     // a payment check is already open
	slotNudged          = "nudged"           // the timeout nudge was sent
	slotFeedbackAt      = "feedback_at"      // when the last satisfaction question went out
	slotOptedOut        = "opted_out"        // channels the debtor opted out of, comma-separated
	slotReminderStep    = "reminder_step"    // the last reminder sent, for outcome attribution
	slotReminderVariant = "reminder_variant" // its A/B variant
	slotReplied         = "replied"          // the debtor answered since that reminder
	slotEmpathy         = "empathy"          // hardship empathy already said
	slotLangNext        = "lang_next"        // the other language the last message was in
	slotQueuedAck       = "queued_ack_at"    // when a debtor waiting in the queue was last told so
	slotSupportLine     = "support_line"     // a debtor in distress while queued was given the support line
)

func (t *turn) slot(k string) string { return t.c.Slots[k] }

func (t *turn) setSlot(k, v string) {
	if t.c.Slots == nil {
		t.c.Slots = map[string]string{}
	}
	t.c.Slots[k] = v
}

func (t *turn) delSlot(keys ...string) {
	for _, k := range keys {
		delete(t.c.Slots, k)
	}
}

func (t *turn) setJSON(k string, v any) {
	b, _ := json.Marshal(v) // plain structs of strings and numbers: cannot fail
	t.setSlot(k, string(b))
}

func (t *turn) getJSON(k string, v any) bool {
	s := t.slot(k)
	return s != "" && json.Unmarshal([]byte(s), v) == nil
}

// channel is the channel of this event, or of the conversation.
func (t *turn) channel() string {
	if t.ev.Channel != "" {
		return t.ev.Channel
	}
	return t.c.Channel
}
