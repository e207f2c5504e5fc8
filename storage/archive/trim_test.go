package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
)

// A trimmed conversation's transcript is served from the archive byte for
// byte as Redis served it; new messages continue after it, and a second
// trim keeps the whole in order.
func TestTrimReadsBackByteForByte(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		ctx := context.Background()
		p := newPipeline(t)
		st := p.st
		st.SetColdHistory(db)
		conv := "+5511987650001"
		msgs := p.step(conv, 6)
		if _, err := st.SetStatus(ctx, conv, msgs[1].ID, channels.StatusRead, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetStatus(ctx, conv, msgs[3].ID, channels.StatusFailed, "30008"); err != nil {
			t.Fatal(err)
		}
		before, err := st.Transcript(ctx, conv, 0)
		if err != nil {
			t.Fatal(err)
		}
		trimmer := &archive.Trimmer{Store: st, DB: db, Now: func() time.Time { return p.clock.Add(31 * 24 * time.Hour) }}
		stats, err := trimmer.TrimOnce(ctx) // idle 31 days > QUITA_HOT_DAYS 30
		if err != nil || stats.Trimmed != 1 || stats.Messages != 6 {
			t.Fatalf("trim: %+v %v", stats, err)
		}
		if n, _ := st.LogLength(ctx, conv); n != 0 {
			t.Fatalf("%d messages left in Redis", n)
		}
		for _, k := range []string{st.Keys().Log(conv), st.Keys().Msgs(conv), st.Keys().Status(conv)} {
			if p.r.Client.Exists(ctx, k).Val() != 0 {
				t.Fatalf("%s still in Redis", k)
			}
		}
		after, err := st.Transcript(ctx, conv, 0)
		if err != nil {
			t.Fatal(err)
		}
		b1, _ := json.Marshal(before)
		b2, _ := json.Marshal(after)
		if !bytes.Equal(b1, b2) {
			t.Fatalf("transcript after trim differs:\n%s\n%s", b1, b2)
		}
		if last, _ := st.Transcript(ctx, conv, 2); len(last) != 2 || last[1].ID != msgs[5].ID {
			t.Fatalf("last 2 after trim: %+v", last)
		}
		// The debtor writes again: the new messages follow the trimmed ones.
		more := p.step(conv, 2)
		p.drain(&archive.Archiver{Store: st, Sink: db})
		full, _ := st.Transcript(ctx, conv, 0)
		if len(full) != 8 || full[6].ID != more[0].ID || full[5].ID != msgs[5].ID {
			t.Fatalf("after new messages: %d entries", len(full))
		}
		var seq int
		db.SQL().QueryRowContext(ctx, `SELECT seq FROM messages WHERE id = $1`, more[1].ID).Scan(&seq)
		if seq != 7 {
			t.Fatalf("new message archived at seq %d, want 7", seq)
		}
		if last, _ := st.Transcript(ctx, conv, 3); len(last) != 3 || last[0].ID != msgs[5].ID || last[2].ID != more[1].ID {
			t.Fatalf("last 3 across the trim: %+v", last)
		}
		trimmer.Now = func() time.Time { return p.clock.Add(62 * 24 * time.Hour) }
		if stats, err := trimmer.TrimOnce(ctx); err != nil || stats.Trimmed != 1 {
			t.Fatalf("second trim: %+v %v", stats, err)
		}
		again, _ := st.Transcript(ctx, conv, 0)
		b3, _ := json.Marshal(again)
		b4, _ := json.Marshal(full)
		if !bytes.Equal(b3, b4) {
			t.Fatal("transcript after the second trim differs")
		}
	})
}

