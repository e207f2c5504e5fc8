package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/br"
	"gopkg.in/yaml.v3"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Span is a daily contact window in minutes after local midnight, [From, To).
// A zero span means no contact that day.
type Span struct{ From, To int }

func (s Span) open() bool { return s.To > s.From }

func hours(from, to int) Span { return Span{From: from * 60, To: to * 60} }

// Policy is one set of contact rules (a preset, maybe tightened per creditor).
type Policy struct {
	Name         string
	Weekday      Span // Monday–Friday
	Saturday     Span
	Sunday       Span
	Holidays     bool // no contact on national holidays
	StateRules   bool // apply the stricter Brazilian state laws by area code
	DailyCap     int  // reminders per debtor per local day (0: none)
	WeeklyCap    int  // reminders per debtor in 7 days (0: none)
	Attempts7d   int  // attempts per debt in 7 days (Regulation F: 7; 0: none)
	OptOutFooter string
	TimeZone     string // default when the debtor has none
}

// Presets of contact rules (DOMAIN.md §3).
var (
	// PresetBR follows São Paulo's law as the national default: weekdays
	// 08–20, Saturdays 08–14, never on Sundays or national holidays.
	PresetBR = Policy{Name: "br", Weekday: hours(8, 20), Saturday: hours(8, 14), Holidays: true, StateRules: true,
		DailyCap: 1, WeeklyCap: 3, TimeZone: "America/Sao_Paulo"}
	// PresetUS is CFPB Regulation F: 08–21 local, at most 7 attempts in 7
	// days per debt, a way to opt out in every text.
	PresetUS = Policy{Name: "us", Weekday: hours(8, 21), Saturday: hours(8, 21), Sunday: hours(8, 21),
		DailyCap: 3, Attempts7d: 7, OptOutFooter: "Reply STOP to opt out.", TimeZone: "America/New_York"}
)

// stateRule is a Brazilian state's contact law (DOMAIN.md table).
type stateRule struct {
	State              string
	Weekday, Saturday  Span
	Law                string
	timeZoneOverrideTZ string
}

// stateRules by DDD (area code). SP equals the national default.
var stateRules = func() map[string]stateRule {
	m := map[string]stateRule{}
	add := func(r stateRule, ddds ...string) {
		for _, d := range ddds {
			m[d] = r
		}
	}
	add(stateRule{State: "SP", Weekday: hours(8, 20), Saturday: hours(8, 14), Law: "Lei 15.426/2014"}, "11", "12", "13", "14", "15", "16", "17", "18", "19")
	add(stateRule{State: "RJ", Weekday: hours(9, 19), Law: "Lei 7.868/2018"}, "21", "22", "24")
	add(stateRule{State: "ES", Weekday: hours(8, 19), Law: "Lei 10.626/2017"}, "27", "28")
	add(stateRule{State: "AM", Weekday: hours(8, 19), Law: "Lei 306/2016", timeZoneOverrideTZ: "America/Manaus"}, "92", "97")
	add(stateRule{State: "AL", Weekday: hours(8, 20), Saturday: hours(8, 14), Law: "Lei 7.782/2016"}, "82")
	add(stateRule{State: "PR", Weekday: hours(8, 18), Saturday: hours(8, 13), Law: "state law"}, "41", "42", "43", "44", "45", "46")
	return m
}()

// ConscienciaNegra is the national holiday of 20 November (Lei 14.759/2023),
// missing from rickar/cal's br list.
var ConscienciaNegra = &cal.Holiday{Name: "Dia Nacional de Zumbi e da Consciência Negra", Month: time.November, Day: 20, Func: cal.CalcDayOfMonth}

// brHolidays are Brazil's national holidays.
var brHolidays = append(append([]*cal.Holiday{}, br.Holidays...), ConscienciaNegra)

// holidayOn names the national holiday on a local date, "" when none.
func holidayOn(d time.Time) string {
	y, m, day := d.Date()
	for _, h := range brHolidays {
		act, obs := h.Calc(y)
		for _, t := range []time.Time{act, obs} {
			if !t.IsZero() && t.Month() == m && t.Day() == day {
				return h.Name
			}
		}
	}
	return ""
}

// PolicyConfig is a creditor's `gate:` section.
type PolicyConfig struct {
	Preset    string `yaml:"preset"` // br (default) | us
	DailyCap  *int   `yaml:"daily_cap"`
	WeeklyCap *int   `yaml:"weekly_cap"`
	Start     string `yaml:"start"` // HH:MM, only stricter than the preset
	End       string `yaml:"end"`
}

