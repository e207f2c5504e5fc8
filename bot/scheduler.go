package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// SchedulerOptions tune the reminder scheduler; zero values take defaults.
type SchedulerOptions struct {
	Lease          time.Duration // how long a claim is held before another process may take it (default 2m)
	Batch          int           // debts claimed at once (default 100)
	Poll           time.Duration // how often due reminders are looked for (default 1s)
	HandoffRecheck time.Duration // a conversation held by a person is looked at again after (default 24h)
	Parallel       int           // claimed debts handled at once (default 8): each waits on a dozen round trips
}

// Scheduler sends cadence reminders: it claims due debts from a Redis
// sorted set with leased, atomic claims (several processes never hold the
// same debt), works out the step due from the debt's reminder state, checks
// the compliance gate and runs the reminder through the conversation like
// any other event. A per-(debt, step) mark committed with the conversation
// step makes a reclaimed job after a crash a no-op instead of a repeat.
type Scheduler struct {
	b        *Bot
	gate     *Compliance
	cadences map[string]Cadence
	def      Cadence
	opts     SchedulerOptions
	// autoDebits is Pix Automático (SetAutoDebits); nil: not offered.
	autoDebits AutoDebits
	// crash is a test hook: returning true at a stage simulates the process
	// dying there (the claim stays leased).
	crash func(stage string) bool
}

var errCrashed = errors.New("scheduler: simulated crash")

// NewScheduler builds the scheduler and registers its action handlers on
// the bot (pause, stop, dispute, wrong number, agreement, outcomes); call
// it before b.Start.
func NewScheduler(b *Bot, gate *Compliance, cadences map[string]Cadence, opts SchedulerOptions) *Scheduler {
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.HandoffRecheck <= 0 {
		opts.HandoffRecheck = 24 * time.Hour
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	s := &Scheduler{b: b, gate: gate, cadences: cadences, def: DefaultCadence(), opts: opts}
	s.registerActions()
	return s
}

// CadenceFor is a creditor's cadence (the default when none is configured).
func (s *Scheduler) CadenceFor(creditor string) Cadence {
	if c, ok := s.cadences[creditor]; ok {
		return c
	}
	return s.def
}

// FirstReminder is when a new debt is first considered (for importers).
func (s *Scheduler) FirstReminder(creditor, due, timeZone string) (time.Time, error) {
	return s.CadenceFor(creditor).FirstReminder(due, s.location(timeZone), s.b.now())
}

// Start polls for due reminders until ctx ends (Bot.Wait waits for it).
func (s *Scheduler) Start(ctx context.Context) {
	s.b.every(ctx, s.opts.Poll, func(ctx context.Context) {
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.b.log.Warn("reminder scheduler pass failed", "err", err)
		}
	})
}

// RunDue claims and handles every debt due by the clock's now; it returns
// how many claims it completed. A claim whose handling fails stays leased
// and is taken again when the lease expires.
func (s *Scheduler) RunDue(ctx context.Context) (int, error) {
	done := 0
	var errs []error
	for ctx.Err() == nil {
		claims, err := s.b.store.ClaimDueReminders(ctx, s.b.now(), s.opts.Lease, s.opts.Batch)
		if err != nil {
			return done, err
		}
		var mu sync.Mutex
		work := make(chan storage.Claim)
		var wg sync.WaitGroup
		for range min(s.opts.Parallel, len(claims)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range work {
					err := s.process(ctx, c)
					if err != nil && !errors.Is(err, errCrashed) {
						s.b.log.Warn("reminder left for retry after its lease", "debt", c.DebtID, "err", err)
					}
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						done++
					}
					mu.Unlock()
				}
			}()
		}
		for _, c := range claims {
			work <- c
		}
		close(work)
		wg.Wait()
		if len(claims) < s.opts.Batch {
			break
		}
	}
	return done, errors.Join(errs...)
}

