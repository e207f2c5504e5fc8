package billing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage/redistest"
)

// fakeProvider registers charges in memory and records every call.
type fakeProvider struct {
	mu        sync.Mutex
	calls     []string
	cancelErr error
}

func (f *fakeProvider) Issue(_ context.Context, r payments.ChargeRequest) (payments.Charge, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "issue "+r.ChargeID+" "+fmt.Sprint(r.AmountCents))
	return payments.Charge{ProviderID: "p-" + r.ChargeID, Kind: r.Kind, State: payments.ChargeRegistered,
		AmountCents: r.AmountCents, DueDate: r.DueDate, Linha: "linha-" + r.ChargeID}, nil
}
func (f *fakeProvider) Lookup(context.Context, string) (payments.ChargeStatus, error) {
	return payments.ChargeStatus{}, errors.New("not used")
}
func (f *fakeProvider) Cancel(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "cancel "+id)
	return f.cancelErr
}

type fakeSettler struct{ calls []string }

func (f *fakeSettler) Settle(_ context.Context, debt string, inst int, cents int64, ref string) error {
	f.calls = append(f.calls, fmt.Sprintf("settle %s/%d %d", debt, inst, cents))
	return nil
}
func (f *fakeSettler) Reopen(_ context.Context, debt string, inst int, _ string) error {
	f.calls = append(f.calls, fmt.Sprintf("reopen %s/%d", debt, inst))
	return nil
}

func newService(t *testing.T) (*Service, *fakeProvider, *fakeSettler) {
	srv := redistest.New(t)
	prov, set := &fakeProvider{}, &fakeSettler{}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	s := &Service{Store: srv.Store(), Settler: set, Now: func() time.Time { return now },
		Providers: func(string, payments.ChargeKind) (Provider, error) {
			return Provider{Name: "fake", PaymentProvider: prov}, nil
		}}
	return s, prov, set
}

func request(cents int64, due string) Request {
	d, _ := time.Parse(time.DateOnly, due)
	return Request{ChargeRequest: payments.ChargeRequest{CreditorID: "loja", DebtID: "d1", Kind: payments.KindBoleto, AmountCents: cents, DueDate: d}}
}

