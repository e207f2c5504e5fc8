package pixapi_test

import (
	"context"
	"errors"
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

// specPSP serves the spec's own examples (testdata/spec_*.json, from
// openapi.yaml v2.9.0 of github.com/bacen/pix-api) over mutual TLS, for
// each path the client reads.
func specPSP(t *testing.T) *pixapi.Client {
	t.Helper()
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
		switch p := r.URL.Path; {
		case p == "/oauth/token":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"example","token_type":"bearer","expires_in":"3600"}`))
		case p == "/v2/cobv/7978c0c97ea847e78e8849634473c1f1" && r.Method == http.MethodGet:
			send(http.StatusOK, "spec_cobResponse4.json")
		case p == "/v2/cobv/7978c0c97ea847e78e8849634473c1f1" && r.Method == http.MethodPut:
			send(http.StatusCreated, "spec_cobResponse4.json")
		case p == "/v2/cobv/c3e0e7a4e7f1469a9f782d3d4999343c":
			send(http.StatusBadRequest, "spec_RequisicaoInvalidaCobVExample1.json")
		case p == "/v2/pix/E12345678202009091221abcdef12345":
			send(http.StatusOK, "spec_pixResponse1.json")
		case p == "/v2/pix":
			send(http.StatusOK, "spec_getPix1.json")
		default:
			http.NotFound(w, r)
		}
	}))
	srv.TLS = pki.ServerTLS()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, err := pixapi.New(pixapi.Config{BaseURL: srv.URL + "/v2", TokenURL: srv.URL + "/oauth/token", ClientID: "id", ClientSecret: "secret",
		CertFile: pki.CertFile, KeyFile: pki.KeyFile, CAFile: pki.CAFile, Key: "5f84a4c5-c5cb-4599-9f13-7eb4d419dacc"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// examples.cobResponse4 (a cobv ATIVA, no pix yet) reads as a registered
// charge; a PSP that answers PUT without pixCopiaECola, as that example
// does, still gives the debtor a code: a dynamic BR Code of its location.
func TestSpecCobResponse(t *testing.T) {
	c := specPSP(t)
	ctx := context.Background()
	st, err := c.Lookup(ctx, "7978c0c97ea847e78e8849634473c1f1")
	if err != nil || st.State != payments.ChargeRegistered || len(st.Payments) != 0 {
		t.Fatalf("%+v %v", st, err)
	}
	req := request()
	req.ChargeID, req.AmountCents, req.DiscountCents = "7978c0c97ea847e78e8849634473c1f1", 12345, 0
	ch, err := c.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	br, err := payments.ParsePix(ch.PixPayload)
	if err != nil || br.URL != "pix.example.com/qr/c2/cobv/9d36b84fc70b478fb95c12729b90ca25" || br.Name != "EMPRESA DE LOGISTICA SA" || br.City != "SAO PAULO" {
		t.Fatalf("code built from the location: %q %+v %v", ch.PixPayload, br, err)
	}
	if ch.PixLocation != br.URL || ch.ProviderID != req.ChargeID {
		t.Fatalf("charge %+v", ch)
	}
}

// examples.RequisicaoInvalidaCobVExample1 becomes an APIError with its
// TipoErro and violation.
func TestSpecProblem(t *testing.T) {
	c := specPSP(t)
	req := request()
	req.ChargeID = "c3e0e7a4e7f1469a9f782d3d4999343c"
	_, err := c.Issue(context.Background(), req)
	var ae *pixapi.APIError
	if !errors.As(err, &ae) || ae.Kind() != "CobVOperacaoInvalida" || len(ae.Violations) != 1 || ae.Violations[0].Property != "cobv.devedor" {
		t.Fatalf("%v", err)
	}
}

// examples.pixResponse1: 100,00 received; its devolução is still
// EM_PROCESSAMENTO, so nothing is counted back yet.
func TestSpecPixResponse(t *testing.T) {
	ps, err := specPSP(t).Confirm(context.Background(), "E12345678202009091221abcdef12345")
	if err != nil || len(ps) != 1 {
		t.Fatalf("%+v %v", ps, err)
	}
	want := payments.Payment{ID: "E12345678202009091221abcdef12345", Provider: pixapi.Name, ChargeID: "cd1fe328c875481285a6f233ae41b662",
		ProviderID: "cd1fe328c875481285a6f233ae41b662", Event: payments.PaymentReceived, AmountCents: 10000,
		At: time.Date(2020, 9, 10, 13, 3, 33, 902000000, time.UTC)}
	if !ps[0].At.Equal(want.At) || ps[0].ID != want.ID || ps[0].ChargeID != want.ChargeID || ps[0].AmountCents != want.AmountCents || ps[0].Event != want.Event {
		t.Fatalf("got %+v\nwant %+v", ps[0], want)
	}
}

// examples.getPix1: three Pix (100,00, 200,00 and a Pix Saque of 200,00).
func TestSpecGetPix(t *testing.T) {
	ps, err := specPSP(t).Received(context.Background(), time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 4, 1, 23, 59, 59, 0, time.UTC))
	if err != nil || len(ps) != 3 {
		t.Fatalf("%d %v", len(ps), err)
	}
	for i, want := range []int64{10000, 20000, 20000} {
		if ps[i].AmountCents != want || ps[i].Event != payments.PaymentReceived {
			t.Fatalf("pix %d: %+v", i, ps[i])
		}
	}
}

// The WebhookPixBody example (pixWebhook1, whose devolucoes is an object,
// and pixWebhook2) names two endToEndIds; malformed bodies are refused.
func TestParseWebhookSpecBody(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "spec_WebhookPixBody.json"))
	if err != nil {
		t.Fatal(err)
	}
	ns, err := pixapi.ParseWebhook(body)
	if err != nil || len(ns) != 2 || ns[0].EndToEndID != "E12345678202009091221kkkkkkkkkkk" || ns[1].Txid != "971122d8f37211eaadc10242ac120002" {
		t.Fatalf("%+v %v", ns, err)
	}
	for _, bad := range []string{`{}`, `[]`, `{"pix":[{"txid":"x"}]}`, `not json`} {
		if _, err := pixapi.ParseWebhook([]byte(bad)); !errors.Is(err, pixapi.ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if ns, err := pixapi.ParseWebhook([]byte(`{"pix":[]}`)); err != nil || len(ns) != 0 {
		t.Errorf("an empty list: %v %v", ns, err)
	}
	if !strings.Contains(string(body), `"devolucoes": {`) {
		t.Fatal("the fixture lost the spec's object-form devolucoes")
	}
}