func (s *Scheduler) process(ctx context.Context, c storage.Claim) error {
	now := s.b.now()
	next, err := s.dispatch(ctx, c.DebtID, now)
	if err != nil {
		return err
	}
	if s.crashed("before_complete") {
		return errCrashed
	}
	if !next.IsZero() && !next.After(now) {
		next = now.Add(time.Minute) // never spin on one debt
	}
	ok, err := s.b.store.CompleteClaim(ctx, c, next)
	if err != nil {
		return err
	}
	if !ok {
		s.b.log.Warn("reminder claim expired before completion; another scheduler took it", "debt", c.DebtID)
	}
	return nil
}

func (s *Scheduler) crashed(stage string) bool { return s.crash != nil && s.crash(stage) }

// job is one reminder to send now.
type job struct {
	key      string // unique per debt: s:D+5, i:2:-3, p:2026-11-27
	kind     dialogs.EventKind
	step     string
	variants []string
	channels []string
	inst     *storage.Installment
	n, of    int
	apply    func(*storage.ReminderState)
	code     string                         // EventAutoDebit offer: the authorisation code
	agree    func(*storage.AgreementRecord) // after delivery: what the message spent on the agreement
	// inFlow is a message that continues the conversation under way (the
	// automatic-debit offer right after the agreement): no quiet period.
	inFlow bool
}

