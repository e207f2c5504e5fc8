package pixapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/billing/pixapi"
	"github.com/quita-bot/quita/billing/pixapi/pixapitest"
	"github.com/quita-bot/quita/payments"
)

// A cobv paid and then refunded: Lookup reports the receipt keyed by its
// endToEndId and the devolução keyed by its rtrId, with their amounts.
func TestLookupReportsPixAndRefunds(t *testing.T) {
	fake, c, _ := newFake(t, pixapitest.Options{})
	ctx := context.Background()
	if _, err := c.Issue(ctx, request()); err != nil {
		t.Fatal(err)
	}
	st, err := c.Lookup(ctx, testTxid)
	if err != nil || st.State != payments.ChargeRegistered || len(st.Payments) != 0 {
		t.Fatalf("before payment: %+v %v", st, err)
	}
	e2e, err := fake.Pay(testTxid)
	if err != nil {
		t.Fatal(err)
	}
	st, err = c.Lookup(ctx, testTxid)
	if err != nil || st.State != payments.ChargePaid || len(st.Payments) != 1 {
		t.Fatalf("paid: %+v %v", st, err)
	}
	p := st.Payments[0]
	// Paid on time: valor.original less the desconto, what the debtor owes.
	if p.ID != e2e || p.Event != payments.PaymentReceived || p.AmountCents != 11345 || p.ChargeID != testTxid || p.Provider != pixapi.Name || p.At.IsZero() {
		t.Fatalf("payment %+v", p)
	}
	if err := fake.Refund(e2e); err != nil {
		t.Fatal(err)
	}
	st, _ = c.Lookup(ctx, testTxid)
	if len(st.Payments) != 2 || st.Payments[1].Event != payments.PaymentRefunded || st.Payments[1].AmountCents != 11345 || st.Payments[1].ID == e2e {
		t.Fatalf("refunded: %+v", st.Payments)
	}
	if _, err := c.Lookup(ctx, "QT0000000000000000000000000000"); !errors.Is(err, payments.ErrUnknownCharge) {
		t.Fatalf("unknown txid: %v", err)
	}
}

// Paid late, the PSP charges the multa and juros itself: the Pix carries more.
func TestPaidLateCarriesFineAndInterest(t *testing.T) {
	fake, c, clk := newFake(t, pixapitest.Options{})
	if _, err := c.Issue(context.Background(), request()); err != nil {
		t.Fatal(err)
	}
	clk.Add(41 * 24 * time.Hour) // 30 days after the due date
	e2e, err := fake.Pay(testTxid)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := c.Confirm(context.Background(), e2e)
	// 123,45 + 2% (2,47) + 1% a month for 30 days (1,23).
	if err != nil || len(ps) != 1 || ps[0].AmountCents != 12345+247+123 {
		t.Fatalf("late payment %+v %v", ps, err)
	}
}

func TestCancelRemovesOnceAndRefusesAPaidOne(t *testing.T) {
	fake, c, _ := newFake(t, pixapitest.Options{})
	ctx := context.Background()
	if _, err := c.Issue(ctx, request()); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(ctx, testTxid); err != nil {
		t.Fatal(err)
	}
	patch := fake.CallsTo(http.MethodPatch, "/cobv/")[0]
	sameJSON(t, patch.Body, map[string]any{"status": "REMOVIDA_PELO_USUARIO_RECEBEDOR"})
	if cv, _ := fake.Cobv(testTxid); cv.Status != "REMOVIDA_PELO_USUARIO_RECEBEDOR" {
		t.Fatalf("status %s", cv.Status)
	}
	if err := c.Cancel(ctx, testTxid); err != nil {
		t.Fatalf("cancelling again: %v", err)
	}
	if st, _ := c.Lookup(ctx, testTxid); st.State != payments.ChargeCancelled {
		t.Fatalf("state %s", st.State)
	}
	// A removed txid cannot be issued again: the conflict is named.
	if _, err := c.Issue(ctx, request()); !errors.Is(err, pixapi.ErrConflict) {
		t.Fatalf("reissue of a removed txid: %v", err)
	}
	paid := request()
	paid.ChargeID = "QT01HZY3J8K2M4N6P8R0S2T4V6XP"
	if _, err := c.Issue(ctx, paid); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Pay(paid.ChargeID); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(ctx, paid.ChargeID); err == nil || !strings.Contains(err.Error(), "CONCLUIDA") {
		t.Fatalf("cancelling a paid cobv: %v", err)
	}
	if err := c.Cancel(ctx, "QT0000000000000000000000000000"); err != nil {
		t.Fatalf("cancelling one the PSP never had: %v", err)
	}
}