// ParsePolicy reads a creditor's gate section; an empty node gives fallback.
func ParsePolicy(n yaml.Node, fallback Policy) (Policy, error) {
	if n.Kind == 0 {
		return fallback, nil
	}
	var c PolicyConfig
	if err := n.Decode(&c); err != nil {
		return Policy{}, fmt.Errorf("gate: %w", err)
	}
	p := fallback
	switch c.Preset {
	case "":
	case "br":
		p = PresetBR
	case "us":
		p = PresetUS
	default:
		return Policy{}, fmt.Errorf("gate: preset %q: use br or us", c.Preset)
	}
	if c.DailyCap != nil {
		p.DailyCap = *c.DailyCap
	}
	if c.WeeklyCap != nil {
		p.WeeklyCap = *c.WeeklyCap
	}
	for _, x := range []struct {
		v     string
		start bool
	}{{c.Start, true}, {c.End, false}} {
		if x.v == "" {
			continue
		}
		t, err := time.Parse("15:04", x.v)
		if err != nil {
			return Policy{}, fmt.Errorf("gate: %q is not HH:MM", x.v)
		}
		m := t.Hour()*60 + t.Minute()
		for _, s := range []*Span{&p.Weekday, &p.Saturday, &p.Sunday} {
			if !s.open() {
				continue
			}
			if x.start {
				s.From = max(s.From, m)
			} else {
				s.To = min(s.To, m)
			}
		}
	}
	return p, nil
}

// Subject is who a message goes to, as the gate needs to know them.
type Subject struct {
	Phone    string
	DebtorID string // caps count per debtor when known, else per number
	TimeZone string // the debtor's, "" for the policy's default
	DebtID   string
	Creditor string
	// MsgID is the message being checked: an attempt it already recorded
	// (checked, then the process died before sending) does not count against it.
	MsgID string
}

func (s Subject) contactKey() string {
	if s.DebtorID != "" {
		return "debtor:" + s.DebtorID
	}
	return s.Phone
}

// Compliance is the contact gate (bot.Gate): windows in the debtor's time
// zone, national holidays, state laws by area code, caps per debtor and
// attempts per debt. Replies inside a conversation the debtor opened pass
// at any hour; reminders wait for the next allowed moment.
type Compliance struct {
	Store     *storage.Store
	Log       *slog.Logger
	Default   Policy            // when neither creditor nor number says otherwise
	Creditors map[string]Policy // by creditor id
	// Subject finds the debtor behind a message; nil uses the conversation state.
	Subject func(ctx context.Context, o storage.Outbound) (Subject, error)
}

var _ Gate = (*Compliance)(nil)

// PolicyFor picks the rules for a creditor and number: the creditor's own,
// else the US preset for +1 numbers, else the default.
func (g *Compliance) PolicyFor(creditor, phone string) Policy {
	if p, ok := g.Creditors[creditor]; ok {
		return p
	}
	if strings.HasPrefix(phone, "+1") {
		return PresetUS
	}
	return g.Default
}

// footerPossible reports whether any policy that may apply to the number
// (a creditor's own, or the fallback for the number) has an opt-out footer.
func (g *Compliance) footerPossible(phone string) bool {
	if g.PolicyFor("", phone).OptOutFooter != "" {
		return true
	}
	for _, p := range g.Creditors {
		if p.OptOutFooter != "" {
			return true
		}
	}
	return false
}

// OriginReceipt marks the thanks for a payment the debtor just made. It is
// a receipt, not a collection attempt: it goes at once, at any hour (as a
// bank's Pix receipt does), is not counted against the contact caps, and
// an opt-out still stops it (OptOutGate runs before this gate).
const OriginReceipt = "receipt"

