package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// caseDialog answers with the case the worker gave the step: the debtor's
// name and how many debts they have.
type caseDialog struct{}

func (caseDialog) Step(c dialogs.Conversation, ev dialogs.Event, _ time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	text := "nobody"
	if ev.Case != nil && ev.Case.Debtor != nil {
		text = fmt.Sprintf("%s, %d debts", ev.Case.Debtor.Name, len(ev.Case.Debts))
	}
	return c, []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: text}}}, nil
}

// lookupCounter counts the worker's own lookups: runs of the script that
// loads debtors (the only one without keys) and pipelines that read the
// phone index.
type lookupCounter struct{ n atomic.Int32 }

func (l *lookupCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *lookupCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		// an EVALSHA refused with NOSCRIPT is retried as EVAL: one run
		if a := cmd.Args(); (cmd.Name() == "evalsha" || cmd.Name() == "eval") && len(a) > 2 && fmt.Sprint(a[2]) == "0" && !redis.HasErrorPrefix(err, "NOSCRIPT") {
			l.n.Add(1)
		}
		return err
	}
}

func (l *lookupCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && cmds[0].Name() == "hget" && strings.Contains(fmt.Sprint(cmds[0].Args()[1]), ":ix:phone:") {
			l.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// newCaseHarness is a harness whose dialog answers with the case it got,
// with Ana (who owns the number ana, one debt) and Bia (no number, two
// debts) stored.
func newCaseHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, Options{})
	h.bot.dialog = caseDialog{}
	ctx := context.Background()
	for _, d := range []dialogs.Debtor{{ID: "ana", Name: "Ana", Phones: []string{ana}}, {ID: "bia", Name: "Bia"}} {
		if err := h.store.SaveDebtor(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []dialogs.Debt{{ID: "d1", DebtorID: "ana", Invoice: "1"}, {ID: "d2", DebtorID: "bia", Invoice: "2"}, {ID: "d3", DebtorID: "bia", Invoice: "3"}} {
		if err := h.store.SaveDebt(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// setState stores a conversation's state as a step would have left it.
func (h *harness) setState(conv string, c dialogs.Conversation) {
	h.t.Helper()
	raw, _ := json.Marshal(c)
	if err := h.redis.Client.Set(context.Background(), h.store.Keys().State(conv), raw, 0).Err(); err != nil {
		h.t.Fatal(err)
	}
}

// The first message after a worker locks a conversation runs on the case
// read ahead in that round trip; it must be the case a lookup would give:
// the debtor the state names, else the number's owner, never a debtor_id
// that is not the state's own field.
func TestStepsRunOnTheDebtorALookupWouldFind(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		state    *dialogs.Conversation // stored before the messages (nil: a new conversation)
		messages int
		want     string
		lookups  int32 // round trips of the worker's own lookups
	}{
		{"new conversation: the number's owner", ana, nil, 1, "Ana, 1 debts", 0},
		{"two messages: the second looks its debtor up", ana, nil, 2, "Ana, 1 debts", 1},
		{"the state names another debtor", ana, &dialogs.Conversation{ID: ana, Phone: ana, DebtorID: "bia"}, 1, "Bia, 2 debts", 0},
		{"debtor_id only as a slot: the owner, looked up", ana, &dialogs.Conversation{ID: ana, Phone: ana, Slots: map[string]string{"debtor_id": "bia"}}, 1, "Ana, 1 debts", 2},
		{"unknown number", "+5511900000009", nil, 1, "nobody", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newCaseHarness(t)
			if tc.state != nil {
				h.setState(tc.from, *tc.state)
			}
			for i := range tc.messages { // queued before the workers start: one drain
				h.accept(tc.from, fmt.Sprint("oi ", i), fmt.Sprint("SM-", i))
			}
			counter := &lookupCounter{}
			h.redis.Client.AddHook(counter)
			h.start()
			waitFor(t, "the replies", func() bool { return len(h.ch.Sent()) == tc.messages })
			if n := counter.n.Load(); n != tc.lookups {
				t.Errorf("%d lookup round trips, want %d", n, tc.lookups)
			}
			for _, m := range h.ch.Sent() {
				if m.Text != tc.want {
					t.Fatalf("reply %q, want %q", m.Text, tc.want)
				}
			}
		})
	}
}

// prefetchedCase takes a case read ahead only when it is the one
// lookupCases would load.
func TestPrefetchedCaseIsUsedOnlyWhenItMatches(t *testing.T) {
	b := &Bot{dir: newHarness(t, Options{}).bot.dir}
	found := storage.DebtorRecord{Found: true, Debtor: dialogs.Debtor{ID: "ana", Name: "Ana"}}
	tests := []struct {
		name string
		c    dialogs.Conversation
		p    *storage.CasePrefetch
		want bool
	}{
		{"nothing read ahead", dialogs.Conversation{ID: ana, Phone: ana}, nil, false},
		{"owner of the number, no debtor yet", dialogs.Conversation{ID: ana, Phone: ana}, &storage.CasePrefetch{DebtorID: "ana", Record: found}, true},
		{"unknown number, no debtor yet", dialogs.Conversation{ID: ana, Phone: ana}, &storage.CasePrefetch{}, true},
		{"phone differs from the conversation id", dialogs.Conversation{ID: ana, Phone: "+5511900000001"}, &storage.CasePrefetch{DebtorID: "ana", Record: found}, false},
		{"the state's debtor", dialogs.Conversation{ID: ana, Phone: ana, DebtorID: "ana"}, &storage.CasePrefetch{FromState: true, DebtorID: "ana", Record: found}, true},
		{"another debtor than the state's", dialogs.Conversation{ID: ana, Phone: ana, DebtorID: "bia"}, &storage.CasePrefetch{FromState: true, DebtorID: "ana", Record: found}, false},
		{"the owner while the state names a debtor", dialogs.Conversation{ID: ana, Phone: ana, DebtorID: "ana"}, &storage.CasePrefetch{DebtorID: "ana", Record: found}, false},
		{"a debtor_id text while the state names none", dialogs.Conversation{ID: ana, Phone: ana}, &storage.CasePrefetch{FromState: true, DebtorID: "ana", Record: found}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, ok := b.prefetchedCase(tc.c, tc.p)
			if ok != tc.want {
				t.Fatalf("used %v, want %v", ok, tc.want)
			}
			if ok && (cs.Debtor != nil) != tc.p.Record.Found {
				t.Fatalf("case debtor %v for a record found %v", cs.Debtor, tc.p.Record.Found)
			}
		})
	}
}

// An event that is not a message (a reminder, a hand-back) locks the
// conversation, reads its state and reads its case ahead in one round
// trip, under the same rule as a message.
func TestDeliverRunsOnTheCaseReadAhead(t *testing.T) {
	tests := []struct {
		name    string
		state   dialogs.Conversation
		want    string
		lookups int32
	}{
		{"the state's debtor", dialogs.Conversation{ID: ana, Phone: ana, DebtorID: "bia"}, "Bia, 2 debts", 0},
		{"the number's owner", dialogs.Conversation{ID: ana, Phone: ana}, "Ana, 1 debts", 0},
		{"debtor_id only as a slot: looked up", dialogs.Conversation{ID: ana, Phone: ana, Slots: map[string]string{"debtor_id": "bia"}}, "Ana, 1 debts", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newCaseHarness(t)
			h.setState(ana, tc.state)
			counter := &lookupCounter{}
			h.redis.Client.AddHook(counter)
			if err := h.bot.Deliver(context.Background(), ana, dialogs.Event{Kind: dialogs.EventTimeout, Channel: "simulator"}); err != nil {
				t.Fatal(err)
			}
			if n := counter.n.Load(); n != tc.lookups {
				t.Errorf("%d lookup round trips, want %d", n, tc.lookups)
			}
			msgs := h.transcript(ana)
			if len(msgs) != 1 || msgs[0].Text != tc.want {
				t.Fatalf("transcript %v, want one reply %q", lines(msgs), tc.want)
			}
		})
	}
}
