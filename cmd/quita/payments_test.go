package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/quita-bot/quita/billing/asaas/asaastest"
)

// `quita payments check` proves the credentials with one read call and
// prints what works, never the key; a wrong key fails with the reason.
func TestPaymentsCheckAsaas(t *testing.T) {
	fake := asaastest.New(t, "$aact_good_key")
	file := writeFile(t, "quita.yaml", `creditors:
  - id: loja-asaas
    name: Loja Asaas
    cnpj: 45.997.418/0001-53
    billing:
      provider: asaas
      asaas: {api_url: "`+fake.APIURL()+`", api_key_env: QT_CHECK_KEY, webhook_token_env: QT_CHECK_TOKEN}
`)
	t.Setenv("QT_CHECK_TOKEN", "tok")
	for key, ok := range map[string]bool{"$aact_good_key": true, "$aact_wrong_key": false} {
		t.Setenv("QT_CHECK_KEY", key)
		var out bytes.Buffer
		err := paymentsMain(context.Background(), []string{"check", "--creditor", "loja-asaas", "--config", file}, &out)
		if (err == nil) != ok || strings.Contains(out.String()+errText(err), key) {
			t.Errorf("key %s: err %v, output:\n%s", key, err, out.String())
		}
		if ok && !strings.Contains(out.String(), "ok   boleto: asaas answered") {
			t.Errorf("output:\n%s", out.String())
		}
	}
	if n := len(fake.CallsTo(http.MethodGet, "/customers")); n < 2 {
		t.Errorf("%d read calls, want one per check and kind", n)
	}
	var out bytes.Buffer
	err := paymentsMain(context.Background(), []string{"webhook", "--creditor", "loja-asaas", "--config", file, "--url", "https://quita.loja.com.br"}, &out)
	if err != nil || !strings.Contains(out.String(), "https://quita.loja.com.br/webhooks/asaas/loja-asaas") {
		t.Errorf("webhook: %v\n%s", err, out.String())
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
