package archive_test

import (
	"context"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
)

// A debtor whose every debt closed longer ago than the creditor's
// retention_days is anonymised; one with a debt inside it, or still open,
// is not; the run is audited.
func TestRetentionAnonymisesOnlyWhatPassedIt(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		ctx := context.Background()
		p := newPipeline(t)
		h, _ := storage.NewSubjectHasher([]byte("retention-test-key-0123456789"))
		p.st.SetSubjectHasher(h)
		now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
		old, recent := now.AddDate(-6, 0, 0), now.AddDate(-1, 0, 0)
		b := &archive.Batch{
			Debtors: []dialogs.Debtor{
				{ID: "old", Name: "Velho Cliente", CPF: "52998224725", Phones: []string{"+5511900000001"}},
				{ID: "recent", Name: "Cliente Recente", CPF: "11144477735", Phones: []string{"+5511900000002"}},
				{ID: "mixed", Name: "Cliente Misto", CPF: "12345678909", Phones: []string{"+5511900000003"}},
			},
			Debts: []archive.DebtRow{
				{Debt: dialogs.Debt{ID: "d1", CreditorID: "acme", DebtorID: "old", AmountCents: 1000, Status: dialogs.DebtPaid}, ClosedAt: old},
				{Debt: dialogs.Debt{ID: "d2", CreditorID: "acme", DebtorID: "recent", AmountCents: 2000, Status: dialogs.DebtPaid}, ClosedAt: recent},
				{Debt: dialogs.Debt{ID: "d3", CreditorID: "acme", DebtorID: "mixed", AmountCents: 3000, Status: dialogs.DebtPaid}, ClosedAt: old},
				{Debt: dialogs.Debt{ID: "d4", CreditorID: "acme", DebtorID: "mixed", AmountCents: 4000}},
			},
		}
		if err := db.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		r := &archive.Retention{Subjects: &archive.Subjects{Store: p.st, DB: db, Hasher: h}, Now: func() time.Time { return now },
			Days: func(string) int { return 1825 }}
		st, err := r.RunOnce(ctx)
		if err != nil || st.Debtors != 1 {
			t.Fatalf("%+v %v", st, err)
		}
		names := map[string]string{}
		rows, _ := db.SQL().QueryContext(ctx, `SELECT id, name FROM debtors`)
		for rows.Next() {
			var id, name string
			rows.Scan(&id, &name)
			names[id] = name
		}
		rows.Close()
		if names["old"] != storage.ErasedName || names["recent"] != "Cliente Recente" || names["mixed"] != "Cliente Misto" {
			t.Fatalf("names after retention: %v", names)
		}
		var cents int64
		db.SQL().QueryRowContext(ctx, `SELECT amount_cents FROM debts WHERE id = 'd1'`).Scan(&cents)
		if cents != 1000 {
			t.Fatalf("the anonymous amount must stay for the reports: %d", cents)
		}
		var runs int
		db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM subject_audit WHERE action = 'retention_run'`).Scan(&runs)
		if runs != 1 {
			t.Fatalf("%d audited runs", runs)
		}
		// A second run finds nothing more to do.
		if st, err := r.RunOnce(ctx); err != nil || st.Debtors != 0 {
			t.Fatalf("second run: %+v %v", st, err)
		}
	})
}
