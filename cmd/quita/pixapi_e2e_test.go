package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/billing/pixapi/pixapitest"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage/redistest"
)

const pixAPITestKey = "7d9f0335-8dcc-4054-9bf9-0dbd61d36906"

// startPixAPICreditor runs quita with one creditor whose PIX codes are
// cobranças com vencimento at a fake PSP (mutual TLS, OAuth2), the PSP's
// webhook pointed at quita.
func startPixAPICreditor(t testing.TB) (*service, *pixapitest.Server) {
	t.Helper()
	r := redistest.New(t)
	fake := pixapitest.New(t, pixapitest.Options{ClientID: "quita-loja-pix", ClientSecret: "pix-secret-of-loja", Key: pixAPITestKey})
	t.Setenv("QT_PIX_CLIENT_ID", "quita-loja-pix")
	t.Setenv("QT_PIX_CLIENT_SECRET", "pix-secret-of-loja")
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.Demo, cfg.AdminToken = false, "admin-token-for-tests"
	cfg.ConfigFile = writeFile(t, "quita.yaml", `creditors:
  - id: loja-pix
    name: Loja Pix
    cnpj: 45.997.418/0001-53
    verification: cpf3
    billing:
      provider: pix_api
      pix_api:
        base_url: `+fake.BaseURL()+`
        token_url: `+fake.TokenURL()+`
        client_id_env: QT_PIX_CLIENT_ID
        client_secret_env: QT_PIX_CLIENT_SECRET
        cert_file: `+fake.PKI.CertFile+`
        key_file: `+fake.PKI.KeyFile+`
        ca_file: `+fake.PKI.CAFile+`
        key: `+pixAPITestKey+`
`)
	s, _ := startService(t, cfg)
	fake.SetWebhook(serviceURL(t, s) + "/webhooks/pix-api/loja-pix")
	return s, fake
}

// askPix verifies the debtor and asks for a PIX code; it returns the
// transcript and the code sent.
func askPix(t testing.TB, s *service, phone string) ([]transcriptEntry, string) {
	t.Helper()
	tr := converse(t, s, phone, "oi", "529")
	simulatorSay(t, s, phone, "quero pagar no pix")
	tr = waitTranscript(t, s, phone, len(tr)+3)
	for _, e := range tr {
		if e.Direction == "out" && strings.HasPrefix(e.Text, "000201") {
			return tr, e.Text
		}
	}
	t.Fatalf("no PIX code sent:\n%s", outText(tr))
	return nil, ""
}

