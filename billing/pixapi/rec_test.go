package pixapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/billing/pixapi"
	"github.com/quita-bot/quita/billing/pixapi/pixapitest"
	"github.com/quita-bot/quita/payments"
)

const cobrTxid = "QT01HZY3J8K2M4N6P8R0S2T4V6XR"

var account = pixapi.Account{Branch: "9708", Number: "012682", Type: "CORRENTE"}

func newRecFake(t *testing.T) (*pixapitest.Server, *pixapi.Client, *clock) {
	t.Helper()
	fake, _, clk := newFake(t, pixapitest.Options{Recurring: true})
	cfg := configOf(fake, clk)
	cfg.Recurring = true
	c, err := pixapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, clk
}

// recurrence is a 3-installment agreement of R$ 35,00 a month from the
// 10th of next month, the shape of examples.recBody1.
func recurrence() pixapi.Recurrence {
	return pixapi.Recurrence{Contract: "63100862", Object: "Acordo Loja Pix", Payer: payments.Payer{Name: "Fulano de Tal", CPF: "451.646.324-81"},
		First: time.Date(2031, 1, 10, 0, 0, 0, 0, time.UTC), Last: time.Date(2031, 3, 10, 0, 0, 0, 0, time.UTC), AmountCents: 3500}
}

// The whole journey against the fake: a location and a rec (JORNADA_2,
// its QR read back), the payer approves, one cobr per installment, the
// payer's PSP debits it, the Pix is read back and counts once; the rec is
// cancelled at the end and its open debits with it.
func TestRecurrenceJourney(t *testing.T) {
	fake, c, clk := newRecFake(t)
	ctx := context.Background()
	r, err := c.CreateRecurrence(ctx, recurrence())
	if err != nil {
		t.Fatal(err)
	}
	posts := fake.CallsTo(http.MethodPost, "/rec")
	if len(fake.CallsTo(http.MethodPost, "/locrec")) != 1 || len(posts) != 1 || posts[0].Status != http.StatusCreated {
		t.Fatalf("calls %+v", fake.Calls())
	}
	body := readJSON(t, "rec_post_request.json").(map[string]any)
	locID := fake.Recs()[0].Loc.ID
	body["loc"] = float64(locID)
	sameJSON(t, posts[0].Body, body)
	if r.Status != pixapi.RecCreated || r.Journey != "JORNADA_2" || !strings.Contains(r.Code, r.Location) || r.AmountCents != 3500 ||
		r.First != "2031-01-10" || r.Last != "2031-03-10" || len(r.ID) != 29 || r.Contract != "63100862" {
		t.Fatalf("rec %+v", r)
	}
	// A QR Composto of JORNADA_2 (examples.recResponse3): its tag 80 holds the rec's location; the CRC closes it.
	if n := len(r.Code); n < 8 || r.Code[n-8:n-4] != "6304" || fmt.Sprintf("%04X", payments.CRC16([]byte(r.Code[:n-4]))) != r.Code[n-4:] ||
		!strings.Contains(r.Code, "80") {
		t.Fatalf("the rec's QR is not a BR Code: %q", r.Code)
	}
	// Not approved yet: no debit can be created.
	if _, err := c.IssueRecurring(ctx, pixapi.RecurringCharge{Txid: cobrTxid, RecID: r.ID, DueDate: time.Date(2031, 1, 10, 0, 0, 0, 0, time.UTC), AmountCents: 3500, Receiver: account}); err == nil {
		t.Fatal("a cobr before approval was accepted")
	}
	if err := fake.Approve(r.ID); err != nil {
		t.Fatal(err)
	}
	got, err := c.Recurrence(ctx, r.ID)
	if err != nil || !got.Approved() || got.Journey != "JORNADA_2" || got.Code != "" {
		t.Fatalf("after approval %+v %v", got, err)
	}
	clk.Add(20 * 24 * time.Hour) // 2031-01-09: the day before the first debit
	cr, err := c.IssueRecurring(ctx, pixapi.RecurringCharge{Txid: cobrTxid, RecID: r.ID, DueDate: time.Date(2031, 1, 10, 0, 0, 0, 0, time.UTC),
		AmountCents: 3500, Info: "Parcela 1 de 3", Receiver: account})
	if err != nil || cr.Status != pixapi.CobRActive || cr.Txid != cobrTxid || cr.AmountCents != 3500 {
		t.Fatalf("cobr %+v %v", cr, err)
	}
	puts := fake.CallsTo(http.MethodPut, "/cobr/")
	if len(puts) != 2 || puts[0].Status != http.StatusBadRequest || puts[1].Status != http.StatusCreated {
		t.Fatalf("PUT /cobr calls %+v", puts)
	}
	puts = puts[1:]
	wantPut := readJSON(t, "cobr_put_request.json").(map[string]any)
	wantPut["idRec"] = r.ID
	sameJSON(t, puts[0].Body, wantPut)
	// A retried PUT answers the cobr as it is, not a second one.
	if again, err := c.IssueRecurring(ctx, pixapi.RecurringCharge{Txid: cobrTxid, RecID: r.ID, DueDate: time.Date(2031, 1, 10, 0, 0, 0, 0, time.UTC),
		AmountCents: 3500, Receiver: account}); err != nil || again.Txid != cobrTxid || len(fake.CobRs()) != 1 {
		t.Fatalf("again %+v %v", again, err)
	}
	e2e, err := fake.Debit(cobrTxid)
	if err != nil {
		t.Fatal(err)
	}
	paid, err := c.Recurring(ctx, cobrTxid)
	if err != nil || paid.Status != pixapi.CobRConcluded || len(paid.Payments) != 1 || paid.Payments[0].ID != e2e ||
		paid.Payments[0].AmountCents != 3500 || paid.Payments[0].ChargeID != cobrTxid || paid.Payments[0].Event != payments.PaymentReceived {
		t.Fatalf("paid %+v %v", paid, err)
	}
	// The same Pix is what GET /pix/{e2eid} confirms: the /pix webhook and backstop see it too.
	if ps, err := c.Confirm(ctx, e2e); err != nil || len(ps) != 1 || ps[0].ChargeID != cobrTxid {
		t.Fatalf("confirm %+v %v", ps, err)
	}
	if err := c.CancelRecurring(ctx, cobrTxid); err == nil {
		t.Fatal("cancelling a paid cobr must fail")
	}
	second := "QT01HZY3J8K2M4N6P8R0S2T4V6XS"
	if _, err := c.IssueRecurring(ctx, pixapi.RecurringCharge{Txid: second, RecID: r.ID, DueDate: time.Date(2031, 2, 10, 0, 0, 0, 0, time.UTC), AmountCents: 3500, Receiver: account}); err != nil {
		t.Fatal(err)
	}
	if err := c.CancelRecurrence(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.CancelRecurrence(ctx, r.ID); err != nil {
		t.Fatalf("cancelling twice: %v", err)
	}
	if cur, _ := c.Recurrence(ctx, r.ID); cur.Status != pixapi.RecCancelled || !strings.Contains(cur.Reason, "SLCR") {
		t.Fatalf("cancelled rec %+v", cur)
	}
	if cb, _ := c.Recurring(ctx, second); cb.Status != pixapi.CobRCancelled {
		t.Fatalf("the open debit of a cancelled rec: %+v", cb)
	}
}

// A debit the payer's PSP refuses is REJEITADA with the attempt's reason;
// RetryRecurring is refused by a rec that allows no retry.
func TestRecurringDebitRejected(t *testing.T) {
	fake, c, clk := newRecFake(t)
	ctx := context.Background()
	r, err := c.CreateRecurrence(ctx, recurrence())
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Approve(r.ID); err != nil {
		t.Fatal(err)
	}
	clk.Add(18 * 24 * time.Hour)
	if _, err := c.IssueRecurring(ctx, pixapi.RecurringCharge{Txid: cobrTxid, RecID: r.ID, DueDate: time.Date(2031, 1, 10, 0, 0, 0, 0, time.UTC), AmountCents: 3500, Receiver: account}); err != nil {
		t.Fatal(err)
	}
	if err := fake.FailDebit(cobrTxid, "AM04", true, false); err != nil {
		t.Fatal(err)
	}
	cr, err := c.Recurring(ctx, cobrTxid)
	if err != nil || !cr.Failed() || cr.Status != pixapi.CobRRejected || len(cr.Payments) != 0 || !strings.HasPrefix(cr.Reason, "AM04") {
		t.Fatalf("%+v %v", cr, err)
	}
	var ae *pixapi.APIError
	if _, err := c.RetryRecurring(ctx, cobrTxid, time.Date(2031, 1, 12, 0, 0, 0, 0, time.UTC)); !errors.As(err, &ae) || ae.Kind() != "CobROperacaoInvalida" {
		t.Fatalf("retry: %v", err)
	}
}

// The payer refusing the authorisation: REJEITADA with code AP13.
func TestRecurrenceRejected(t *testing.T) {
	fake, c, _ := newRecFake(t)
	r, err := c.CreateRecurrence(context.Background(), recurrence())
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Reject(r.ID); err != nil {
		t.Fatal(err)
	}
	got, err := c.Recurrence(context.Background(), r.ID)
	if err != nil || !got.Ended() || got.Status != pixapi.RecRejected || !strings.HasPrefix(got.Reason, "AP13") {
		t.Fatalf("%+v %v", got, err)
	}
}

// JORNADA_1: a solicitação to the payer's account, in the shape of
// examples.solicRecBody1.
func TestRequestConfirmation(t *testing.T) {
	fake, c, clk := newRecFake(t)
	ctx := context.Background()
	r, err := c.CreateRecurrence(ctx, recurrence())
	if err != nil {
		t.Fatal(err)
	}
	conf, err := c.RequestConfirmation(ctx, r.ID, pixapi.Destination{Branch: "2569", Account: "550689", ISPB: "91193552", CPF: "15231470190"}, clk.Now().Add(48*time.Hour))
	if err != nil || conf.Status != "CRIADA" || conf.RecID != r.ID || len(conf.ID) != 29 {
		t.Fatalf("%+v %v", conf, err)
	}
	sent := readJSON(t, "spec_solicRecBody1.json").(map[string]any)
	sent["idRec"] = r.ID
	sent["calendario"] = map[string]any{"dataExpiracaoSolicitacao": "2030-12-22T12:00:00.000Z"}
	sameJSON(t, fake.CallsTo(http.MethodPost, "/solicrec")[0].Body, sent)
	if got, err := c.ConfirmationStatus(ctx, conf.ID); err != nil || got != conf {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := c.RequestConfirmation(ctx, r.ID, pixapi.Destination{CPF: "15231470190"}, clk.Now().Add(time.Hour)); err == nil {
		t.Fatal("no account: must be refused before calling")
	}
}

func TestRegisterRecurringWebhooks(t *testing.T) {
	fake, c, _ := newRecFake(t)
	if err := c.RegisterRecurringWebhooks(context.Background(), "https://quita.example/webhooks/pix-api/loja"); err != nil {
		t.Fatal(err)
	}
	if fake.RecWebhookURL("rec") != "https://quita.example/webhooks/pix-api/loja" || fake.RecWebhookURL("cobr") != "https://quita.example/webhooks/pix-api/loja" {
		t.Fatalf("%q %q", fake.RecWebhookURL("rec"), fake.RecWebhookURL("cobr"))
	}
	if err := c.RegisterRecurringWebhooks(context.Background(), "http://plain.example"); err == nil {
		t.Fatal("plain http accepted")
	}
}

// Without the recurring scopes (a PSP contract without Pix Automático),
// the token is refused with a hint instead of a call failing later.
func TestRecurringScopesNotGranted(t *testing.T) {
	fake, _, clk := newFake(t, pixapitest.Options{})
	cfg := configOf(fake, clk)
	cfg.Recurring = true
	c, err := pixapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRecurrence(context.Background(), recurrence()); err == nil || !strings.Contains(err.Error(), "rec.write") {
		t.Fatalf("%v", err)
	}
}

// The spec's examples, served as a PSP would: recResponse3 (APROVADA,
// JORNADA_2 with dadosQR), cobRResponse3 (an EXPIRADA attempt and one
// AGENDADA), cobRResponse4 (CANCELADA by the receiver).
func TestSpecRecExamples(t *testing.T) {
	pki := pixapitest.NewPKI(t)
	file := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		send := func(status int, name string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(file(name))
		}
		switch r.URL.Path {
		case "/oauth/token":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"example","token_type":"bearer","expires_in":3600}`))
		case "/v2/rec/RN1234567820240115abcdefghijk":
			send(http.StatusOK, "spec_recResponse3.json")
		case "/v2/cobr/7f733863543b4a16b516d839bd4bc34e":
			send(http.StatusOK, "spec_cobRResponse3.json")
		case "/v2/cobr/517bd858b59d458a841280b0f0a60bfa":
			send(http.StatusOK, "spec_cobRResponse4.json")
		case "/v2/rec":
			send(http.StatusBadRequest, "spec_OperacaoInvalidaRecExample1.json")
		case "/v2/locrec":
			send(http.StatusCreated, "spec_payloadLocationRecResponse2.json")
		default:
			http.NotFound(w, r)
		}
	}))
	srv.TLS = pki.ServerTLS()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, err := pixapi.New(pixapi.Config{BaseURL: srv.URL + "/v2", TokenURL: srv.URL + "/oauth/token", ClientID: "id", ClientSecret: "secret",
		CertFile: pki.CertFile, KeyFile: pki.KeyFile, CAFile: pki.CAFile, Key: testKey, Recurring: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := c.Recurrence(ctx, "RN1234567820240115abcdefghijk")
	if err != nil || !r.Approved() || r.Journey != "JORNADA_2" || r.AmountCents != 30000 || r.Contract != "98625023" ||
		r.First != "2024-02-01" || r.Last != "2028-09-01" || r.Retry != pixapi.RetryNone || !strings.HasSuffix(r.Location, "2353c790eefb11eaadc10242ac120002") {
		t.Fatalf("recResponse3: %+v %v", r, err)
	}
	cr, err := c.Recurring(ctx, "7f733863543b4a16b516d839bd4bc34e")
	if err != nil || cr.Status != pixapi.CobRActive || cr.Failed() || cr.AmountCents != 5033 || len(cr.Attempts) != 2 ||
		cr.Attempts[0].Status != "EXPIRADA" || cr.Attempts[1].Kind != "NTAG" || cr.DueDate != "2024-06-20" {
		t.Fatalf("cobRResponse3: %+v %v", cr, err)
	}
	cancelled, err := c.Recurring(ctx, "517bd858b59d458a841280b0f0a60bfa")
	if err != nil || cancelled.Status != pixapi.CobRCancelled || !strings.Contains(cancelled.Reason, "SLCR") {
		t.Fatalf("cobRResponse4: %+v %v", cancelled, err)
	}
	_, err = c.CreateRecurrence(ctx, recurrence())
	var ae *pixapi.APIError
	if !errors.As(err, &ae) || ae.Kind() != "RecOperacaoInvalida" || ae.Violations[0].Property != "rec.calendario.dataInicial" {
		t.Fatalf("OperacaoInvalidaRecExample1: %v", err)
	}
}

// The spec's notification examples name what to read back; nothing else.
func TestParseRecWebhooks(t *testing.T) {
	ids, err := pixapi.ParseRecWebhook(readFile(t, "spec_recWebhookNotification1.json"))
	if err != nil || len(ids) != 1 || ids[0] != "RR1026652320240821lab77511abf" {
		t.Fatalf("%v %v", ids, err)
	}
	txids, err := pixapi.ParseCobRWebhook(readFile(t, "spec_cobRWebhookNotification1.json"))
	if err != nil || len(txids) != 1 || txids[0] != "3136957d93134f2184b369e8f1c0729d" {
		t.Fatalf("%v %v", txids, err)
	}
	for _, bad := range []string{`{}`, `[]`, `{"recs":[{"idRec":"short"}]}`, `nope`} {
		if _, err := pixapi.ParseRecWebhook([]byte(bad)); !errors.Is(err, pixapi.ErrMalformedRec) {
			t.Errorf("rec %s: %v", bad, err)
		}
	}
	for _, bad := range []string{`{}`, `{"cobsr":[{"txid":"x"}]}`, `{"recs":[]}`} {
		if _, err := pixapi.ParseCobRWebhook([]byte(bad)); !errors.Is(err, pixapi.ErrMalformedRec) {
			t.Errorf("cobr %s: %v", bad, err)
		}
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
