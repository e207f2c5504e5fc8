package asaas_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/billing/asaas"
	"github.com/quita-bot/quita/payments"
)

// The golden bodies are the event of the Asaas docs (testdata/README.md).
func TestParseWebhookDocExamples(t *testing.T) {
	paid := time.Date(2021, 1, 1, 0, 0, 0, 0, time.FixedZone("BRT", -3*3600))
	received := payments.Payment{ID: "pay_080225913252", Provider: "asaas", ChargeID: "056984", ProviderID: "pay_080225913252",
		Event: payments.PaymentReceived, AmountCents: 10000, At: paid}
	refunded := received
	refunded.Event, refunded.At = payments.PaymentRefunded, time.Date(2021, 1, 5, 10, 0, 0, 0, time.FixedZone("BRT", -3*3600))
	for _, tc := range []struct {
		file     string
		typ      string
		state    string
		payments []payments.Payment
	}{
		{"payment_received.json", asaas.EventReceived, payments.ChargePaid, []payments.Payment{received}},
		{"payment_confirmed.json", asaas.EventConfirmed, payments.ChargePaid, []payments.Payment{received}},
		{"payment_overdue.json", asaas.EventOverdue, payments.ChargeOverdue, nil},
		{"payment_deleted.json", asaas.EventDeleted, payments.ChargeCancelled, nil},
		{"payment_refunded.json", asaas.EventRefunded, payments.ChargeRefunded, []payments.Payment{received, refunded}},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			ev, err := asaas.ParseWebhook(body)
			if err != nil {
				t.Fatal(err)
			}
			if ev.ID != "evt_05b708f961d739ea7eba7e4db318f621&368604920" || ev.Type != tc.typ || !ev.Handled ||
				ev.State != tc.state || ev.PaymentID != "pay_080225913252" || ev.ChargeID != "056984" {
				t.Errorf("event %+v", ev)
			}
			if want := time.Date(2024, 6, 12, 16, 45, 3, 0, time.FixedZone("BRT", -3*3600)); !ev.Created.Equal(want) {
				t.Errorf("dateCreated %v", ev.Created)
			}
			got := ev.Payments()
			if len(got) != len(tc.payments) {
				t.Fatalf("payments %+v, want %+v", got, tc.payments)
			}
			for i := range got {
				if got[i].ID != tc.payments[i].ID || got[i].Event != tc.payments[i].Event || got[i].AmountCents != tc.payments[i].AmountCents ||
					got[i].ChargeID != tc.payments[i].ChargeID || got[i].Provider != "asaas" || !got[i].At.Equal(tc.payments[i].At) {
					t.Errorf("payment %d: %+v, want %+v", i, got[i], tc.payments[i])
				}
			}
			p, ok := ev.Payment()
			if ok != (len(tc.payments) > 0) || (ok && p != got[len(got)-1]) {
				t.Errorf("Payment() = %+v, %v", p, ok)
			}
		})
	}
}

func TestParseWebhookIgnoresOtherEventsAndRefusesGarbage(t *testing.T) {
	ev, err := asaas.ParseWebhook([]byte(`{"id":"evt_1","event":"PAYMENT_CREATED","dateCreated":"2024-06-12 16:45:03","payment":{"id":"pay_1","status":"PENDING","value":10}}`))
	if err != nil || ev.Handled || len(ev.Payments()) != 0 || ev.ID != "evt_1" {
		t.Errorf("PAYMENT_CREATED: %+v %v (want unhandled, no error: answer 200)", ev, err)
	}
	ev, err = asaas.ParseWebhook([]byte(`{"id":"evt_2","event":"TRANSFER_DONE","transfer":{"id":"t"}}`))
	if err != nil || ev.Handled {
		t.Errorf("transfer event: %+v %v", ev, err)
	}
	for _, body := range []string{`not json`, `{"event":"PAYMENT_RECEIVED"}`, `{"id":"evt_3","event":"PAYMENT_RECEIVED"}`} {
		if _, err := asaas.ParseWebhook([]byte(body)); !errors.Is(err, asaas.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", body, err)
		}
	}
}

