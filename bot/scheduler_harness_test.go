package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

var saoPaulo = mustLoc("America/Sao_Paulo")

func mustLoc(n string) *time.Location {
	l, err := time.LoadLocation(n)
	if err != nil {
		panic(err)
	}
	return l
}

// simClock is the simulated clock the pipeline and scheduler read.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

// scriptDialog follows the dialogs contract with fixed words, so that the
// test asserts the scheduler, not the wording: reminders say
// "lembrete <step> <variant> <debt>", and the debtor's scripted answers
// produce the actions the real engine would.
type scriptDialog struct{ loc *time.Location }

func (d scriptDialog) Step(c dialogs.Conversation, ev dialogs.Event, now time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	say := func(text string) dialogs.Action {
		return dialogs.Action{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: text}}
	}
	if ev.Channel != "" {
		c.Channel = ev.Channel
	}
	debt := ""
	if ev.Case != nil && len(ev.Case.Debts) > 0 {
		debt = ev.Case.Debts[0].ID
	}
	switch ev.Kind {
	case dialogs.EventReminderDue:
		if c.Handoff.Active() {
			return c, nil, nil
		}
		return c, []dialogs.Action{say(fmt.Sprintf("lembrete %s %s %s", ev.Step, ev.Variant, ev.DebtID))}, nil
	case dialogs.EventInstallmentDue:
		return c, []dialogs.Action{say(fmt.Sprintf("parcela %d/%d %s", ev.Installment, ev.Of, ev.DueDate))}, nil
	case dialogs.EventPaymentConfirmed:
		return c, []dialogs.Action{say("obrigado " + ev.DebtID), {Kind: dialogs.ActStopReminders, DebtID: ev.DebtID, Reason: "paid"}}, nil
	}
	words := strings.Fields(ev.Text)
	if len(words) == 0 {
		return c, nil, nil
	}
	switch words[0] {
	case "PROMETO":
		day, _ := time.ParseInLocation(time.DateOnly, words[1], d.loc)
		return c, []dialogs.Action{say("combinado"),
			{Kind: dialogs.ActRecordPromise, DebtID: debt, Date: words[1]},
			{Kind: dialogs.ActPauseReminders, DebtID: debt, Until: day.Add(9 * time.Hour)},
			{Kind: dialogs.ActOutcome, DebtID: debt, Reason: dialogs.OutcomePromise, Step: "D0", Variant: "a"}}, nil
	case "SAIR":
		return c, []dialogs.Action{say("pronto, sem mensagens"),
			{Kind: dialogs.ActOptOut, Channel: c.Channel, Reason: ev.Text},
			{Kind: dialogs.ActStopReminders, Channel: c.Channel, Reason: dialogs.OutcomeOptOut}}, nil
	case "ACORDO":
		return c, []dialogs.Action{say("acordo feito"),
			{Kind: dialogs.ActCreateAgreement, DebtID: debt, Agreement: &dialogs.Agreement{DebtID: debt, Installments: 2,
				InstallmentCents: []int64{5000, 5000}, DueDates: []string{words[1], words[2]}, TotalCents: 10000}},
			{Kind: dialogs.ActStopReminders, DebtID: debt, Reason: dialogs.OutcomeAgreement}}, nil
	case "CONTESTO":
		return c, []dialogs.Action{say("vou passar para a equipe"), {Kind: dialogs.ActSuspendDebt, DebtID: debt, Reason: ev.Text}}, nil
	case "ENGANO":
		return c, []dialogs.Action{say("desculpe"), {Kind: dialogs.ActWrongNumber, Channel: c.Channel, Reason: ev.Text}}, nil
	}
	return c, []dialogs.Action{say("eco")}, nil
}

// sent is one message a provider received, with the simulated time.
type sent struct {
	At   time.Time
	To   string
	Text string
}

func (s sent) String() string {
	return s.At.In(saoPaulo).Format("Mon 2006-01-02 15:04") + " " + s.To + " " + s.Text
}

// recordingChannel records what it sends with the simulated clock.
type recordingChannel struct {
	name  string
	clock func() time.Time
	mu    sync.Mutex
	log   []sent
}

func (r *recordingChannel) Name() string { return r.name }

func (r *recordingChannel) Send(_ context.Context, m channels.Outbound) (channels.SendResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, sent{At: r.clock(), To: m.To, Text: m.Text})
	return channels.SendResult{ProviderID: "P" + m.ID, Status: channels.StatusSent}, nil
}

// Sent lists the sends by simulated time, then number: sends to different
// debtors at one moment are concurrent (the scheduler handles a batch in
// parallel), while one debtor's messages keep their order (stable sort).
func (r *recordingChannel) Sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]sent(nil), r.log...)
	slices.SortStableFunc(out, func(a, b sent) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.To, b.To)
	})
	return out
}

// schedHarness runs the pipeline synchronously: no loops, every stream is
// pumped by the test, so a simulated clock decides everything.
type schedHarness struct {
	t     *testing.T
	redis *redistest.Server
	store *storage.Store
	clock *simClock
	bot   *Bot
	sched *Scheduler
	gate  *Compliance
	ch    *recordingChannel
}

func newSchedHarness(t *testing.T, r *redistest.Server, start time.Time, opts SchedulerOptions) *schedHarness {
	t.Helper()
	return newSchedHarnessWith(t, r, start, opts, scriptDialog{loc: saoPaulo}, nil)
}

