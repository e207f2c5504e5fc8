package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/quita-bot/quita/billing/asaas/asaastest"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage/redistest"
)

// serviceURL serves the service's routes on a real loopback listener, for
// fakes that call quita's webhooks over HTTP as the providers do.
func serviceURL(t testing.TB, s *service) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := httptest.NewRequest(r.Method, r.URL.RequestURI(), strings.NewReader(string(body)))
		req.Header = r.Header.Clone()
		resp, err := s.app.Test(req, 10000)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// startAsaasCreditor runs quita with one creditor billed through a fake Asaas.
func startAsaasCreditor(t testing.TB) (*service, *asaastest.Server) {
	t.Helper()
	r := redistest.New(t)
	fake := asaastest.New(t, "$aact_test_key")
	t.Setenv("QT_ASAAS_KEY", "$aact_test_key")
	t.Setenv("QT_ASAAS_WEBHOOK", "webhook-token-of-loja-asaas")
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.Demo, cfg.AdminToken = false, "admin-token-for-tests"
	cfg.ConfigFile = writeFile(t, "quita.yaml", `creditors:
  - id: loja-asaas
    name: Loja Asaas
    cnpj: 45.997.418/0001-53
    verification: cpf3
    billing:
      provider: asaas
      asaas:
        api_url: `+fake.APIURL()+`
        api_key_env: QT_ASAAS_KEY
        webhook_token_env: QT_ASAAS_WEBHOOK
`)
	s, _ := startService(t, cfg)
	fake.SetWebhook(serviceURL(t, s)+"/webhooks/asaas/loja-asaas", "webhook-token-of-loja-asaas")
	return s, fake
}

// A debtor asks for a segunda via: Asaas registers one charge (asked again,
// the same one), the debtor gets its linha digitável and its PIX (boleto
// híbrido), and when Asaas reports it paid, the debtor is thanked once and
// the reminders stop, however often the webhook is delivered; a forged
// delivery is refused and changes nothing.
func TestAsaasSegundaViaPaidByWebhook(t *testing.T) {
	s, fake := startAsaasCreditor(t)
	ctx := context.Background()
	const phone, debt = "+5511955552001", "asaas-1"
	seedDebtor(t, s, "loja-asaas", phone, debt, 45000)
	tr := converse(t, s, phone, "oi", "529", "me manda a segunda via do boleto")
	out := outText(tr)
	pays := fake.Payments()
	if len(pays) != 1 {
		t.Fatalf("Asaas has %d payments, want 1", len(pays))
	}
	line := linhaDigitavel.FindString(out)
	if line == "" || !strings.Contains(out, "br.gov.bcb.pix") || !strings.Contains(out, "/b/pdf/") {
		t.Fatalf("want the linha, the PIX payload and the bank's PDF link in one answer:\n%s", out)
	}
	simulatorSay(t, s, phone, "manda de novo o boleto")
	tr = waitTranscript(t, s, phone, len(tr)+2)
	if n := len(fake.CallsTo(http.MethodPost, "/payments")); n != 1 {
		t.Fatalf("%d POST /payments: a repeated request must reuse the live charge", n)
	}
	forged, err := fake.MarkPaid(pays[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	tr = waitThanks(t, s, phone)
	if code, err := fake.DeliverWithToken(forged, "not-the-token"); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("forged delivery answered %d %v, want 401", code, err)
	}
	if code, err := fake.Deliver(forged); err != nil || code != http.StatusOK {
		t.Fatalf("redelivery answered %d %v", code, err)
	}
	tr = simulatorTranscript(t, s, phone)
	if thanks := strings.Count(outText(tr), "Recebemos o seu pagamento"); thanks != 1 {
		t.Fatalf("thanked %d times:\n%s", thanks, outText(tr))
	}
	d, _ := s.store.Debt(ctx, debt)
	rs, _ := s.store.ReminderState(ctx, debt)
	charges, _ := s.store.DebtCharges(ctx, debt)
	if d.Status != dialogs.DebtPaid || rs.Stopped != "paid" || len(charges) != 1 || charges[0].State != payments.ChargePaid {
		t.Fatalf("debt %s, reminders %q, charges %+v", d.Status, rs.Stopped, charges)
	}
}

// Webhooks lost, then delivered out of order: a refund before the payment
// it undoes leaves the debt open; a payment no webhook reported is found by
// the reconciliation pass.
func TestAsaasLostAndOutOfOrderWebhooks(t *testing.T) {
	s, fake := startAsaasCreditor(t)
	ctx := context.Background()
	seedDebtor(t, s, "loja-asaas", "+5511955552002", "asaas-2", 30000)
	seedDebtor(t, s, "loja-asaas", "+5511955552003", "asaas-3", 20000)
	converse(t, s, "+5511955552002", "oi", "529", "quero a segunda via")
	converse(t, s, "+5511955552003", "oi", "529", "quero a segunda via")
	ids := map[string]string{}
	for _, c := range []string{"asaas-2", "asaas-3"} {
		chs, _ := s.store.DebtCharges(ctx, c)
		if len(chs) != 1 {
			t.Fatalf("%s: %d charges", c, len(chs))
		}
		ids[c] = chs[0].ProviderID
	}
	fake.HoldWebhooks(true)
	paid, err := fake.MarkPaid(ids["asaas-2"])
	if err != nil {
		t.Fatal(err)
	}
	refund, err := fake.Refund(ids["asaas-2"])
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []asaastest.Event{refund, paid} {
		if code, err := fake.Deliver(ev); err != nil || code != http.StatusOK {
			t.Fatalf("deliver %s: %d %v", ev.Type, code, err)
		}
	}
	if d, _ := s.store.Debt(ctx, "asaas-2"); d.Status == dialogs.DebtPaid {
		t.Fatalf("a refunded payment left the debt %s", d.Status)
	}
	if _, err := fake.MarkPaid(ids["asaas-3"]); err != nil { // its webhook is lost
		t.Fatal(err)
	}
	res, err := s.billing.LookupPass(ctx, 100)
	if err != nil || res.Applied < 1 {
		t.Fatalf("reconciliation: %+v %v", res, err)
	}
	if d, _ := s.store.Debt(ctx, "asaas-3"); d.Status != dialogs.DebtPaid {
		t.Fatalf("the payment no webhook reported left the debt %s", d.Status)
	}
	if res, _ := s.billing.LookupPass(ctx, 100); res.Applied != 0 {
		t.Errorf("a second pass applied %d again", res.Applied)
	}
}