// An active, open conversation is not trimmed; a closed one is at once.
func TestTrimOnlyClosedOrIdle(t *testing.T) {
	db := archivetest.Open(t, archive.SQLite)
	ctx := context.Background()
	p := newPipeline(t)
	p.step("+5511987650001", 2)
	p.step("+5511987650002", 2)
	if err := p.st.SaveDebtor(ctx, dialogs.Debtor{ID: "p2", Name: "B", CPF: "11144477735", Phones: []string{"+5511987650002"}}); err != nil {
		t.Fatal(err)
	}
	if err := p.st.SaveDebt(ctx, dialogs.Debt{ID: "d2", CreditorID: "acme", DebtorID: "p2", Invoice: "F-2", AmountCents: 100, DueDate: "2026-11-01", Status: dialogs.DebtPaid}); err != nil {
		t.Fatal(err)
	}
	tr := &archive.Trimmer{Store: p.st, DB: db, Now: func() time.Time { return p.clock.Add(25 * time.Hour) }}
	stats, err := tr.TrimOnce(ctx)
	if err != nil || stats.Trimmed != 1 {
		t.Fatalf("%+v %v", stats, err)
	}
	if n, _ := p.st.LogLength(ctx, "+5511987650001"); n != 2 {
		t.Fatal("an open, active conversation was trimmed")
	}
	if n, _ := p.st.LogLength(ctx, "+5511987650002"); n != 0 {
		t.Fatal("the paid debtor's conversation was not trimmed")
	}
}

// Redis memory of closed (opted-out) and of idle open conversations before
// and after trimming, on a real Redis: MEMORY USAGE of each conversation's
// keys and its share of the shared hashes. Goal: under 200 bytes per
// trimmed closed conversation.
func TestTrimmedConversationMemory(t *testing.T) {
	for _, tc := range []struct {
		state string
		max   float64
	}{{dialogs.StateOptedOut, 200}, {dialogs.StateMenu, 400}} {
		t.Run(tc.state, func(t *testing.T) {
			db := archivetest.Open(t, archive.SQLite)
			ctx := context.Background()
			p := newPipeline(t)
			if !p.r.Real {
				t.Skip("MEMORY USAGE needs a real Redis")
			}
			// 100 is enough to average the shared hashes (-race makes each
			// archive pass slow); BENCHMARKS.md's figure for 100,000 comes from
			// QUITA_TRIM_CONVERSATIONS=100000.
			n := 100
			if v, err := strconv.Atoi(os.Getenv("QUITA_TRIM_CONVERSATIONS")); err == nil && v > 0 {
				n = v
			}
			convs := make([]string, n)
			for i := range convs {
				convs[i] = fmt.Sprintf("+55119%08d", i)
				p.step(convs[i], 20)
				state, _ := json.Marshal(map[string]any{"state": tc.state, "language": "pt-BR", "channel": "whatsapp", "verified": true})
				p.r.Client.Set(ctx, p.st.Keys().State(convs[i]), state, 0)
			}
			usage := func() float64 {
				var total int64
				for _, c := range convs {
					for _, k := range []string{p.st.Keys().Log(c), p.st.Keys().Msgs(c), p.st.Keys().Status(c), p.st.Keys().State(c)} {
						total += p.r.Client.MemoryUsage(ctx, k).Val()
					}
				}
				for _, k := range []string{p.st.Keys().Conversations(), p.st.Keys().ArchiveTrimmed()} {
					total += p.r.Client.MemoryUsage(ctx, k, 0).Val()
				}
				return float64(total) / float64(n)
			}
			p.drain(&archive.Archiver{Store: p.st, Sink: db, Batch: 100})
			beforeBytes := usage()
			tr := &archive.Trimmer{Store: p.st, DB: db, Now: func() time.Time { return p.clock.Add(31 * 24 * time.Hour) }}
			if st, err := tr.TrimOnce(ctx); err != nil || st.Trimmed != n {
				t.Fatalf("%+v %v", st, err)
			}
			afterBytes := usage()
			t.Logf("Redis memory per %s 20-message conversation: %.0f bytes before trimming, %.0f after; for %d of them %.1f MB before, %.1f MB after",
				tc.state, beforeBytes, afterBytes, n, beforeBytes*float64(n)/1e6, afterBytes*float64(n)/1e6)
			if afterBytes >= tc.max {
				t.Fatalf("a trimmed conversation takes %.0f bytes, want < %.0f", afterBytes, tc.max)
			}
		})
	}
}
