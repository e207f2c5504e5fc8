package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// savePortfolio stores three debtors, one with an id that is not a
// sequence number (bucketed by hash, in Go and in Lua alike).
func savePortfolio(t *testing.T, st *storage.Store) {
	t.Helper()
	ctx := context.Background()
	debtors := []dialogs.Debtor{
		{ID: "ana", Name: "Ana", CPF: "52998224725", Phones: []string{"+5511987650001"}},
		{ID: "bia", Name: "Bia", CPF: "11144477735", Phones: []string{"+5511987650002"}},
		{ID: "demo-caio", Name: "Caio", CPF: "39053344705", Phones: []string{"+5511987650003"}},
	}
	debts := []dialogs.Debt{
		{ID: "d1", DebtorID: "ana", CreditorID: "loja", Invoice: "NF-1", AmountCents: 1000},
		{ID: "d2", DebtorID: "ana", CreditorID: "loja", Invoice: "NF-2", AmountCents: 2000, Status: "paid"},
		{ID: "d3", DebtorID: "bia", CreditorID: "loja", Invoice: "NF-3", AmountCents: 3000},
		{ID: "debt-caio", DebtorID: "demo-caio", CreditorID: "loja", Invoice: "NF-4", AmountCents: 4000},
	}
	for _, d := range debtors {
		if err := st.SaveDebtor(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range debts {
		if err := st.SaveDebt(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
}

// describe is a loaded record as "found name invoice:amount:status...".
func describe(r storage.DebtorRecord) string {
	s := fmt.Sprint(r.Found, " ", r.Debtor.Name)
	for _, d := range r.Debts {
		s += fmt.Sprintf(" %s:%d:%s", d.Invoice, d.AmountCents, d.Status)
	}
	return s
}

// A worker's batch looks up its conversations' debtors together: numbers
// to ids in one round trip, debtors and all their debts in one more.
func TestDebtorsWithDebtsLoadsABatch(t *testing.T) {
	r := redistest.New(t)
	st, ctx := r.Store(), context.Background()
	savePortfolio(t, st)
	ids, err := st.DebtorIDsByPhone(ctx, []string{"+5511987650002", "+5511900000000", "+5511987650001", "+5511987650003"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != fmt.Sprint([]string{"bia", "", "ana", "demo-caio"}) {
		t.Fatalf("ids = %q", ids)
	}
	recs, err := st.DebtorsWithDebts(ctx, append(ids, "nobody"))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(recs))
	for i, r := range recs {
		got[i] = describe(r)
	}
	want := []string{"true Bia NF-3:3000:open", "false ", "true Ana NF-1:1000:open NF-2:2000:paid", "true Caio NF-4:4000:open", "false "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("records = %q\nwant      %q", got, want)
	}
}

// Locking a conversation with a message waiting (or for an event, with
// BeginWithCase) also reads its case ahead: the debtor its state names,
// else the owner of its number.
func TestBeginReadsTheCaseAhead(t *testing.T) {
	tests := []struct {
		name  string
		conv  string
		state string // stored state ("": none)
		inbox bool   // a message waits
		event bool   // BeginWithCase (a reminder, a hand-back)
		want  string // "source id: record", "" for nothing read ahead
	}{
		{"owner of the number", "+5511987650001", "", true, false, "p ana: true Ana NF-1:1000:open NF-2:2000:paid"},
		{"hashed ids", "+5511987650003", "", true, false, "p demo-caio: true Caio NF-4:4000:open"},
		{"unknown number", "+5511900000000", "", true, false, "p : false "},
		{"the state's debtor", "+5511987650001", `{"id":"+5511987650001","debtor_id":"bia","state":"menu"}`, true, false, "s bia: true Bia NF-3:3000:open"},
		{"the state names a debtor with no record", "+5511987650001", `{"id":"+5511987650001","debtor_id":"zz9","state":"menu"}`, true, false, "s zz9: false "},
		{"an escaped id is not guessed", "+5511987650001", `{"id":"+5511987650001","debtor_id":"b\"x","state":"menu"}`, true, false, "p ana: true Ana NF-1:1000:open NF-2:2000:paid"},
		{"empty inbox: nothing read", "+5511987650001", "", false, false, ""},
		{"empty inbox, an event: read", "+5511987650002", `{"id":"+5511987650002","debtor_id":"bia","state":"menu"}`, false, true, "s bia: true Bia NF-3:3000:open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := redistest.New(t)
			st, ctx := r.Store(), context.Background()
			savePortfolio(t, st)
			if tc.state != "" {
				r.Client.Set(ctx, st.Keys().State(tc.conv), tc.state, 0)
			}
			if tc.inbox {
				m := storage.Message{ID: storage.NewID(), Conversation: tc.conv, Direction: storage.In, Channel: "sms", Text: "oi", At: time.Now()}
				if err := st.Accept(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			begin := st.Begin
			if tc.event {
				begin = st.BeginWithCase
			}
			b, err := begin(ctx, tc.conv, "tok", time.Minute)
			if err != nil || !b.OK || string(b.State) != tc.state {
				t.Fatalf("begin: %+v, %v", b, err)
			}
			got := ""
			if p := b.Case; p != nil {
				src := map[bool]string{true: "s", false: "p"}[p.FromState]
				got = fmt.Sprintf("%s %s: %s", src, p.DebtorID, describe(p.Record))
			}
			if got != tc.want {
				t.Fatalf("read ahead %q\nwant        %q", got, tc.want)
			}
			if again, err := st.Begin(ctx, tc.conv, "other", time.Minute); err != nil || again.OK || again.Case != nil {
				t.Fatalf("a second Begin while locked: %+v, %v", again, err)
			}
		})
	}
}

// A reminder's dispatch reads its debt, the debt's reminder progress and
// the debtor in one round trip, whatever bucket each is in.
func TestDebtForReminderReadsDebtProgressAndDebtor(t *testing.T) {
	r := redistest.New(t)
	st, ctx := r.Store(), context.Background()
	savePortfolio(t, st)
	if err := st.SaveDebt(ctx, dialogs.Debt{ID: "orphan", DebtorID: "gone", CreditorID: "loja", Invoice: "NF-9", AmountCents: 900}); err != nil {
		t.Fatal(err)
	}
	r.Client.HDel(ctx, st.Keys().DebtorBucket("gone"), "gone") // the debtor's record is lost
	if _, err := st.SetDebtStatus(ctx, "d3", "promised"); err != nil {
		t.Fatal(err)
	}
	paused := time.Date(2026, 12, 10, 13, 0, 0, 0, time.UTC)
	if _, err := st.UpdateReminderState(ctx, "debt-caio", func(r *storage.ReminderState) error {
		r.LastStep, r.PauseUntil = "D-3", paused
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, want string
		wantErr  error
	}{
		{"d1", "NF-1 open | next 0 last  | Ana", nil},
		{"d3", "NF-3 promised | next 0 last  | Bia", nil},
		{"debt-caio", "NF-4 open | next 0 last D-3 paused 2026-12-10T13:00:00Z | Caio", nil},
		{"orphan", "NF-9 open | next 0 last  | (no debtor record)", nil},
		{"nope", "", storage.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			d, rs, debtor, found, err := st.DebtForReminder(ctx, tc.id)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			got := fmt.Sprintf("%s %s | next %d last %s", d.Invoice, d.Status, rs.Next, rs.LastStep)
			if !rs.PauseUntil.IsZero() {
				got += " paused " + rs.PauseUntil.Format(time.RFC3339)
			}
			if found {
				got += " | " + debtor.Name
			} else {
				got += " | (no debtor record)"
			}
			if got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
