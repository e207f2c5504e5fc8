package config

import (
	"strings"
	"testing"
)

func TestBillingProviderProblems(t *testing.T) {
	f := loadYAML(t, `
creditors:
  - id: lojinha
    name: Lojinha
    cnpj: "11222333000181"
    billing:
      provider: asaas
      asaas:
        api_url: https://api-sandbox.asaas.com/v3
        api_key_env: LOJINHA_ASAAS_KEY
        webhook_token_env: LOJINHA_ASAAS_WEBHOOK
  - id: banco
    name: Banco
    cnpj: "11222333000181"
    billing:
      provider: pix_api
      pix_api: {base_url: "https://pix.banco.example/api/v2"}
  - id: sem
    name: Sem
    cnpj: "11222333000181"
    billing: {provider: boleto_magico}
`)
	dir := NewDirectory(f)
	env := map[string]string{"LOJINHA_ASAAS_KEY": "$aact_secret"}
	bp, err := dir.BillingProvider("lojinha")
	if err != nil || bp.Provider != ProviderAsaas || bp.Asaas.APIKeyEnv != "LOJINHA_ASAAS_KEY" {
		t.Fatalf("%+v %v", bp, err)
	}
	got := strings.Join(bp.Problems(func(k string) string { return env[k] }), "\n")
	if !strings.Contains(got, "webhook_token_env names LOJINHA_ASAAS_WEBHOOK, which is not set") || strings.Contains(got, "$aact_secret") {
		t.Errorf("asaas problems: %s", got)
	}
	bp, _ = dir.BillingProvider("banco")
	got = strings.Join(bp.Problems(func(string) string { return "" }), "\n")
	for _, want := range []string{"token_url is required", "key is required", "client_id_env is required", "cert_file is required"} {
		if !strings.Contains(got, want) {
			t.Errorf("pix_api problems lack %q:\n%s", want, got)
		}
	}
	bp, _ = dir.BillingProvider("sem")
	if p := bp.Problems(nil); len(p) != 1 || !strings.Contains(p[0], `"boleto_magico" is unknown`) {
		t.Errorf("unknown provider: %v", p)
	}
	var errs int
	for _, p := range dir.BillingProblems() {
		if p.Severity == SevError {
			errs++
		}
	}
	if errs < 3 {
		t.Errorf("BillingProblems reports %d errors for three unusable providers", errs)
	}
}
