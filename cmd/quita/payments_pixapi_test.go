package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/quita-bot/quita/billing/pixapi/pixapitest"
)

// `quita payments check` for an API Pix creditor: a token over mutual TLS
// and one read call (GET /cobv), what works printed and never the secret;
// `quita payments webhook` registers PUT /webhook/{chave}.
func TestPaymentsCheckAndWebhookPixAPI(t *testing.T) {
	fake := pixapitest.New(t, pixapitest.Options{ClientID: "check-id", ClientSecret: "the-right-secret", Key: pixAPITestKey})
	file := writeFile(t, "quita.yaml", `creditors:
  - id: loja-pix
    name: Loja Pix
    cnpj: 45.997.418/0001-53
    billing:
      provider: pix_api
      pix_api:
        base_url: `+fake.BaseURL()+`
        token_url: `+fake.TokenURL()+`
        client_id_env: QT_CHECK_PIX_ID
        client_secret_env: QT_CHECK_PIX_SECRET
        cert_file: `+fake.PKI.CertFile+`
        key_file: `+fake.PKI.KeyFile+`
        ca_file: `+fake.PKI.CAFile+`
        key: `+pixAPITestKey+`
`)
	t.Setenv("QT_CHECK_PIX_ID", "check-id")
	for secret, ok := range map[string]bool{"the-right-secret": true, "a-wrong-secret": false} {
		t.Setenv("QT_CHECK_PIX_SECRET", secret)
		var out bytes.Buffer
		err := paymentsMain(context.Background(), []string{"check", "--creditor", "loja-pix", "--config", file}, &out)
		text := out.String() + errText(err)
		if (err == nil) != ok || strings.Contains(text, secret) {
			t.Errorf("secret %s: err %v, output:\n%s", secret, err, out.String())
		}
		if ok && (!strings.Contains(text, "ok   pix: pix_api answered") || !strings.Contains(text, "ok   boleto: pix_api answered")) {
			t.Errorf("output:\n%s", text)
		}
		if !ok && !strings.Contains(text, "invalid_client") {
			t.Errorf("a wrong secret, output:\n%s", text)
		}
	}
	if n := len(fake.CallsTo(http.MethodGet, "/cobv")); n != 2 {
		t.Errorf("%d GET /cobv, want one per kind of the good check", n)
	}
	var out bytes.Buffer
	t.Setenv("QT_CHECK_PIX_SECRET", "the-right-secret")
	err := paymentsMain(context.Background(), []string{"webhook", "--creditor", "loja-pix", "--config", file, "--url", "https://quita.loja.com.br/"}, &out)
	if err != nil || fake.WebhookURL() != "https://quita.loja.com.br/webhooks/pix-api/loja-pix" ||
		!strings.Contains(out.String(), "https://quita.loja.com.br/webhooks/pix-api/loja-pix/pix") {
		t.Errorf("webhook: %v, registered %q\n%s", err, fake.WebhookURL(), out.String())
	}
}
