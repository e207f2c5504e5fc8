package asaas_test

import (
	"context"
	"errors"
	"testing"

	"github.com/quita-bot/quita/billing/asaas"
	"github.com/quita-bot/quita/payments"
)

// Provider calls per segunda via, the figure BENCHMARKS.md reports.
func TestCallsPerSegundaVia(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	count := func(f func()) int {
		before := len(fake.Calls())
		f()
		return len(fake.Calls()) - before
	}
	issue := func(kind payments.ChargeKind, id string) func() {
		return func() {
			if _, err := c.Issue(ctx, request(kind, id)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name string
		f    func()
		want int
	}{
		// GET /payments?externalReference, GET /customers?cpfCnpj, POST /customers, POST /payments, identificationField, pixQrCode
		{"hybrid, new debtor", issue(payments.KindHybrid, "CHG0000000000000000000000040"), 6},
		{"hybrid, same charge again", issue(payments.KindHybrid, "CHG0000000000000000000000040"), 3},
		{"hybrid, known debtor", issue(payments.KindHybrid, "CHG0000000000000000000000041"), 4},
		{"pix, known debtor", issue(payments.KindPix, "CHG0000000000000000000000042"), 3},
		{"boleto, known debtor", issue(payments.KindBoleto, "CHG0000000000000000000000043"), 3},
	} {
		if got := count(tc.f); got != tc.want {
			t.Errorf("%s: %d calls, want %d", tc.name, got, tc.want)
		}
	}
}

func TestIssueSameIDOtherTermsConflicts(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	req := request(payments.KindBoleto, "CHG0000000000000000000000044")
	if _, err := c.Issue(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.AmountCents += 100
	if _, err := c.Issue(ctx, req); !errors.Is(err, asaas.ErrConflict) {
		t.Errorf("same id, new amount: %v, want ErrConflict", err)
	}
	req = request(payments.KindPix, "CHG0000000000000000000000044")
	if _, err := c.Issue(ctx, req); !errors.Is(err, asaas.ErrConflict) {
		t.Errorf("same id, PIX instead of boleto: %v, want ErrConflict", err)
	}
	if n := len(fake.CallsTo("POST", "/payments")); n != 1 {
		t.Errorf("%d payments created, want 1", n)
	}
}

func TestIssueRecreatesACustomerAsaasLost(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	if _, err := c.Issue(ctx, request(payments.KindPix, "CHG0000000000000000000000045")); err != nil {
		t.Fatal(err)
	}
	fake.DeleteCustomer(fake.Customers()[0].ID) // removed in the Asaas panel; the client still remembers it
	ch, err := c.Issue(ctx, request(payments.KindPix, "CHG0000000000000000000000046"))
	if err != nil {
		t.Fatal(err)
	}
	cs := fake.Customers()
	p, _ := fake.Payment(ch.ProviderID)
	if len(cs) != 2 || p.Customer != cs[1].ID || cs[1].Deleted {
		t.Errorf("customers %+v, payment's %s: want a new customer", cs, p.Customer)
	}
}

func TestReadWebhookAndConfirm(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	const token = "tok-0123456789abcdef0123456789abcdef"
	ch, _ := c.Issue(ctx, request(payments.KindPix, "CHG0000000000000000000000047"))
	fake.HoldWebhooks(true)
	paid, _ := fake.MarkPaid(ch.ProviderID)
	refunded, _ := fake.Refund(ch.ProviderID)

	if _, err := asaas.ReadWebhook("wrong", paid.Body, token); !errors.Is(err, asaas.ErrUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
	ev, err := asaas.ReadWebhook(token, refunded.Body, token)
	if err != nil || ev.Type != asaas.EventRefunded || ev.ChargeID != ch.ChargeID {
		t.Fatalf("refund event: %+v %v", ev, err)
	}
	// Read back from the API, the refund (seen first) and the payment give the same movements.
	for _, body := range [][]byte{refunded.Body, paid.Body} {
		ev, _ := asaas.ParseWebhook(body)
		ms, err := c.Confirm(ctx, ev)
		if err != nil || len(ms) != 2 || ms[0].Event != payments.PaymentReceived || ms[1].Event != payments.PaymentRefunded {
			t.Errorf("%s confirmed as %+v %v", ev.Type, ms, err)
		}
	}
	// A body claiming a payment Asaas has not received moves nothing.
	open, _ := c.Issue(ctx, request(payments.KindPix, "CHG0000000000000000000000048"))
	forged := asaas.Event{ID: "evt_forged", Type: asaas.EventReceived, PaymentID: open.ProviderID}
	if ms, err := c.Confirm(ctx, forged); err != nil || len(ms) != 0 {
		t.Errorf("forged event confirmed as %+v %v", ms, err)
	}
}
