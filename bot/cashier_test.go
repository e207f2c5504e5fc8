package bot

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
)

func demoCashier(t *testing.T) Cashier {
	t.Helper()
	dir := config.NewDirectory(config.DemoFile()).AllowExamples()
	return Cashier{Billing: func(id string) (payments.Policy, payments.Account, PixAccount, error) {
		b, err := dir.Billing(id)
		return b.Policy, b.Account, PixAccount{Key: b.Pix.Key, Name: b.Pix.Name, City: b.Pix.City}, err
	}}
}

func TestCashierDocumentsParseBack(t *testing.T) {
	c := demoCashier(t)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	debt := dialogs.Debt{ID: "d1", CreditorID: config.DemoCreditorID, Invoice: "NF-1", AmountCents: 35990, DueDate: "2026-11-14"}
	cs := dialogs.Case{Debtor: &dialogs.Debtor{Name: "Ana Souza", CPF: "52998224725"}}

	b, err := c.SegundaVia(cs, debt, now)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := payments.ParseBoleto(b.Linha, now)
	if err != nil {
		t.Fatalf("segunda via linha %q does not parse: %v", b.Linha, err)
	}
	if parsed.AmountCents != b.AmountCents || b.AmountCents <= debt.AmountCents {
		t.Fatalf("segunda via amount %d (parsed %d), want the updated amount above %d", b.AmountCents, parsed.AmountCents, debt.AmountCents)
	}
	if b.AmountCents > debt.AmountCents*103/100 { // 2% fine + 12 days of 1%/month interest
		t.Fatalf("segunda via amount %d is more than fine and interest allow", b.AmountCents)
	}
	if !bytes.HasPrefix(b.PDF, []byte("%PDF")) {
		t.Fatal("segunda via has no PDF")
	}
	again, _ := c.SegundaVia(cs, debt, now)
	if again.Linha != b.Linha {
		t.Fatal("asking twice on one day gave two different boletos")
	}

	p, err := c.Pix(cs, debt, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := payments.ParsePix(p.Payload)
	if err != nil {
		t.Fatalf("PIX payload %q does not parse: %v", p.Payload, err)
	}
	if decoded.AmountCents != b.AmountCents || !strings.Contains(p.Payload, "br.gov.bcb.pix") || len(p.QRPNG) == 0 {
		t.Fatalf("PIX = %+v, want the updated amount %d with a QR", decoded, b.AmountCents)
	}

	offers := c.Offers(cs, debt, now)
	if len(offers) < 2 || offers[0].Installments != 1 {
		t.Fatalf("offers = %+v, want pay-in-full first and installment plans", offers)
	}
	n, err := c.Nearest(cs, debt, dialogs.PlanRequest{Installments: 3}, now)
	if err != nil || n.Installments == 0 {
		t.Fatalf("nearest 3x = %+v, %v", n, err)
	}
	var sum int64 = n.DownPaymentCents
	for _, v := range n.InstallmentCents {
		sum += v
	}
	if sum != n.TotalCents {
		t.Fatalf("plan installments add up to %d, total says %d", sum, n.TotalCents)
	}
}
