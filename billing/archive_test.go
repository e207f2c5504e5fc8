package billing

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
)

// Every payment and refund Apply counts reaches the archive's payments
// table once, through the outbox written with the charge: a redelivered
// notification adds nothing.
func TestAppliedPaymentsAreArchivedOnce(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		ctx := context.Background()
		s, _, _ := newService(t)
		s.Store.SetArchiving(true)
		c, err := s.Charge(ctx, request(10000, "2026-12-10"))
		if err != nil {
			t.Fatal(err)
		}
		paid := payments.Payment{ID: "E1", Provider: "fake", ProviderID: c.ProviderID, Event: payments.PaymentReceived, AmountCents: 10000,
			At: s.now().Add(-time.Hour)}
		refund := payments.Payment{ID: "E1", Provider: "fake", ProviderID: c.ProviderID, Event: payments.PaymentRefunded, AmountCents: 2500}
		for _, p := range []payments.Payment{paid, paid, refund, refund} {
			if _, err := s.Apply(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		a := &archive.Archiver{Store: s.Store, Sink: db}
		for {
			n, err := a.Pass(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		rows, err := db.SQL().QueryContext(ctx, `SELECT id, debt_id, charge_id, source, method, amount_cents, paid_at FROM payments ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var id, debt, charge, source, method string
			var cents int64
			var at time.Time
			if err := rows.Scan(&id, &debt, &charge, &source, &method, &cents, &at); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s %s %v %s %s %d %s", id, debt, charge == c.ChargeID, source, method, cents, at.UTC().Format("2006-01-02T15:04Z07:00")))
		}
		want := []string{
			"fake:E1:received d1 true charge boleto 10000 2026-12-07T11:00Z",
			"fake:E1:refunded d1 true charge boleto -2500 2026-12-07T12:00Z",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("payments rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