// newSchedHarnessWith is newSchedHarness with another dialog (the real
// engine) and creditor cadences.
func newSchedHarnessWith(t *testing.T, r *redistest.Server, start time.Time, opts SchedulerOptions, dialog Dialog, cadences map[string]Cadence) *schedHarness {
	t.Helper()
	if r == nil {
		r = redistest.New(t)
	}
	st := r.Store()
	clock := &simClock{t: start}
	b := New(st, dialog, config.NewDirectory(config.DemoFile()), testLogger(t), clock.Now,
		Options{Consumer: "c-" + storage.NewID(), LockTTL: 5 * time.Second})
	gate := &Compliance{Store: st, Default: PresetBR}
	b.SetGate(gate)
	ch := &recordingChannel{name: channels.WhatsApp, clock: clock.Now}
	b.AddChannel(ch)
	h := &schedHarness{t: t, redis: r, store: st, clock: clock, bot: b, gate: gate, ch: ch,
		sched: NewScheduler(b, gate, cadences, opts)}
	ctx := context.Background()
	k := st.Keys()
	for _, g := range [][2]string{{k.Inbound(), groupWorkers}, {k.Outbound(), groupSenders}, {k.Actions(), groupActions}} {
		if err := st.EnsureGroup(ctx, g[0], g[1]); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// pump handles every entry of the three streams and every due retry until
// nothing is left.
func (h *schedHarness) pump() {
	h.t.Helper()
	ctx := context.Background()
	k := h.store.Keys()
	for round := 0; round < 1000; round++ {
		if _, err := h.store.PromoteRetries(ctx, h.clock.Now(), 1000); err != nil {
			h.t.Fatal(err)
		}
		busy := false
		for _, s := range []struct {
			stream, group string
			handle        func(context.Context, storage.StreamEntry) error
		}{{k.Inbound(), groupWorkers, h.bot.handleInbound}, {k.Actions(), groupActions, h.bot.handleAction}, {k.Outbound(), groupSenders, h.bot.handleOutbound}} {
			entries, err := h.store.ReadGroup(ctx, s.stream, s.group, h.bot.opts.Consumer, 100, -1)
			if err != nil {
				h.t.Fatal(err)
			}
			for _, e := range entries {
				busy = true
				if err := s.handle(ctx, e); err != nil {
					h.t.Fatalf("%s entry %s: %v", s.stream, e.ID, err)
				}
			}
		}
		if !busy {
			return
		}
	}
	h.t.Fatalf("streams never drained at %v; sent so far %v", h.clock.Now(), h.ch.Sent())
}

// runDue runs the scheduler and the pipeline at the current simulated time.
func (h *schedHarness) runDue() {
	h.t.Helper()
	for i := 0; i < 20; i++ {
		n, err := h.sched.RunDue(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		h.pump()
		if n == 0 {
			return
		}
	}
}

// nextWakeup is the earliest scheduled reminder or retry after the clock.
func (h *schedHarness) nextWakeup() time.Time {
	ctx := context.Background()
	best := math.Inf(1)
	for _, key := range []string{h.store.Keys().Schedule(), h.store.Keys().OutboundRetry(), h.store.Keys().ScheduleLeases()} {
		z, err := h.store.Redis().ZRangeWithScores(ctx, key, 0, 0).Result()
		if err != nil && err != redis.Nil {
			h.t.Fatal(err)
		}
		if len(z) > 0 {
			best = math.Min(best, z[0].Score)
		}
	}
	if math.IsInf(best, 1) {
		return time.Time{}
	}
	return time.UnixMilli(int64(best))
}

// until advances the simulated clock wake-up by wake-up until end, running
// the scheduler and scripted debtor actions (by time) on the way.
func (h *schedHarness) until(end time.Time, script map[time.Time]func()) {
	h.t.Helper()
	for {
		next := h.nextWakeup()
		for at := range script {
			if at.After(h.clock.Now()) && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
		if next.IsZero() || next.After(end) {
			h.clock.Set(end)
			return
		}
		h.clock.Set(next)
		for at, f := range script {
			if !at.After(h.clock.Now()) {
				f()
				delete(script, at)
				h.pump()
			}
		}
		h.runDue()
	}
}

func (h *schedHarness) addDebt(debtor dialogs.Debtor, debts ...dialogs.Debt) {
	h.t.Helper()
	ctx := context.Background()
	if err := h.store.SaveDebtor(ctx, debtor); err != nil {
		h.t.Fatal(err)
	}
	for _, d := range debts {
		d.DebtorID = debtor.ID
		if d.CreditorID == "" {
			d.CreditorID = config.DemoCreditorID
		}
		if err := h.store.SaveDebt(ctx, d); err != nil {
			h.t.Fatal(err)
		}
		at, err := h.sched.FirstReminder(d.CreditorID, d.DueDate, debtor.TimeZone)
		if err != nil {
			h.t.Fatal(err)
		}
		if err := h.store.ScheduleReminder(ctx, d.ID, at); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *schedHarness) say(from, text string) func() {
	return func() {
		if err := h.bot.Accept(context.Background(), channels.Inbound{Channel: channels.WhatsApp, From: from, Text: text,
			ProviderID: storage.NewID(), At: h.clock.Now()}); err != nil {
			h.t.Fatal(err)
		}
	}
}

func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, saoPaulo)
	if err != nil {
		panic(err)
	}
	return t
}

// testLogger logs to the test when QUITA_TEST_LOG=1, else nowhere.
func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("QUITA_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(tWriter{t}, nil))
	}
	return slog.New(slog.DiscardHandler)
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