// Check implements Gate; allowed reminders are recorded as attempts.
func (g *Compliance) Check(ctx context.Context, o storage.Outbound, now time.Time) (Decision, error) {
	if o.Origin == OriginReceipt {
		g.logDecision(o.To, Decision{Allow: true, Reason: OriginReceipt}, o.Origin)
		return Decision{Allow: true, Reason: OriginReceipt}, nil
	}
	if !isReminder(o) {
		g.logDecision(o.To, Decision{Allow: true, Reason: "reply"}, o.Origin)
		return Decision{Allow: true, Reason: "reply"}, nil
	}
	sub, err := g.subject(ctx, o)
	if err != nil {
		return Decision{}, err
	}
	sub.MsgID = o.ID
	if o.ContactOf != "" {
		sub.MsgID = o.ContactOf
	}
	d, err := g.Decide(ctx, sub, now)
	if err != nil {
		return Decision{}, err
	}
	g.logDecision(o.To, d, o.Origin)
	if d.Allow && o.Text != "" {
		if err := g.Store.RecordContact(ctx, sub.contactKey(), storage.Contact{MsgID: sub.MsgID, DebtID: sub.DebtID, At: now}); err != nil {
			return Decision{}, err
		}
	}
	return d, nil
}

// isReminder: anything but a reply to the debtor's own message is gated;
// a fallback copy of a reminder stays a reminder.
func isReminder(o storage.Outbound) bool { return !o.Reply || o.Origin == "reminder" }

func (g *Compliance) logDecision(phone string, d Decision, origin string) {
	if g.Log == nil {
		return
	}
	if d.Allow {
		g.Log.Info("compliance gate", "to", channels.MaskPhone(phone), "origin", origin, "allow", true, "reason", d.Reason)
		return
	}
	g.Log.Info("compliance gate", "to", channels.MaskPhone(phone), "origin", origin, "allow", false, "reason", d.Reason, "retry_at", d.RetryAt)
}

