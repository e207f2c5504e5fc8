package archive_test

import (
	"context"
	"testing"
	"time"

	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
)

// Every saved version of a charge reaches the archive through the outbox,
// and the newest wins: issued, then paid; the issued version delivered
// again after that does not take the state back.
func TestChargesArchivedNewestWins(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		ctx := context.Background()
		p := newPipeline(t)
		issued := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		rec := storage.ChargeRecord{Charge: payments.Charge{ChargeID: "QTCHARGEARCHIVE00000000001Q", Provider: "asaas", ProviderID: "pay_080225913252",
			Kind: payments.KindHybrid, State: payments.ChargeRegistered, AmountCents: 46245, DueDate: time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC)},
			CreditorID: "loja-asaas", DebtID: "debt-9", CreatedAt: issued, UpdatedAt: issued}
		if err := p.st.SaveCharge(ctx, rec); err != nil {
			t.Fatal(err)
		}
		old := rec
		rec.State, rec.ReceivedCents, rec.UpdatedAt = payments.ChargePaid, 46245, issued.Add(time.Hour)
		if err := p.st.SaveCharge(ctx, rec); err != nil {
			t.Fatal(err)
		}
		a := &archive.Archiver{Store: p.st, Sink: db, Batch: 100}
		p.drain(a)
		state := func() (string, string) {
			var st, due string
			if err := db.SQL().QueryRowContext(ctx, `SELECT state, due FROM charges WHERE id = $1`, rec.ChargeID).Scan(&st, &due); err != nil {
				t.Fatal(err)
			}
			return st, due
		}
		if st, due := state(); st != payments.ChargePaid || due != "2026-12-11" {
			t.Fatalf("archived charge state %q due %q, want paid, 2026-12-11", st, due)
		}
		// The issued version again (an outbox redelivery): still paid, one row.
		if err := db.Write(ctx, &archive.Batch{Charges: []storage.ChargeRecord{old}}); err != nil {
			t.Fatal(err)
		}
		if st, _ := state(); st != payments.ChargePaid {
			t.Fatalf("an older version took the state back to %q", st)
		}
		if n, _ := db.Count(ctx, "charges"); n != 1 {
			t.Fatalf("%d charge rows, want 1", n)
		}
	})
}