// Confirm believes only what GET /pix/{e2eid} answers.
func TestConfirmBelievesOnlyThePSP(t *testing.T) {
	fake, c, _ := newFake(t, pixapitest.Options{})
	ctx := context.Background()
	if _, err := c.Issue(ctx, request()); err != nil {
		t.Fatal(err)
	}
	e2e, _ := fake.Pay(testTxid)
	ps, err := c.Confirm(ctx, e2e)
	if err != nil || len(ps) != 1 || ps[0].ID != e2e || ps[0].ChargeID != testTxid {
		t.Fatalf("confirm %+v %v", ps, err)
	}
	before := len(fake.Calls())
	for _, forged := range []string{"E99999008203012201200abcdefghijk", "not-an-e2eid", ""} {
		if _, err := c.Confirm(ctx, forged); !errors.Is(err, pixapi.ErrUnconfirmed) || !errors.Is(err, payments.ErrUnknownCharge) {
			t.Fatalf("forged %q: %v", forged, err)
		}
	}
	if n := len(fake.Calls()) - before; n != 1 {
		t.Fatalf("%d calls for three forged ids: only the well-formed one is asked", n)
	}
}

// Received follows paginacao to the last page, however few items the PSP
// puts on one, and asks only for Pix with a txid.
func TestReceivedReadsEveryPage(t *testing.T) {
	fake, c, clk := newFake(t, pixapitest.Options{MaxPerPage: 2})
	ctx := context.Background()
	var want []string
	for i := range 5 {
		req := request()
		req.ChargeID = testTxid[:len(testTxid)-1] + string(rune('A'+i))
		if _, err := c.Issue(ctx, req); err != nil {
			t.Fatal(err)
		}
		e2e, err := fake.Pay(req.ChargeID)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, e2e)
	}
	fake.PayToKey(5000) // typed in by hand: no txid, not listed
	ps, err := c.Received(ctx, clk.Now().Add(-time.Hour), clk.Now().Add(time.Minute))
	if err != nil || len(ps) != 5 {
		t.Fatalf("received %d %v", len(ps), err)
	}
	for i, p := range ps {
		if p.ID != want[i] {
			t.Fatalf("payment %d is %s, want %s", i, p.ID, want[i])
		}
	}
	lists := fake.CallsTo(http.MethodGet, "/pix")
	if len(lists) != 3 || lists[2].Query.Get("paginacao.paginaAtual") != "2" || lists[0].Query.Get("txIdPresente") != "true" {
		t.Fatalf("listing calls: %d %v", len(lists), lists[len(lists)-1].Query)
	}
	if ps, _ := c.Received(ctx, clk.Now().Add(time.Hour), clk.Now().Add(2*time.Hour)); len(ps) != 0 {
		t.Fatalf("a window with nothing: %d", len(ps))
	}
}

func TestRegisterWebhook(t *testing.T) {
	fake, c, _ := newFake(t, pixapitest.Options{})
	ctx := context.Background()
	if err := c.RegisterWebhook(ctx, "https://quita.example/webhooks/pix-api/loja-pix"); err != nil {
		t.Fatal(err)
	}
	put := fake.CallsTo(http.MethodPut, "/webhook/")[0]
	if put.Path != "/webhook/"+testKey {
		t.Fatalf("path %s", put.Path)
	}
	sameJSON(t, put.Body, map[string]any{"webhookUrl": "https://quita.example/webhooks/pix-api/loja-pix"})
	if fake.WebhookURL() != "https://quita.example/webhooks/pix-api/loja-pix" {
		t.Fatalf("registered %q", fake.WebhookURL())
	}
	if err := c.RegisterWebhook(ctx, "http://quita.example/x"); err == nil {
		t.Fatal("a plain-http webhook accepted")
	}
}

func TestCheck(t *testing.T) {
	fake, c, clk := newFake(t, pixapitest.Options{})
	ctx := context.Background()
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.CallsTo(http.MethodGet, "/cobv")); n != 1 {
		t.Fatalf("%d GET /cobv", n)
	}
	cfg := configOf(fake, clk)
	cfg.ClientSecret = "wrong-" + testSecret
	bad, _ := pixapi.New(cfg)
	err := bad.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("a wrong secret: %v", err)
	}
	// A PSP that does not grant cobv.read to this client.
	narrow, nc, _ := newFake(t, pixapitest.Options{Scopes: []string{"cobv.write", "pix.read", "webhook.write"}})
	if err := nc.Check(ctx); err == nil || !strings.Contains(err.Error(), "invalid_scope") {
		t.Fatalf("a missing scope: %v", err)
	}
	_ = narrow
	fake.SetUnavailable(true)
	if err := c.Check(ctx); err == nil || !strings.Contains(err.Error(), "ServicoIndisponivel") {
		t.Fatalf("unavailable: %v", err)
	}
}