// A debtor asks for a PIX: the PSP registers one cobv (asked again, the
// same), the debtor gets its pixCopiaECola; a forged notification changes
// nothing; when the PSP reports it paid, the debtor is thanked once and
// the reminders stop, however often the webhook is delivered.
func TestPixAPIChargePaidByWebhook(t *testing.T) {
	s, fake := startPixAPICreditor(t)
	ctx := context.Background()
	const phone, debt = "+5511955553001", "pixapi-1"
	seedDebtor(t, s, "loja-pix", phone, debt, 45000)
	tr, code := askPix(t, s, phone)
	cobvs := fake.Cobvs()
	if len(cobvs) != 1 || cobvs[0].PixCopiaECola != code {
		t.Fatalf("PSP cobvs %+v, code sent %q", cobvs, code)
	}
	cv := cobvs[0]
	if cv.Devedor.CPF != "52998224725" || cv.Devedor.Nome != "Rita Alves" || cv.Chave != pixAPITestKey || !amountAtLeast(cv.Valor.Original, 45000) {
		t.Fatalf("cobv %+v", cv)
	}
	if br, err := payments.ParsePix(code); err != nil || br.URL != cv.Loc.Location {
		t.Fatalf("code %q: %+v %v", code, br, err)
	}
	simulatorSay(t, s, phone, "manda o pix de novo")
	tr = waitTranscript(t, s, phone, len(tr)+3)
	if n := len(fake.CallsTo(http.MethodPut, "/cobv/")); n != 1 {
		t.Fatalf("%d PUT /cobv: a repeated request must reuse the live charge", n)
	}
	// Forged: a well-formed endToEndId the PSP never saw, for the real txid.
	forged := fmt.Sprintf(`{"pix":[{"endToEndId":"E12345678%s99999999999","txid":%q,"valor":"450.00","horario":%q}]}`,
		time.Now().UTC().Format("200601021504"), cv.Txid, time.Now().UTC().Format(time.RFC3339))
	if code, err := fake.DeliverBody([]byte(forged)); err != nil || code != http.StatusOK {
		t.Fatalf("forged delivery answered %d %v", code, err)
	}
	if n := len(fake.CallsTo(http.MethodGet, "/pix/E12345678")); n != 1 {
		t.Fatalf("the forged endToEndId was asked of the PSP %d times, want 1", n)
	}
	if d, _ := s.store.Debt(ctx, debt); d.Status == dialogs.DebtPaid {
		t.Fatal("a forged notification settled the debt")
	}
	e2e, err := fake.Pay(cv.Txid) // the PSP calls the webhook
	if err != nil {
		t.Fatal(err)
	}
	tr = waitThanks(t, s, phone)
	if code, err := fake.Deliver(e2e); err != nil || code != http.StatusOK {
		t.Fatalf("redelivery answered %d %v", code, err)
	}
	if ds := fake.Deliveries(); len(ds) != 3 || ds[1].Status != http.StatusOK {
		t.Fatalf("deliveries %+v", ds)
	}
	tr = simulatorTranscript(t, s, phone)
	if thanks := strings.Count(outText(tr), "Recebemos o seu pagamento"); thanks != 1 {
		t.Fatalf("thanked %d times:\n%s", thanks, outText(tr))
	}
	d, _ := s.store.Debt(ctx, debt)
	rs, _ := s.store.ReminderState(ctx, debt)
	charges, _ := s.store.DebtCharges(ctx, debt)
	if d.Status != dialogs.DebtPaid || rs.Stopped != "paid" || len(charges) != 1 || charges[0].State != payments.ChargePaid ||
		charges[0].Provider != "pix_api" || charges[0].ProviderID != cv.Txid {
		t.Fatalf("debt %s, reminders %q, charges %+v", d.Status, rs.Stopped, charges)
	}
	if len(charges[0].Payments) != 1 || charges[0].Payments[0] != e2e+":received" {
		t.Fatalf("payments counted %v", charges[0].Payments)
	}
	// Provider calls: one token for the whole test (the charge, the
	// webhook's confirmations: one client per creditor), one PUT for two
	// requests, one GET /pix/{e2eid} per notified Pix.
	if tok, gets := fake.TokenCalls(), len(fake.CallsTo(http.MethodGet, "/pix/")); tok != 1 || gets != 3 {
		t.Fatalf("%d token requests, %d GET /pix/{e2eid}; want 1 and 3 (forged, paid, redelivered)", tok, gets)
	}
}

// A lost webhook: the backstop's GET /pix finds the payment, once. A
// refund reported before quita ever saw its payment leaves the debt open.
func TestPixAPILostWebhookFoundByBackstop(t *testing.T) {
	s, fake := startPixAPICreditor(t)
	ctx := context.Background()
	seedDebtor(t, s, "loja-pix", "+5511955553002", "pixapi-2", 30000)
	seedDebtor(t, s, "loja-pix", "+5511955553003", "pixapi-3", 20000)
	tr2, _ := askPix(t, s, "+5511955553002")
	askPix(t, s, "+5511955553003")
	txid := map[string]string{}
	for _, d := range []string{"pixapi-2", "pixapi-3"} {
		chs, _ := s.store.DebtCharges(ctx, d)
		if len(chs) != 1 {
			t.Fatalf("%s: %d charges", d, len(chs))
		}
		txid[d] = chs[0].ProviderID
	}
	fake.HoldWebhooks(true)
	if _, err := fake.Pay(txid["pixapi-2"]); err != nil {
		t.Fatal(err)
	}
	res, err := s.backstop.Pass(ctx, time.Now().Add(time.Second))
	if err != nil || res.Applied != 1 {
		t.Fatalf("backstop pass: %+v %v", res, err)
	}
	tr2 = waitThanks(t, s, "+5511955553002")
	if d, _ := s.store.Debt(ctx, "pixapi-2"); d.Status != dialogs.DebtPaid {
		t.Fatalf("the payment no webhook reported left the debt %s", d.Status)
	}
	if res, err := s.backstop.Pass(ctx, time.Now().Add(time.Second)); err != nil || res.Applied != 0 || res.Seen != 1 {
		t.Fatalf("a second pass: %+v %v", res, err)
	}
	if strings.Count(outText(simulatorTranscript(t, s, "+5511955553002")), "Recebemos o seu pagamento") != 1 {
		t.Fatalf("thanks:\n%s", outText(tr2))
	}
	// Paid and refunded while no webhook arrived; the refund's notice comes first.
	e2e, err := fake.Pay(txid["pixapi-3"])
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Refund(e2e); err != nil {
		t.Fatal(err)
	}
	if code, err := fake.Deliver(e2e); err != nil || code != http.StatusOK {
		t.Fatalf("deliver the refund: %d %v", code, err)
	}
	d, _ := s.store.Debt(ctx, "pixapi-3")
	chs, _ := s.store.DebtCharges(ctx, "pixapi-3")
	if d.Status == dialogs.DebtPaid || len(chs) != 1 || chs[0].NetCents() != 0 || len(chs[0].Payments) != 2 {
		t.Fatalf("after a refund: debt %s, charges %+v", d.Status, chs)
	}
	var body map[string]any
	_ = json.Unmarshal(fake.Deliveries()[len(fake.Deliveries())-1].Body, &body)
	if len(body["pix"].([]any)) != 1 {
		t.Fatalf("delivery body %v", body)
	}
}

