// Command seedarchive fills an embedded archive (SQLite in a data dir)
// with twelve weeks of reminders, promises, agreements and payments up to
// now, so that the e2e test has recovery charts to look at. The figures
// are made up but deterministic (a fixed seed).
//
//	go run ./e2e/seedarchive "$QUITA_DATA_DIR"
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: seedarchive DATA_DIR")
		os.Exit(2)
	}
	n, err := seed(context.Background(), os.Args[1], time.Now().UTC())
	if err != nil {
		fmt.Fprintln(os.Stderr, "seedarchive:", err)
		os.Exit(1)
	}
	fmt.Printf("seedarchive: %d debts archived in %s\n", n, os.Args[1])
}

const day = 24 * time.Hour

func seed(ctx context.Context, dataDir string, now time.Time) (int, error) {
	db, err := archive.Open(ctx, "", dataDir)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return 0, err
	}
	rnd := rand.New(rand.NewPCG(20, 22))
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	thisMonday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	b := &archive.Batch{}
	debts := 0
	for w := range 12 {
		start := thisMonday.AddDate(0, 0, -7*(11-w)).Add(day + 10*time.Hour) // Tuesday 10:00
		for i := range 12 + 2*w {
			debts++
			id := fmt.Sprintf("e2e-seed-%02d-%02d", w, i)
			debtor, conv := "p-"+id, fmt.Sprintf("+55119%08d", debts)
			cents := int64(20000 + rnd.IntN(180000))
			debt := dialogs.Debt{ID: id, CreditorID: "loja-exemplo", DebtorID: debtor, AmountCents: cents,
				DueDate: start.Add(3 * day).Format(time.DateOnly), Status: dialogs.DebtOpen}
			variant := []string{"a", "b"}[i%2]
			seq := 0
			msg := func(step, variant, channel string, at time.Time, micros int64) {
				if at.After(now) {
					return
				}
				m := storage.Message{ID: fmt.Sprintf("%s-%d", id, seq), Conversation: conv, Direction: storage.Out, Channel: channel,
					Text: "Lembrete", Origin: "reminder", Status: "delivered", At: at, DebtID: id, Step: step, Variant: variant,
					CostMicros: micros, CostCurrency: "BRL"}
				raw, _ := json.Marshal(m)
				b.Messages = append(b.Messages, archive.MessageRow{Seq: seq, Raw: string(raw), Msg: m})
				seq++
			}
			msg("D-3", variant, "whatsapp", start, 40000)
			// Variant b of D-3 does a little better; D+1 by SMS brings more in.
			var paidAt time.Time
			switch r := rnd.Float64(); {
			case r < 0.18+0.05*float64(i%2):
				paidAt = start.Add(time.Duration(1+rnd.IntN(3)) * day)
			case r < 0.55:
				msg("D+1", "a", "sms", start.Add(4*day), 140000)
				paidAt = start.Add(time.Duration(5+rnd.IntN(5)) * day)
			default:
				msg("D+1", "a", "sms", start.Add(4*day), 140000)
				msg("D+5", variant, "sms", start.Add(8*day), 70000)
			}
			if r := rnd.Float64(); r < 0.2 && start.Add(day).Before(now) {
				b.Events = append(b.Events, archive.EventRow{ID: "seed-" + id + "-promise", Conversation: conv, At: start.Add(day),
					Action: dialogs.Action{Kind: dialogs.ActRecordPromise, DebtID: id, Date: start.Add(5 * day).Format(time.DateOnly)}, Raw: "{}"})
			} else if r < 0.3 && start.Add(2*day).Before(now) {
				b.Events = append(b.Events, archive.EventRow{ID: "seed-" + id + "-agreement", Conversation: conv, At: start.Add(2 * day),
					Action: dialogs.Action{Kind: dialogs.ActCreateAgreement, Agreement: &dialogs.Agreement{DebtID: id, Installments: 2,
						InstallmentCents: []int64{cents / 2, cents - cents/2}, DueDates: []string{start.Add(7 * day).Format(time.DateOnly),
							start.Add(37 * day).Format(time.DateOnly)}, TotalCents: cents}}, Raw: "{}"})
			}
			if !paidAt.IsZero() && paidAt.Before(now) {
				if i%3 == 0 { // reported paid as a whole, the others by a charge
					debt.Status = dialogs.DebtPaid
				} else {
					b.Payments = append(b.Payments, storage.PaymentRecord{ID: "seed:" + id + ":received", ChargeID: "c-" + id, DebtID: id,
						CreditorID: "loja-exemplo", Provider: "seed", Event: payments.PaymentReceived, Kind: "pix", AmountCents: cents, At: paidAt})
				}
			} else {
				paidAt = time.Time{}
			}
			if debt.Status != dialogs.DebtPaid {
				paidAt = time.Time{}
			}
			b.Debtors = append(b.Debtors, dialogs.Debtor{ID: debtor, Name: "Pessoa " + id, Phones: []string{conv}})
			b.Debts = append(b.Debts, archive.DebtRow{Debt: debt, PaidAt: paidAt, ClosedAt: paidAt})
			b.Conversations = append(b.Conversations, archive.ConversationRow{ID: conv, DebtorID: debtor, Messages: seq, LastAt: start})
		}
	}
	return debts, db.Write(ctx, b)
}