func (g *Compliance) subject(ctx context.Context, o storage.Outbound) (Subject, error) {
	if g.Subject != nil {
		return g.Subject(ctx, o)
	}
	sub := Subject{Phone: o.To}
	raw, err := g.Store.LoadState(ctx, o.ConversationID)
	if err != nil || raw == nil {
		return sub, err
	}
	var c struct {
		DebtorID   string `json:"debtor_id"`
		CreditorID string `json:"creditor_id"`
		DebtID     string `json:"debt_id"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return sub, nil
	}
	sub.DebtID, sub.Creditor, sub.DebtorID = c.DebtID, c.CreditorID, c.DebtorID
	if c.DebtorID != "" {
		if d, err := g.Store.Debtor(ctx, c.DebtorID); err == nil {
			sub.TimeZone = d.TimeZone
		} else if !errors.Is(err, storage.ErrNotFound) {
			return sub, err
		}
	}
	return sub, nil
}

// Decide answers whether a reminder to sub may go at now, and if not, the
// next moment it may (never later than needed, never dropped).
func (g *Compliance) Decide(ctx context.Context, sub Subject, now time.Time) (Decision, error) {
	p := g.PolicyFor(sub.Creditor, sub.Phone)
	loc := g.location(p, sub)
	at, reason := p.nextOpen(now.In(loc), sub.Phone)
	if !at.Equal(now.In(loc)) {
		return Decision{Reason: reason, RetryAt: at}, nil
	}
	if p.DailyCap == 0 && p.WeeklyCap == 0 && p.Attempts7d == 0 {
		return Decision{Allow: true, Reason: "window"}, nil
	}
	all, err := g.Store.ContactsSince(ctx, sub.contactKey(), now.Add(-7*24*time.Hour))
	if err != nil {
		return Decision{}, err
	}
	recent := all[:0:0] // the attempts of other messages
	for _, c := range all {
		if sub.MsgID == "" || c.MsgID != sub.MsgID {
			recent = append(recent, c)
		}
	}
	local := now.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	today, debtN := 0, 0
	var oldestDebt time.Time
	for _, c := range recent {
		if !c.At.Before(midnight) {
			today++
		}
		if sub.DebtID != "" && c.DebtID == sub.DebtID {
			if debtN == 0 {
				oldestDebt = c.At
			}
			debtN++
		}
	}
	retry := func(reason string, from time.Time) Decision {
		t, _ := p.nextOpen(from.In(loc), sub.Phone)
		return Decision{Reason: reason, RetryAt: t}
	}
	switch {
	case p.Attempts7d > 0 && debtN >= p.Attempts7d:
		return retry("reg_f_7in7", oldestDebt.Add(7*24*time.Hour)), nil
	case p.WeeklyCap > 0 && len(recent) >= p.WeeklyCap:
		return retry("weekly_cap", recent[len(recent)-p.WeeklyCap].At.Add(7*24*time.Hour)), nil
	case p.DailyCap > 0 && today >= p.DailyCap:
		return retry("daily_cap", midnight.AddDate(0, 0, 1)), nil
	}
	return Decision{Allow: true, Reason: "window"}, nil
}

func (g *Compliance) location(p Policy, sub Subject) *time.Location {
	for _, name := range []string{sub.TimeZone, stateZone(sub.Phone), p.TimeZone, "America/Sao_Paulo"} {
		if name == "" {
			continue
		}
		if l, err := dialogs.LoadZone(name); err == nil {
			return l
		}
	}
	return time.UTC
}

func stateZone(phone string) string {
	if r, ok := stateOf(phone); ok {
		return r.timeZoneOverrideTZ
	}
	return ""
}

func stateOf(phone string) (stateRule, bool) {
	if !strings.HasPrefix(phone, "+55") || len(phone) < 5 {
		return stateRule{}, false
	}
	r, ok := stateRules[phone[3:5]]
	return r, ok
}

// span is the window of one local day under this policy and the number's
// state law (the stricter of both), and why the day is closed if it is.
func (p Policy) span(day time.Time, phone string) (Span, string) {
	if p.Holidays {
		if h := holidayOn(day); h != "" {
			return Span{}, "holiday"
		}
	}
	var s Span
	var st *stateRule
	if p.StateRules {
		if r, ok := stateOf(phone); ok {
			st = &r
		}
	}
	switch day.Weekday() {
	case time.Sunday:
		s = p.Sunday
		if st != nil {
			s = Span{}
		}
		if !s.open() {
			return s, "sunday"
		}
	case time.Saturday:
		s = p.Saturday
		if st != nil {
			s = intersect(s, st.Saturday)
		}
		if !s.open() {
			return s, "saturday"
		}
	default:
		s = p.Weekday
		if st != nil {
			s = intersect(s, st.Weekday)
		}
	}
	return s, "window"
}

func intersect(a, b Span) Span {
	s := Span{From: max(a.From, b.From), To: min(a.To, b.To)}
	if !s.open() {
		return Span{}
	}
	return s
}

// nextOpen is the first moment at or after t (local) inside a window, and
// why t itself was outside ("" when it was inside).
func (p Policy) nextOpen(t time.Time, phone string) (time.Time, string) {
	reason := ""
	for i := 0; i < 30; i++ {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
		s, why := p.span(day, phone)
		m := 0
		if i == 0 {
			m = t.Hour()*60 + t.Minute()
		}
		if s.open() && m < s.To {
			if i == 0 && m >= s.From {
				return t, ""
			}
			if reason == "" {
				reason = p.outsideReason(t, phone, why)
			}
			return day.Add(time.Duration(s.From) * time.Minute), reason
		}
		if reason == "" {
			reason = p.outsideReason(t, phone, why)
		}
		t = day.AddDate(0, 0, 1)
	}
	return t, reason
}

// outsideReason names the rule that closed t: the state law when the
// policy alone would have allowed it.
func (p Policy) outsideReason(t time.Time, phone, why string) string {
	if why == "holiday" || why == "sunday" {
		return why
	}
	if st, ok := stateOf(phone); ok && p.StateRules {
		q := p
		q.StateRules = false
		if at, _ := q.nextOpen(t, phone); at.Equal(t) {
			return "state_" + st.State
		}
	}
	if why == "saturday" {
		return why
	}
	return "window"
}

// FooterChannel appends a policy's opt-out instructions to every text a
// channel sends (Regulation F 1006.6(e)).
type FooterChannel struct {
	channels.Channel
	Gate *Compliance
	// Creditor of a conversation; nil means the policy by number alone.
	Creditor func(ctx context.Context, conv string) string
}

// Send implements channels.Channel.
func (f FooterChannel) Send(ctx context.Context, m channels.Outbound) (channels.SendResult, error) {
	if !f.Gate.footerPossible(m.To) {
		return f.Channel.Send(ctx, m) // spares the conversation lookup on every send
	}
	cred := ""
	if f.Creditor != nil {
		cred = f.Creditor(ctx, m.ConversationID)
	}
	if footer := f.Gate.PolicyFor(cred, m.To).OptOutFooter; footer != "" && m.Text != "" && !strings.Contains(m.Text, footer) {
		m.Text = strings.TrimRight(m.Text, "\n ") + "\n\n" + footer
	}
	return f.Channel.Send(ctx, m)
}
