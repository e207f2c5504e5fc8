package archive_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
)

// t0 is a Monday: the first contacts fall in its week, d3's in the next.
var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// recoverySeed is a small portfolio with every case the report tells
// apart:
//
//	d1 (acme, R$100): D-3/a by WhatsApp at t0 (R$0.04), promise t0+1d, D+1/b by SMS t0+4d
//	   (R$0.14), the bot's SMS answer t0+5d (R$0.21), paid by a charge t0+6d.
//	d2 (acme, R$200): D-3/b by WhatsApp t0+1h (R$0.04), agreement t0+2d, a charge paid R$50
//	   t0+10d and R$10 refunded t0+11d; reported paid as a whole t0+12d (ignored: the
//	   charges say what came in).
//	d3 (acme, R$300): D-3/a by WhatsApp t0+7d failed (no contact, unpriced), D+1/a by SMS
//	   t0+8d (R$0.07), reported paid t0+9d.
//	d4 (acme, R$50): D-3/a by WhatsApp t0+2d failed but priced R$0.04: spend, no contact.
//	d5 (beta, R$70): D-3/a by WhatsApp t0 (R$0.04), reported paid t0+1d.
func recoverySeed() *archive.Batch {
	b := &archive.Batch{}
	seq := map[string]int{}
	debt := func(id, creditor, debtor string, cents int64, paidAt time.Time) {
		d := dialogs.Debt{ID: id, CreditorID: creditor, DebtorID: debtor, AmountCents: cents, DueDate: "2026-03-05", Status: dialogs.DebtOpen}
		if !paidAt.IsZero() {
			d.Status = dialogs.DebtPaid
		}
		b.Debtors = append(b.Debtors, dialogs.Debtor{ID: debtor, Name: "Pessoa " + debtor, Phones: []string{"+55119876500" + debtor[1:]}})
		b.Debts = append(b.Debts, archive.DebtRow{Debt: d, PaidAt: paidAt, ClosedAt: paidAt})
		b.Conversations = append(b.Conversations, archive.ConversationRow{ID: "+55119876500" + debtor[1:], DebtorID: debtor, LastAt: t0})
	}
	msg := func(debtor, debtID, step, variant, channel, status string, at time.Time, micros int64) {
		conv := "+55119876500" + debtor[1:]
		m := storage.Message{ID: fmt.Sprintf("%s-%d", conv, seq[conv]), Conversation: conv, Direction: storage.Out, Channel: channel,
			Text: "Olá", Origin: "reminder", Status: status, At: at, DebtID: debtID, Step: step, Variant: variant, CostMicros: micros}
		if debtID == "" {
			m.Origin = "reply"
		}
		if micros > 0 {
			m.CostCurrency = "BRL"
		}
		raw, _ := json.Marshal(m)
		b.Messages = append(b.Messages, archive.MessageRow{Seq: seq[conv], Raw: string(raw), Msg: m})
		seq[conv]++
	}
	event := func(id string, a dialogs.Action, at time.Time) {
		b.Events = append(b.Events, archive.EventRow{ID: id, Conversation: "+5511987650001", At: at, Action: a, Raw: "{}"})
	}
	pay := func(id, debtID, event string, cents int64, at time.Time) {
		b.Payments = append(b.Payments, storage.PaymentRecord{ID: "asaas:" + id + ":" + event, ChargeID: "ch-" + debtID, DebtID: debtID,
			Provider: "asaas", Event: event, Kind: "pix", AmountCents: cents, At: at})
	}
	debt("d1", "acme", "p1", 10000, time.Time{})
	debt("d2", "acme", "p2", 20000, t0.Add(12*day))
	debt("d3", "acme", "p3", 30000, t0.Add(9*day))
	debt("d4", "acme", "p4", 5000, time.Time{})
	debt("d5", "beta", "p5", 7000, t0.Add(day))

	msg("p1", "d1", "D-3", "a", "whatsapp", "delivered", t0, 40000)
	event("1-1", dialogs.Action{Kind: dialogs.ActRecordPromise, DebtID: "d1", Date: "2026-03-06"}, t0.Add(day))
	msg("p1", "d1", "D+1", "b", "sms", "delivered", t0.Add(4*day), 140000)
	msg("p1", "", "", "", "sms", "delivered", t0.Add(5*day), 210000)
	pay("pay1", "d1", payments.PaymentReceived, 10000, t0.Add(6*day))

	msg("p2", "d2", "D-3", "b", "whatsapp", "read", t0.Add(time.Hour), 40000)
	event("1-2", dialogs.Action{Kind: dialogs.ActCreateAgreement, Agreement: &dialogs.Agreement{DebtID: "d2", Installments: 1,
		InstallmentCents: []int64{5000}, DueDates: []string{"2026-03-12"}, TotalCents: 5000}}, t0.Add(2*day))
	pay("pay2", "d2", payments.PaymentReceived, 5000, t0.Add(10*day))
	pay("pay2", "d2", payments.PaymentRefunded, 1000, t0.Add(11*day))

	msg("p3", "d3", "D-3", "a", "whatsapp", "failed", t0.Add(7*day), 0)
	msg("p3", "d3", "D+1", "a", "sms", "sent", t0.Add(8*day), 70000)

	msg("p4", "d4", "D-3", "a", "whatsapp", "failed", t0.Add(2*day), 40000)

	msg("p5", "d5", "D-3", "a", "whatsapp", "delivered", t0, 40000)
	return b
}

