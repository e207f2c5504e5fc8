package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// TestTwoSchedulersSendEachReminderOnce runs two scheduler instances (two
// bots, as two `quita serve` processes) on one Redis, racing for the same
// due reminders: every reminder goes out exactly once.
func TestTwoSchedulersSendEachReminderOnce(t *testing.T) {
	start := local("2026-11-24 10:00") // a Tuesday inside the window
	a := newSchedHarness(t, nil, start, SchedulerOptions{Batch: 7})
	b := newSchedHarness(t, a.redis, start, SchedulerOptions{Batch: 5})
	const n = 120
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("d%03d", i)
		a.addDebt(dialogs.Debtor{ID: "p" + id, CPF: fmt.Sprintf("%011d", i), Phones: []string{fmt.Sprintf("+55119876%05d", i)}},
			dialogs.Debt{ID: id, Invoice: id, AmountCents: 100, DueDate: "2026-11-24"})
	}
	var wg sync.WaitGroup
	for _, h := range []*schedHarness{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := h.sched.RunDue(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	a.pump()
	b.pump()
	count := map[string]int{}
	for _, s := range append(a.ch.Sent(), b.ch.Sent()...) {
		count[s.Text]++
	}
	if len(count) != n {
		t.Fatalf("%d distinct reminders sent, want %d", len(count), n)
	}
	for text, c := range count {
		if c != 1 {
			t.Errorf("%q sent %d times", text, c)
		}
	}
	if len(a.ch.Sent()) == 0 || len(b.ch.Sent()) == 0 {
		t.Logf("one instance sent everything (a %d, b %d): still exactly once", len(a.ch.Sent()), len(b.ch.Sent()))
	}
}

// TestRestartMidDispatch kills the scheduler at each stage of a dispatch
// and starts a new one after the lease: the reminder is sent exactly once,
// and the next step is still sent on its day.
func TestRestartMidDispatch(t *testing.T) {
	for _, stage := range []string{"before_deliver", "after_deliver", "before_complete"} {
		t.Run(stage, func(t *testing.T) {
			start := local("2026-11-24 10:00")
			h := newSchedHarness(t, nil, start, SchedulerOptions{Lease: time.Minute})
			h.addDebt(dialogs.Debtor{ID: "ana", CPF: "52998224725", Phones: []string{anaPhone}},
				dialogs.Debt{ID: "ana1", Invoice: "NF-1", AmountCents: 100, DueDate: "2026-11-24"})
			crashed := false
			h.sched.crash = func(s string) bool {
				if s == stage && !crashed {
					crashed = true
					return true
				}
				return false
			}
			if _, err := h.sched.RunDue(context.Background()); err == nil || !crashed {
				t.Fatalf("the first process should have died at %s", stage)
			}
			h.pump()
			// A second process on the same Redis: nothing to claim while the lease holds.
			h2 := newSchedHarness(t, h.redis, start, SchedulerOptions{Lease: time.Minute})
			h2.ch = h.ch
			h2.bot.AddChannel(h.ch)
			if n, err := h2.sched.RunDue(context.Background()); err != nil || n != 0 {
				t.Fatalf("claimed %d debts under a live lease (err %v)", n, err)
			}
			h2.clock = h.clock // one simulated time for both processes
			h2.bot.now = h.clock.Now
			h.clock.Set(start.Add(2 * time.Minute)) // the lease expired
			if n, err := h2.sched.RunDue(context.Background()); err != nil || n != 1 {
				t.Fatalf("reclaimed %d debts, want 1 (err %v)", n, err)
			}
			h2.pump()
			h.clock.Set(local("2026-11-25 10:00"))
			h2.runDue()
			var got []string
			for _, s := range h.ch.Sent() {
				got = append(got, s.String())
			}
			want := []string{"Tue 2026-11-24 10:0", "Wed 2026-11-25 10:00"}
			if len(got) != 2 || got[0][:len(want[0])] != want[0] || got[1][:len(want[1])] != want[1] {
				t.Fatalf("sent %q; want D0 once on Tuesday and D+1 on Wednesday", got)
			}
		})
	}
}

// TestStopsOnDisputeWrongNumberAndHandoff: a dispute suspends the debt, a
// wrong number moves reminders to the debtor's other number, and an open
// handoff holds them.
func TestStopsOnDisputeWrongNumberAndHandoff(t *testing.T) {
	ctx := context.Background()
	h := newSchedHarness(t, nil, local("2026-11-24 09:00"), SchedulerOptions{})
	h.addDebt(dialogs.Debtor{ID: "dora", CPF: "52998224725", Phones: []string{"+5511900000001", "+5511900000002"}},
		dialogs.Debt{ID: "dora1", Invoice: "NF-1", AmountCents: 100, DueDate: "2026-11-24"})
	h.addDebt(dialogs.Debtor{ID: "edu", CPF: "11144477735", Phones: []string{"+5511900000003"}},
		dialogs.Debt{ID: "edu1", Invoice: "NF-2", AmountCents: 100, DueDate: "2026-11-24"})
	h.until(local("2026-11-24 12:00"), map[time.Time]func(){
		local("2026-11-24 11:00"): h.say("+5511900000001", "ENGANO"),
		local("2026-11-24 11:30"): h.say("+5511900000003", "CONTESTO"),
	})
	h.until(local("2026-11-26 12:00"), nil)
	var got []string
	for _, s := range h.ch.Sent() {
		got = append(got, s.String())
	}
	want := []string{
		"Tue 2026-11-24 10:00 +5511900000001 lembrete D0 a dora1",
		"Tue 2026-11-24 10:00 +5511900000003 lembrete D0 a edu1",
		"Tue 2026-11-24 11:00 +5511900000001 desculpe",
		"Tue 2026-11-24 11:30 +5511900000003 vou passar para a equipe",
		"Wed 2026-11-25 10:00 +5511900000002 lembrete D+1 " + AssignVariant("dora", "D+1", []string{"a", "b"}) + " dora1",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sent:\n%q\nwant:\n%q", got, want)
	}
	if d, _ := h.store.Debt(ctx, "edu1"); d.Status != dialogs.DebtDisputed {
		t.Errorf("edu1 status %q, want disputed", d.Status)
	}
	// A person takes Dora's conversation: D+5 is held, not sent.
	if err := h.bot.Update(ctx, "+5511900000002", func(c *dialogs.Conversation) ([]storage.Message, []storage.Outbound, error) {
		c.Handoff = dialogs.Handoff{Status: dialogs.HandoffAssigned, Agent: "rita"}
		return nil, nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	before := len(h.ch.Sent())
	h.until(local("2026-11-30 12:00"), nil)
	if len(h.ch.Sent()) != before {
		t.Fatalf("a reminder went out during a handoff: %v", h.ch.Sent()[before:])
	}
	if at, ok, _ := h.store.NextReminder(ctx, "dora1"); !ok || at.IsZero() {
		t.Fatal("dora1 should stay scheduled while held")
	}
}