func amountAtLeast(v string, cents int64) bool {
	got, err := payments.ParseAmount(v)
	return err == nil && got >= cents
}

// waitThanks polls the transcript until the debtor's thanks is in it,
// sent or queued (outside the contact window a message unasked waits for
// the morning; the thanks is still recorded once).
func waitThanks(t testing.TB, s *service, phone string) []transcriptEntry {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		tr := simulatorTranscript(t, s, phone)
		for _, e := range tr {
			// A receipt goes at once, at any hour (bot.OriginReceipt): delivered, not queued.
			if e.Direction == "out" && strings.Contains(e.Text, "Recebemos o seu pagamento") && e.Status != "queued" {
				return tr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no thanks delivered:\n%+v", tr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A creditor paid only by PIX (no boleto: account): the segunda via is a
// cobv too, its code and QR sent, and a PIX asked for next is the same
// charge; no linha digitável and no person needed.
func TestPixAPISegundaViaIsACobv(t *testing.T) {
	s, fake := startPixAPICreditor(t)
	ctx := context.Background()
	const phone, debt = "+5511955553004", "pixapi-4"
	seedDebtor(t, s, "loja-pix", phone, debt, 45000)
	tr := converse(t, s, phone, "oi", "529")
	simulatorSay(t, s, phone, "me manda a segunda via do boleto")
	tr = waitTranscript(t, s, phone, len(tr)+3)
	out := outText(tr)
	cobvs := fake.Cobvs()
	if len(cobvs) != 1 || !strings.Contains(out, cobvs[0].PixCopiaECola) || linhaDigitavel.MatchString(out) {
		t.Fatalf("cobvs %d; want its code and no linha:\n%s", len(cobvs), out)
	}
	if !sentImage(t, s, phone) {
		t.Fatalf("no QR image sent:\n%s", out)
	}
	simulatorSay(t, s, phone, "quero pagar no pix")
	waitTranscript(t, s, phone, len(tr)+3)
	if n := len(fake.CallsTo(http.MethodPut, "/cobv/")); n != 1 {
		t.Fatalf("%d PUT /cobv: the PIX request must reuse the segunda via's cobv", n)
	}
	if _, err := fake.Pay(cobvs[0].Txid); err != nil {
		t.Fatal(err)
	}
	waitThanks(t, s, phone)
	chs, _ := s.store.DebtCharges(ctx, debt)
	if d, _ := s.store.Debt(ctx, debt); d.Status != dialogs.DebtPaid || len(chs) != 1 || chs[0].Kind != payments.KindHybrid {
		t.Fatalf("debt %s, charges %+v", d.Status, chs)
	}
}

// sentImage reports whether any message to phone carried an image (a QR).
func sentImage(t testing.TB, s *service, phone string) bool {
	t.Helper()
	resp, err := s.app.Test(httptest.NewRequest(http.MethodGet, "/simulator/api/conversations/"+phone+"/messages", nil), 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var entries []struct {
		Attachments []struct {
			Kind string `json:"kind"`
		} `json:"attachments"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		for _, a := range e.Attachments {
			if a.Kind == "image" {
				return true
			}
		}
	}
	return false
}