func TestOneLiveChargePerDebt(t *testing.T) {
	s, prov, _ := newService(t)
	ctx := context.Background()
	a, err := s.Charge(ctx, request(10000, "2026-12-10"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Charge(ctx, request(10000, "2026-12-10"))
	if err != nil || again.ChargeID != a.ChargeID || len(prov.calls) != 1 {
		t.Fatalf("a repeated request issued again: %v %v %v", again.ChargeID, err, prov.calls)
	}
	if len(a.ChargeID) < 26 || len(a.ChargeID) > 35 {
		t.Errorf("charge id %q is not a valid txid (26 to 35 characters)", a.ChargeID)
	}
	b, err := s.Charge(ctx, request(10500, "2026-12-11"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"issue " + a.ChargeID + " 10000", "cancel p-" + a.ChargeID, "issue " + b.ChargeID + " 10500"}
	if fmt.Sprint(prov.calls) != fmt.Sprint(want) {
		t.Fatalf("calls %v, want %v (the superseded charge cancelled first)", prov.calls, want)
	}
	old, _ := s.Store.Charge(ctx, a.ChargeID)
	if old.State != payments.ChargeCancelled {
		t.Errorf("superseded charge is %s, want cancelled", old.State)
	}
}

func TestNoNewChargeWhileTheOldOneCannotBeCancelled(t *testing.T) {
	s, prov, _ := newService(t)
	ctx := context.Background()
	a, _ := s.Charge(ctx, request(10000, "2026-12-10"))
	prov.cancelErr = errors.New("provider down")
	if _, err := s.Charge(ctx, request(20000, "2026-12-10")); err == nil {
		t.Fatal("a second charge was issued while the first could still be paid")
	}
	if len(prov.calls) != 2 {
		t.Errorf("calls %v: want one issue and one failed cancel", prov.calls)
	}
	live, _ := s.Store.LiveChargeID(ctx, "d1", 0)
	if cur, _ := s.Store.Charge(ctx, a.ChargeID); live != a.ChargeID || !cur.Live() {
		t.Errorf("the first charge is no longer live: %s %s", live, cur.State)
	}
}

func TestPaymentsAppliedOnceInAnyOrder(t *testing.T) {
	ctx := context.Background()
	paid := payments.Payment{ID: "E1", Provider: "fake", Event: payments.PaymentReceived, AmountCents: 10000}
	refund := payments.Payment{ID: "E1", Provider: "fake", Event: payments.PaymentRefunded, AmountCents: 10000}
	for name, tc := range map[string]struct {
		events []payments.Payment
		want   []string
		state  string
	}{
		"paid twice":              {[]payments.Payment{paid, paid}, []string{"settle d1/0 10000"}, payments.ChargePaid},
		"paid then refunded":      {[]payments.Payment{paid, refund}, []string{"settle d1/0 10000", "reopen d1/0"}, payments.ChargeRefunded},
		"refund before its money": {[]payments.Payment{refund, paid}, nil, payments.ChargeRefunded},
		"partial":                 {[]payments.Payment{{ID: "E2", Provider: "fake", Event: payments.PaymentReceived, AmountCents: 4000}}, nil, payments.ChargeRegistered},
		"partial then the rest": {[]payments.Payment{{ID: "E2", Provider: "fake", Event: payments.PaymentReceived, AmountCents: 4000},
			{ID: "E3", Provider: "fake", Event: payments.PaymentReceived, AmountCents: 6000}}, []string{"settle d1/0 10000"}, payments.ChargePaid},
	} {
		t.Run(name, func(t *testing.T) {
			s, _, set := newService(t)
			c, err := s.Charge(ctx, request(10000, "2026-12-10"))
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range tc.events {
				ev.ProviderID = c.ProviderID // as a webhook names it: by the provider's id
				if _, err := s.Apply(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.Store.Charge(ctx, c.ChargeID)
			if fmt.Sprint(set.calls) != fmt.Sprint(tc.want) || got.State != tc.state {
				t.Errorf("settler %v state %s; want %v %s", set.calls, got.State, tc.want, tc.state)
			}
		})
	}
}

func TestUnknownChargeIsRefused(t *testing.T) {
	s, _, set := newService(t)
	_, err := s.Apply(context.Background(), payments.Payment{ID: "X", Provider: "fake", ProviderID: "nope", Event: payments.PaymentReceived, AmountCents: 1})
	if !errors.Is(err, payments.ErrUnknownCharge) || len(set.calls) != 0 {
		t.Fatalf("err %v settler %v", err, set.calls)
	}
}

func TestReportedPaymentGoesThroughTheSamePath(t *testing.T) {
	s, _, set := newService(t)
	ctx := context.Background()
	r := ReportedPayment{DebtID: "d9", OwedCents: 5000, Reference: "erp-77"}
	first, err := s.ApplyReported(ctx, "loja", r)
	if err != nil || !first.Settled || first.Duplicate {
		t.Fatalf("%+v %v", first, err)
	}
	again, err := s.ApplyReported(ctx, "loja", r)
	if err != nil || !again.Duplicate || len(set.calls) != 1 {
		t.Fatalf("a repeated report changed something: %+v %v %v", again, err, set.calls)
	}
}

type fakeLister []payments.Payment

func (f fakeLister) Received(context.Context, time.Time, time.Time) ([]payments.Payment, error) {
	return f, nil
}

func TestBackstopFindsWhatNoWebhookReported(t *testing.T) {
	s, _, set := newService(t)
	ctx := context.Background()
	c, err := s.Charge(ctx, request(10000, "2026-12-10"))
	if err != nil {
		t.Fatal(err)
	}
	lost := payments.Payment{ID: "E9", Provider: "fake", ChargeID: c.ChargeID, Event: payments.PaymentReceived, AmountCents: 10000}
	stranger := payments.Payment{ID: "E10", Provider: "fake", ChargeID: "SOMEONEELSE", Event: payments.PaymentReceived, AmountCents: 5}
	b := &Backstop{Service: s, Listers: func() map[string]Lister { return map[string]Lister{"loja": fakeLister{lost, stranger}} }}
	res, err := b.Pass(ctx, s.now())
	if err != nil || res != (BackstopResult{Seen: 2, Applied: 1, Unknown: 1}) {
		t.Fatalf("%+v %v", res, err)
	}
	if res, _ := b.Pass(ctx, s.now()); res.Applied != 0 || len(set.calls) != 1 {
		t.Fatalf("second pass applied again: %+v %v", res, set.calls)
	}
}

func TestProviderStatesWithoutMoney(t *testing.T) {
	s, prov, _ := newService(t)
	ctx := context.Background()
	c, _ := s.Charge(ctx, request(10000, "2026-12-10"))
	if r, err := s.MarkState(ctx, "fake", c.ProviderID, payments.ChargeCancelled); err != nil || r.State != payments.ChargeCancelled {
		t.Fatalf("%+v %v", r, err)
	}
	// Deleted at the provider: the next request issues a new charge, with no cancel call.
	n, err := s.Charge(ctx, request(10000, "2026-12-10"))
	if err != nil || n.ChargeID == c.ChargeID || len(prov.calls) != 2 {
		t.Fatalf("%v %v %v", n.ChargeID, err, prov.calls)
	}
	if _, err := s.MarkState(ctx, "fake", "nope", payments.ChargeOverdue); !errors.Is(err, payments.ErrUnknownCharge) {
		t.Errorf("unknown charge: %v", err)
	}
}