func TestVerifyToken(t *testing.T) {
	const want = "whsec-3b1f0d6c9a2e4f7b8c5d1e0f2a3b4c5d"
	for _, tc := range []struct {
		header, want string
		ok           bool
	}{
		{want, want, true},
		{"", want, false},
		{want[:len(want)-1], want, false},
		{want + "x", want, false},
		{"WHSEC-3B1F0D6C9A2E4F7B8C5D1E0F2A3B4C5D", want, false},
		{"", "", false}, // an unset token accepts nothing
		{"anything", "", false},
	} {
		if got := asaas.VerifyToken(tc.header, tc.want); got != tc.ok {
			t.Errorf("VerifyToken(%q, %q) = %v", tc.header, tc.want, got)
		}
	}
}

// A receiver built from VerifyToken and ParseWebhook, as the bot's route
// will be: the fake delivers like Asaas, a forged delivery gets 401.
func TestFakeDeliversWebhooksWithTheToken(t *testing.T) {
	fake, c := setup(t)
	const token = "whsec-3b1f0d6c9a2e4f7b8c5d1e0f2a3b4c5d"
	var mu sync.Mutex
	var got []asaas.Event
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !asaas.VerifyToken(r.Header.Get(asaas.TokenHeader), token) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		ev, err := asaas.ParseWebhook(body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer recv.Close()
	fake.SetWebhook(recv.URL, token)

	ch, err := c.Issue(context.Background(), request(payments.KindHybrid, "CHG0000000000000000000000020"))
	if err != nil {
		t.Fatal(err)
	}
	paid, err := fake.MarkPaid(ch.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := fake.Deliver(paid); status != http.StatusOK { // delivered twice
		t.Errorf("redelivery: %d", status)
	}
	if status, _ := fake.DeliverWithToken(paid, "forged"); status != http.StatusUnauthorized {
		t.Errorf("forged delivery: %d, want 401", status)
	}
	if status, _ := fake.DeliverWithToken(paid, ""); status != http.StatusUnauthorized {
		t.Errorf("delivery without a token: %d, want 401", status)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].ID != got[1].ID || got[0].ID != paid.ID {
		t.Fatalf("received %+v: want the same event twice", got)
	}
	p, ok := got[0].Payment()
	if !ok || p.ChargeID != ch.ChargeID || p.ProviderID != ch.ProviderID || p.AmountCents != 15050 || p.Event != payments.PaymentReceived {
		t.Errorf("payment %+v", p)
	}
	ds := fake.Deliveries()
	if len(ds) != 4 || ds[0].Token != token || ds[0].Status != 200 {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestFakeHoldsAndReordersWebhooks(t *testing.T) {
	fake, c := setup(t)
	var mu sync.Mutex
	var order []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ev, _ := asaas.ParseWebhook(body)
		mu.Lock()
		order = append(order, ev.Type)
		mu.Unlock()
	}))
	defer recv.Close()
	fake.SetWebhook(recv.URL, "tok-0123456789abcdef0123456789abcdef")
	fake.HoldWebhooks(true)
	ch, _ := c.Issue(context.Background(), request(payments.KindPix, "CHG0000000000000000000000021"))
	if _, err := fake.MarkPaid(ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Refund(ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	held := fake.Undelivered()
	if len(held) != 2 || len(fake.Deliveries()) != 0 {
		t.Fatalf("held %+v, deliveries %+v", held, fake.Deliveries())
	}
	for i := len(held) - 1; i >= 0; i-- { // the refund first
		if _, err := fake.Deliver(held[i]); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 2 || order[0] != asaas.EventRefunded || order[1] != asaas.EventReceived {
		t.Errorf("delivered %v", order)
	}
	if len(fake.Undelivered()) != 0 {
		t.Error("events still undelivered")
	}
}
