package storage_test

import (
	"context"
	"testing"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// deadLetter puts raw at the head of conv's inbox and moves it aside the
// way a worker does with an entry it cannot decode.
func deadLetter(t *testing.T, r *redistest.Server, st *storage.Store, conv, raw string) {
	t.Helper()
	ctx := context.Background()
	if err := r.Client.RPush(ctx, st.Keys().Inbox(conv), raw).Err(); err != nil {
		t.Fatal(err)
	}
	if err := st.DeadLetter(ctx, conv, raw); err != nil {
		t.Fatal(err)
	}
}

func TestDeadLetterListAndClear(t *testing.T) {
	r := redistest.New(t)
	st := r.Store()
	ctx := context.Background()
	deadLetter(t, r, st, "+5511987650001", `{"from":"+5511987650001","text":`)
	deadLetter(t, r, st, "+5511987650002", "\x00garbage")
	// An item some other tool pushed is shown whole rather than dropped.
	if err := r.Client.RPush(ctx, st.Keys().DeadLetters(), "not json").Err(); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		limit     int
		wantConvs []string
	}{
		{0, []string{"+5511987650001", "+5511987650002", ""}},
		{2, []string{"+5511987650001", "+5511987650002"}},
		{1, []string{"+5511987650001"}},
	} {
		got, total, err := st.DeadLetterList(ctx, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(got) != len(c.wantConvs) {
			t.Fatalf("limit %d: %d entries of %d, want %d of 3", c.limit, len(got), total, len(c.wantConvs))
		}
		for i, conv := range c.wantConvs {
			if got[i].Conversation != conv {
				t.Errorf("limit %d: entry %d conversation %q, want %q", c.limit, i, got[i].Conversation, conv)
			}
		}
	}
	all, _, _ := st.DeadLetterList(ctx, 0)
	if all[0].Raw != `{"from":"+5511987650001","text":` || all[2].Raw != "not json" {
		t.Errorf("raw texts %q, %q: want them as written", all[0].Raw, all[2].Raw)
	}
	if n, _ := r.Client.LLen(ctx, st.Keys().Inbox("+5511987650001")).Result(); n != 0 {
		t.Errorf("inbox still holds %d entries after the dead letter", n)
	}

	removed, err := st.ClearDeadLetters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 3 || removed[1].Conversation != "+5511987650002" {
		t.Errorf("clear returned %+v, want the 3 entries", removed)
	}
	if left, total, _ := st.DeadLetterList(ctx, 0); len(left) != 0 || total != 0 {
		t.Errorf("after clear: %d entries (LLEN %d), want none", len(left), total)
	}
	if removed, err := st.ClearDeadLetters(ctx); err != nil || len(removed) != 0 {
		t.Errorf("clearing an empty list: %v, %v; want nothing and no error", removed, err)
	}
}