// dispatch handles one claimed debt and returns when it is next considered
// (zero: never again).
func (s *Scheduler) dispatch(ctx context.Context, id string, now time.Time) (time.Time, error) {
	st := s.b.store
	debt, rs, debtor, found, err := st.DebtForReminder(ctx, id)
	if errors.Is(err, storage.ErrNotFound) { // the debt is gone
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	if !found { // so is its debtor's record
		return time.Time{}, nil
	}
	if rs.Stopped != "" || (debt.Status != dialogs.DebtOpen && debt.Status != dialogs.DebtAgreement && debt.Status != "") {
		return time.Time{}, nil
	}
	if rs.PauseUntil.After(now) {
		return rs.PauseUntil, nil
	}
	cad := s.CadenceFor(debt.CreditorID)
	loc := s.location(debtor.TimeZone)
	if debt.Status == dialogs.DebtAgreement && s.autoDebits != nil {
		if days := s.autoDebits.NoticeDays(debt.CreditorID); days > 0 {
			s.syncAutoDebit(ctx, debt, debtor, days, loc, now)
		}
	}
	j, next, err := s.plan(ctx, debt, rs, cad, loc, now)
	if err != nil || j == nil {
		return next, err
	}
	phone, channel, why, err := s.contact(ctx, debtor, j.channels)
	if err != nil {
		return time.Time{}, err
	}
	if phone == "" {
		s.b.log.Info("reminders stopped: no way to reach the debtor", "debt", id, "reason", why)
		return time.Time{}, s.stop(ctx, id, why)
	}
	d, err := s.gate.Decide(ctx, Subject{Phone: phone, DebtorID: debtor.ID, TimeZone: debtor.TimeZone, DebtID: id, Creditor: debt.CreditorID}, now)
	if err != nil {
		return time.Time{}, err
	}
	if !d.Allow {
		s.b.log.Info("reminder deferred by the compliance gate", "debt", id, "step", j.step, "to", channels.MaskPhone(phone), "reason", d.Reason, "until", d.RetryAt)
		if d.RetryAt.IsZero() {
			return now.Add(time.Hour), nil
		}
		return d.RetryAt, nil
	}
	if s.crashed("before_deliver") {
		return time.Time{}, errCrashed
	}
	ev := dialogs.Event{Kind: j.kind, Channel: channel, DebtID: id, Step: j.step}
	if j.kind == dialogs.EventReminderDue {
		ev.Variant = AssignVariant(debtor.ID, j.step, j.variants)
	}
	if j.inst != nil {
		ev.Amount, ev.DueDate, ev.Installment, ev.Of = j.inst.Cents, j.inst.DueDate, j.n, j.of
	}
	ev.Code = j.code
	fallback, err := s.fallbackAfter(ctx, debtor, j.channels, phone, channel)
	if err != nil {
		return time.Time{}, err
	}
	quiet := cad.QuietAfter()
	if j.inFlow {
		quiet = 0
	}
	fired, held, err := s.deliverOnce(ctx, phone, ev, j.key, fallback, quiet, now)
	if err != nil {
		return time.Time{}, err
	}
	if held.reason != "" { // the step is not spent: it goes after the hold
		s.b.log.Info("reminder held back", "debt", id, "step", j.step, "to", channels.MaskPhone(phone), "reason", held.reason, "until", held.until)
		_, err := st.UpdateReminderState(ctx, id, func(r *storage.ReminderState) error {
			r.Held = held.reason
			return nil
		})
		return held.until, err
	}
	if s.crashed("after_deliver") {
		return time.Time{}, errCrashed
	}
	rs, err = st.UpdateReminderState(ctx, id, func(r *storage.ReminderState) error {
		j.apply(r)
		r.Held = ""
		if j.kind == dialogs.EventReminderDue && fired {
			r.LastStep, r.LastVariant, r.LastAt = j.step, ev.Variant, now
		}
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	if j.agree != nil {
		if _, err := st.UpdateAgreement(ctx, id, func(a *storage.AgreementRecord) error { j.agree(a); return nil }); err != nil {
			return time.Time{}, err
		}
	}
	if fired && j.kind == dialogs.EventReminderDue {
		if err := st.CountVariantSent(ctx, debt.CreditorID, j.step, ev.Variant); err != nil {
			return time.Time{}, err
		}
	}
	_, next, err = s.plan(ctx, debt, rs, cad, loc, now)
	return next, err
}

// plan finds the reminder due now, if any, and when the next one is due.
// When several steps are past (the debt was imported late, or paused), only
// the latest is sent and the earlier ones are skipped: a step is never sent
// twice and old news is not repeated.
func (s *Scheduler) plan(ctx context.Context, debt dialogs.Debt, rs storage.ReminderState, cad Cadence, loc *time.Location, now time.Time) (*job, time.Time, error) {
	var next time.Time
	soonest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	chans := defaultChannels
	if len(cad.Steps) > 0 {
		chans = cad.Steps[0].Channels
	}
	if rs.PauseUntil.After(now) {
		return nil, rs.PauseUntil, nil
	}
	if rs.PromiseDate != "" {
		t, err := cad.at(rs.PromiseDate, 0, loc)
		if err != nil {
			return nil, time.Time{}, err
		}
		if !rs.PauseUntil.IsZero() && rs.PauseUntil.Format(time.DateOnly) == t.Format(time.DateOnly) {
			t = rs.PauseUntil
		}
		if !t.After(now) {
			date := rs.PromiseDate
			// Steps that fell due while the promise paused the cadence are
			// skipped: the promise reminder replaces them.
			resume := len(cad.Steps)
			for k, st := range cad.Steps {
				if at, err := cad.at(debt.DueDate, st.Offset, loc); err == nil && at.After(now) {
					resume = k
					break
				}
			}
			return &job{key: "p:" + date, kind: dialogs.EventReminderDue, step: "promise", variants: []string{"a"}, channels: chans,
				apply: func(r *storage.ReminderState) {
					if r.PromiseDate == date {
						r.PromiseDate = ""
					}
					r.Next = max(r.Next, resume)
				}}, now, nil
		}
		soonest(t)
	}
	if debt.Status == dialogs.DebtAgreement {
		ag, err := s.b.store.Agreement(ctx, debt.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, next, nil
		}
		if err != nil {
			return nil, time.Time{}, err
		}
		aj, anext := s.autoDebitJob(ag, debt.CreditorID, chans, loc, now)
		if aj != nil {
			aj.apply = func(*storage.ReminderState) {}
			return aj, now, nil
		}
		soonest(anext)
		type pair struct {
			i, off int
			t      time.Time
		}
		var pairs []pair
		for i, in := range ag.Installments {
			for _, off := range cad.InstallmentOffsets {
				t, err := cad.at(in.DueDate, off, loc)
				if err != nil {
					return nil, time.Time{}, err
				}
				pairs = append(pairs, pair{i, off, t})
			}
		}
		due := -1
		for k := rs.NextInst; k < len(pairs); k++ {
			if ag.Installments[pairs[k].i].Paid || ag.Debited(pairs[k].i) {
				continue // an authorised automatic debit has its notice instead
			}
			if pairs[k].t.After(now) {
				soonest(pairs[k].t)
				break
			}
			due = k
		}
		if due >= 0 {
			p := pairs[due]
			in := ag.Installments[p.i]
			return &job{key: fmt.Sprintf("i:%d:%d", p.i+1, p.off), kind: dialogs.EventInstallmentDue, step: fmt.Sprintf("I%d/D%+d", p.i+1, p.off),
				channels: chans, inst: &in, n: p.i + 1, of: len(ag.Installments),
				apply: func(r *storage.ReminderState) { r.NextInst = max(r.NextInst, due+1) }}, now, nil
		}
		return nil, next, nil
	}
	due := -1
	for k := rs.Next; k < len(cad.Steps); k++ {
		t, err := cad.at(debt.DueDate, cad.Steps[k].Offset, loc)
		if err != nil {
			return nil, time.Time{}, err
		}
		if t.After(now) {
			if sameDay(t, now.In(loc)) {
				due = -1 // a late step is not sent hours before the next one
			}
			soonest(t)
			break
		}
		due = k
	}
	if due >= 0 {
		step := cad.Steps[due]
		return &job{key: "s:" + step.ID, kind: dialogs.EventReminderDue, step: step.ID, variants: step.Variants, channels: step.Channels,
			apply: func(r *storage.ReminderState) { r.Next = max(r.Next, due+1) }}, now, nil
	}
	return nil, next, nil
}

// channelOrder is the creditor's channel order for a step with the debtor's
// preferred channel first when the creditor uses it, and last otherwise.
func channelOrder(creditor []string, preferred string) []string {
	out := make([]string, 0, len(creditor)+1)
	if preferred != "" && slices.Contains(creditor, preferred) {
		out = append(out, preferred)
	}
	for _, c := range creditor {
		if c != preferred {
			out = append(out, c)
		}
	}
	if preferred != "" && !slices.Contains(creditor, preferred) {
		out = append(out, preferred)
	}
	return out
}

// whatsAppProviders are tried, in order, for a cadence channel "whatsapp".
var whatsAppProviders = []string{channels.WhatsApp, channels.WhatsAppCloud, channels.TwilioWhatsApp}

// contact picks the number and channel of a reminder: the debtor's first
// number not marked wrong, on the first channel of the step's order that is
// configured and not opted out. reason says why none was found.
func (s *Scheduler) contact(ctx context.Context, d dialogs.Debtor, order []string) (phone, channel, reason string, err error) {
	wrong, err := s.b.store.DebtorWrongNumbers(ctx, d.ID)
	if err != nil {
		return "", "", "", err
	}
	cands := s.candidates(d, order)
	reason = "wrong_number"
	for _, p := range d.Phones {
		if slices.Contains(wrong, p) {
			continue
		}
		reason = "no_channel"
		for _, c := range cands {
			_, out, err := s.b.store.OptedOut(ctx, c, p)
			if err != nil {
				return "", "", "", err
			}
			if out {
				reason = "opt_out"
				continue
			}
			return p, c, "", nil
		}
	}
	return "", "", reason, nil
}

// candidates are the configured channels of a step's order for a debtor,
// in the order contact tries them ("whatsapp" is the first WhatsApp
// provider configured).
func (s *Scheduler) candidates(d dialogs.Debtor, order []string) []string {
	var cands []string
	for _, c := range append(channelOrder(order, d.Channel), channels.Simulator) {
		if c == "whatsapp" {
			for _, p := range whatsAppProviders {
				if _, ok := s.b.Channel(p); ok {
					c = p
					break
				}
			}
		}
		if _, ok := s.b.Channel(c); ok && c != "" && !slices.Contains(cands, c) {
			cands = append(cands, c)
		}
	}
	return cands
}

// markSlot is the conversation slot listing the reminders of a debt already
// committed ("sent" marks): written in the same atomic commit as the
// reminder's messages, so a repeated job finds it and sends nothing.
func markSlot(debtID string) string { return "reminders_sent:" + debtID }

func hasMark(c dialogs.Conversation, debtID, key string) bool {
	return slices.Contains(strings.Split(c.Slots[markSlot(debtID)], ","), key)
}

// Why a due reminder was held back (storage.ReminderState.Held).
const (
	HeldQuiet   = "quiet_period" // the conversation is under way: it waits for the quiet period after the last message
	HeldHandoff = "handoff"      // a person holds the conversation, or it waits for one
)

// holdBack is a reminder held back: why, and when to look at it again.
type holdBack struct {
	reason string
	until  time.Time
}

// holdFor says whether a reminder must wait instead of going into c now:
// while a person holds the conversation or it waits for one, while a
// message of the debtor waits to be read (waiting), and until quiet has
// passed since the last message either way (every bot message and every
// debtor message is a step, which sets UpdatedAt).
func (s *Scheduler) holdFor(c dialogs.Conversation, waiting bool, quiet time.Duration, now time.Time) holdBack {
	last := c.UpdatedAt
	if c.LastIn.After(last) {
		last = c.LastIn
	}
	switch {
	case c.Handoff.Active():
		return holdBack{HeldHandoff, now.Add(s.opts.HandoffRecheck)}
	case waiting:
		return holdBack{HeldQuiet, now.Add(quiet)}
	case !last.IsZero() && now.Before(last.Add(quiet)):
		return holdBack{HeldQuiet, last.Add(quiet)}
	}
	return holdBack{}
}

// deliverOnce runs a reminder event through the conversation under its
// lock unless its mark is already there or it must wait (holdFor), and
// commits the mark with the step; its messages fall back along fallback. It
// reports whether the event ran now, or why it was held back. Deciding under
// the lock is what keeps a reminder from crossing a message the debtor is
// sending at that moment.
func (s *Scheduler) deliverOnce(ctx context.Context, conv string, ev dialogs.Event, key, fallback string, quiet time.Duration, now time.Time) (bool, holdBack, error) {
	fired := false
	var held holdBack
	err := s.b.withConversation(ctx, conv, func(h hold, c dialogs.Conversation) error {
		if hasMark(c, ev.DebtID, key) {
			s.b.log.Info("reminder already sent; not repeating it", "debt", ev.DebtID, "step", key, "to", channels.MaskPhone(conv))
			return nil
		}
		if held = s.holdFor(c, h.waiting, quiet, now); held.reason != "" {
			return nil
		}
		cs, err := s.b.caseFor(ctx, c, h.prefetch)
		if err != nil {
			return err
		}
		ev.Case = &cs
		next, actions, err := s.b.dialog.Step(c, ev, now)
		if err != nil {
			s.b.log.Error("reminder step failed; skipping it", "debt", ev.DebtID, "step", key, "err", err)
			next, actions = c, nil
		}
		if next.DebtorID == "" && cs.Debtor != nil {
			next.DebtorID, next.CreditorID = cs.Debtor.ID, cs.Creditor.ID
		}
		if next.Slots == nil {
			next.Slots = map[string]string{}
		}
		if m := next.Slots[markSlot(ev.DebtID)]; m != "" {
			next.Slots[markSlot(ev.DebtID)] = m + "," + key
		} else {
			next.Slots[markSlot(ev.DebtID)] = key
		}
		sent := ev
		if sent.Kind == dialogs.EventReminderDue && sent.Variant == "" {
			sent.Variant = "a" // as the dialog says it (dialogs/proactive.go)
		}
		if _, err := s.b.commit(ctx, next, hold{token: h.token, fallback: fallback, reminder: &sent}, "", nil, actions, now, 0); err != nil {
			return err
		}
		fired = true
		return nil
	})
	return fired, held, err
}

func (s *Scheduler) location(tz string) *time.Location {
	for _, n := range []string{tz, "America/Sao_Paulo"} {
		if n == "" {
			continue
		}
		if l, err := dialogs.LoadZone(n); err == nil {
			return l
		}
	}
	return time.UTC
}

// stop ends a debt's reminders for good.
func (s *Scheduler) stop(ctx context.Context, debtID, reason string) error {
	if _, err := s.b.store.UpdateReminderState(ctx, debtID, func(r *storage.ReminderState) error {
		if r.Stopped == "" {
			r.Stopped = reason
		}
		return nil
	}); err != nil {
		return err
	}
	return s.b.store.UnscheduleReminder(ctx, debtID)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
