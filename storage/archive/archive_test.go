package archive_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
)

func TestMigrateCreatesEveryTableOnce(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		ctx := context.Background()
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
		}
		all, _ := archive.Migrations(db.Dialect())
		if v, _ := db.Version(ctx); v != all[len(all)-1].Version {
			t.Fatalf("version %d, want %d", v, all[len(all)-1].Version)
		}
		for _, tb := range archive.Tables {
			if n, err := db.Count(ctx, tb); err != nil || n != 0 {
				t.Errorf("table %s: %d rows, %v", tb, n, err)
			}
		}
	})
}

// The dialects' migration files define the same tables and columns.
func TestDialectsHaveTheSameMigrations(t *testing.T) {
	pg, _ := archive.Migrations(archive.Postgres)
	lite, _ := archive.Migrations(archive.SQLite)
	if len(pg) == 0 || len(pg) != len(lite) {
		t.Fatalf("%d PostgreSQL and %d SQLite migrations", len(pg), len(lite))
	}
	for i := range pg {
		if pg[i].Name != lite[i].Name {
			t.Errorf("migration %d: %s vs %s", i, pg[i].Name, lite[i].Name)
		}
	}
}

func sampleBatch(at time.Time) *archive.Batch {
	in := storage.Message{ID: "m1", Conversation: "+5511987650001", Direction: storage.In, Channel: "whatsapp", Text: "oi", At: at}
	out := storage.Message{ID: "m2", Conversation: "+5511987650001", Direction: storage.Out, Channel: "whatsapp", Text: "Olá, Maria!",
		Origin: "reminder", Step: "D+5", Variant: "b", At: at.Add(time.Second)}
	raw := func(m storage.Message) string { b, _ := json.Marshal(m); return string(b) }
	out2 := out
	out2.Status = "delivered"
	agreement := &dialogs.Agreement{DebtID: "d1", Installments: 2, InstallmentCents: []int64{5000, 5000}, DueDates: []string{"2026-12-10", "2027-01-10"}, TotalCents: 10000}
	return &archive.Batch{
		Debtors:       []dialogs.Debtor{{ID: "p1", Name: "Maria Souza", CPF: "52998224725", Phones: []string{"+5511987650001"}}},
		Debts:         []archive.DebtRow{{Debt: dialogs.Debt{ID: "d1", CreditorID: "acme", DebtorID: "p1", Invoice: "F-1", AmountCents: 10000, DueDate: "2026-11-01"}}},
		Conversations: []archive.ConversationRow{{ID: "+5511987650001", DebtorID: "p1", Channel: "whatsapp", Messages: 2, LastAt: at}},
		Messages:      []archive.MessageRow{{Seq: 0, Raw: raw(in), Msg: in}, {Seq: 1, Raw: raw(out), Msg: out2}},
		Events: []archive.EventRow{
			{ID: "1-0", Conversation: "+5511987650001", At: at, Action: dialogs.Action{Kind: dialogs.ActRecordPromise, DebtID: "d1", Date: "2026-12-01"}, Raw: "{}"},
			{ID: "1-1", Conversation: "+5511987650001", At: at, Action: dialogs.Action{Kind: dialogs.ActCreateAgreement, Agreement: agreement}, Raw: "{}"},
			{ID: "1-2", Conversation: "+5511987650001", At: at, Action: dialogs.Action{Kind: dialogs.ActHandoff, Reason: "asked", Priority: 1}, Raw: "{}"},
			{ID: "1-3", Conversation: "+5511987650001", At: at, Action: dialogs.Action{Kind: dialogs.ActRecordFeedback, Score: 5}, Raw: "{}"},
		},
		OptOuts: []storage.OptOutRecord{{Channel: "sms", Phone: "+5511987650001", At: at, Message: "pare"}},
		Gate:    []archive.GateRow{{ID: "g1", MessageID: "m2", Conversation: "+5511987650001", Reason: "window", At: at}},
	}
}

// rowCounts is every table's row count.
func rowCounts(t *testing.T, db *archive.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range archive.Tables {
		n, err := db.Count(context.Background(), tb)
		if err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

func TestWriteIsIdempotentAndReadsBack(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		ctx := context.Background()
		at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		if err := db.Write(ctx, sampleBatch(at)); err != nil {
			t.Fatal(err)
		}
		first := rowCounts(t, db)
		want := map[string]int64{"debtors": 1, "debts": 1, "conversations": 1, "messages": 2, "message_statuses": 1, "events": 4,
			"promises": 1, "agreements": 1, "installments": 2, "handoffs": 1, "csat": 1, "optouts": 1, "gate_decisions": 1}
		for tb, n := range want {
			if first[tb] != n {
				t.Errorf("%s: %d rows, want %d", tb, first[tb], n)
			}
		}
		if err := db.Write(ctx, sampleBatch(at)); err != nil {
			t.Fatal(err)
		}
		if again := rowCounts(t, db); !reflect.DeepEqual(first, again) {
			t.Fatalf("the same batch twice: %v, then %v", first, again)
		}
		// A later status moves the message forward; an earlier one does not move it back.
		b := sampleBatch(at)
		b.Messages[1].Msg.Status = "read"
		if err := db.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		b.Messages[1].Msg.Status = "sent"
		if err := db.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		got, err := db.Transcript(ctx, "+5511987650001", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Text != "oi" || got[1].Status != "read" || got[1].Step != "D+5" || got[1].Variant != "b" || !got[1].At.Equal(at.Add(time.Second)) {
			t.Fatalf("transcript back: %+v", got)
		}
		var actor, step, variant string
		if err := db.SQL().QueryRowContext(ctx, `SELECT actor, step, variant FROM messages WHERE id = 'm2'`).Scan(&actor, &step, &variant); err != nil {
			t.Fatal(err)
		}
		if actor != "reminder" || step != "D+5" || variant != "b" {
			t.Fatalf("actor %q step %q variant %q", actor, step, variant)
		}
		if n, _ := db.Count(ctx, "message_statuses"); n != 3 { // delivered, read, sent (each seen once)
			t.Fatalf("%d statuses", n)
		}
	})
}