// figures is a row as one comparable line.
func figures(r archive.RecoveryRow) string {
	days, perReal := "-", "-"
	if r.MedianDaysToPayment != nil {
		days = fmt.Sprintf("%.3f", *r.MedianDaysToPayment)
	}
	if r.SpendPerRealRecovered != nil {
		perReal = fmt.Sprintf("%.6f", *r.SpendPerRealRecovered)
	}
	return fmt.Sprintf("%s: contacted=%d owed=%d promises=%d agreements=%d paid=%d recovered=%d rate=%.4f days=%s spend=%d %s per_contacted=%d per_real=%s",
		r.Group, r.Contacted, r.OwedCents, r.Promises, r.Agreements, r.Paid, r.RecoveredCents, r.RecoveryRate, days,
		r.SpendMicros, r.Currency, r.SpendPerContactedMicros, perReal)
}

func TestRecoveryReport(t *testing.T) {
	acmeTotal := ": contacted=3 owed=60000 promises=1 agreements=1 paid=3 recovered=44000 rate=0.7333 days=6.000 spend=540000 BRL per_contacted=180000 per_real=0.001227"
	cases := []struct {
		name  string
		q     archive.RecoveryQuery
		total string
		rows  []string
	}{
		{"total", archive.RecoveryQuery{Creditor: "acme"}, acmeTotal, nil},
		{"by step", archive.RecoveryQuery{Creditor: "acme", By: archive.ByStep}, acmeTotal, []string{
			"D-3: contacted=2 owed=30000 promises=1 agreements=1 paid=1 recovered=4000 rate=0.1333 days=9.958 spend=120000 BRL per_contacted=60000 per_real=0.003000",
			"D+1: contacted=2 owed=40000 promises=0 agreements=0 paid=2 recovered=40000 rate=1.0000 days=1.500 spend=420000 BRL per_contacted=210000 per_real=0.001050",
		}},
		{"by variant", archive.RecoveryQuery{Creditor: "acme", By: archive.ByVariant}, acmeTotal, []string{
			"D-3/a: contacted=1 owed=10000 promises=1 agreements=0 paid=0 recovered=0 rate=0.0000 days=- spend=80000 BRL per_contacted=80000 per_real=-",
			"D-3/b: contacted=1 owed=20000 promises=0 agreements=1 paid=1 recovered=4000 rate=0.2000 days=9.958 spend=40000 BRL per_contacted=40000 per_real=0.001000",
			"D+1/a: contacted=1 owed=30000 promises=0 agreements=0 paid=1 recovered=30000 rate=1.0000 days=1.000 spend=70000 BRL per_contacted=70000 per_real=0.000233",
			"D+1/b: contacted=1 owed=10000 promises=0 agreements=0 paid=1 recovered=10000 rate=1.0000 days=2.000 spend=350000 BRL per_contacted=350000 per_real=0.003500",
		}},
		{"by channel", archive.RecoveryQuery{Creditor: "acme", By: archive.ByChannel}, acmeTotal, []string{
			"sms: contacted=2 owed=40000 promises=0 agreements=0 paid=2 recovered=40000 rate=1.0000 days=1.500 spend=420000 BRL per_contacted=210000 per_real=0.001050",
			"whatsapp: contacted=2 owed=30000 promises=1 agreements=1 paid=1 recovered=4000 rate=0.1333 days=9.958 spend=120000 BRL per_contacted=60000 per_real=0.003000",
		}},
		{"by week", archive.RecoveryQuery{Creditor: "acme", By: archive.ByWeek}, acmeTotal, []string{
			"2026-03-02: contacted=2 owed=30000 promises=1 agreements=1 paid=2 recovered=14000 rate=0.4667 days=7.979 spend=470000 BRL per_contacted=235000 per_real=0.003357",
			"2026-03-09: contacted=1 owed=30000 promises=0 agreements=0 paid=1 recovered=30000 rate=1.0000 days=1.000 spend=70000 BRL per_contacted=70000 per_real=0.000233",
		}},
		{"since", archive.RecoveryQuery{Creditor: "acme", Since: t0.Add(7 * day)},
			": contacted=1 owed=30000 promises=0 agreements=0 paid=1 recovered=30000 rate=1.0000 days=1.000 spend=70000 BRL per_contacted=70000 per_real=0.000233", nil},
		{"other creditor", archive.RecoveryQuery{Creditor: "beta"},
			": contacted=1 owed=7000 promises=0 agreements=0 paid=1 recovered=7000 rate=1.0000 days=1.000 spend=40000 BRL per_contacted=40000 per_real=0.000571", nil},
		{"every creditor", archive.RecoveryQuery{},
			": contacted=4 owed=67000 promises=1 agreements=1 paid=4 recovered=51000 rate=0.7612 days=3.500 spend=580000 BRL per_contacted=145000 per_real=0.001137", nil},
	}
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		ctx := context.Background()
		if err := db.Write(ctx, recoverySeed()); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rep, err := db.Recovery(ctx, c.q)
				if err != nil {
					t.Fatal(err)
				}
				if got := figures(rep.Total); got != c.total {
					t.Errorf("total\n got %s\nwant %s", got, c.total)
				}
				var got []string
				for _, r := range rep.Rows {
					got = append(got, figures(r))
				}
				if strings.Join(got, "\n") != strings.Join(c.rows, "\n") {
					t.Errorf("rows\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(c.rows, "\n     "))
				}
			})
		}
	})
}

func TestRecoveryReportRefusesAnUnknownGrouping(t *testing.T) {
	db := archivetest.Open(t, archive.SQLite)
	_, err := db.Recovery(context.Background(), archive.RecoveryQuery{By: "month"})
	if err == nil || !strings.Contains(err.Error(), `"month"`) || !strings.Contains(err.Error(), "step, variant, channel, week") {
		t.Fatalf("err = %v, want one naming month and the groupings", err)
	}
}

// Archiving the same rows twice changes no figure (every row is keyed).
func TestRecoveryReportIsStableWhenRowsArriveTwice(t *testing.T) {
	db := archivetest.Open(t, archive.SQLite)
	ctx := context.Background()
	for range 2 {
		if err := db.Write(ctx, recoverySeed()); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := db.Recovery(ctx, archive.RecoveryQuery{Creditor: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if got := figures(rep.Total); !strings.HasPrefix(got, ": contacted=3 owed=60000 promises=1 agreements=1 paid=3 recovered=44000 ") {
		t.Fatalf("after writing twice: %s", got)
	}
}
