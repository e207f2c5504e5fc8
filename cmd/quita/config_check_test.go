package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage/redistest"
)

// A production start (REDIS_URL set) refuses the example file, a creditor
// with an example identity, and no creditor file at all; each error names
// the file, the creditor and the fix.
func TestProductionStartRefusesExampleIdentities(t *testing.T) {
	r := redistest.New(t)
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"the example file", "../../deploy/quita.example.yaml", []string{"../../deploy/quita.example.yaml", "marked example: true", "remove the example: line"}},
		{"an .example PIX key", writeFile(t, "a.yaml", "creditors:\n  - id: loja-real\n    name: Loja Real\n    cnpj: 45.997.418/0001-53\n    pix: {key: cobranca@loja.example, city: Recife}\n"),
			[]string{"creditor loja-real", `pix key "cobranca@loja.example"`, ".example"}},
		{"an .example site", writeFile(t, "b.yaml", "creditors:\n  - {id: loja-real, name: Loja Real, cnpj: 45.997.418/0001-53, site: https://loja.example}\n"),
			[]string{"creditor loja-real", `site "https://loja.example"`}},
		{"no creditor file", "", []string{"QUITA_CONFIG is not set", "deploy/quita.example.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, r.URL, r.Prefix)
			cfg.ConfigFile = tc.file
			s, err := newService(context.Background(), cfg, slog.New(slog.DiscardHandler), time.Now)
			if err == nil {
				s.shutdownStorage()
				t.Fatal("the service started")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestConfigCheck(t *testing.T) {
	var out strings.Builder
	err := configCheck(&out, "../../deploy/quita.example.yaml")
	if err == nil || !strings.Contains(err.Error(), "4 error(s)") {
		t.Fatalf("example file: err %v, want 4 errors\n%s", err, out.String())
	}
	for _, want := range []string{"creditor loja-exemplo (Loja Exemplo): boleto: cannot issue, pix: cannot issue",
		"ERROR file: the file is marked example: true", "ERROR creditor loja-exemplo: pix key \"pix@loja.example\"",
		"WARN  creditor loja-exemplo: cannot issue boletos: boleto: is marked example: true"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	good := writeFile(t, "good.yaml", `creditors:
  - id: loja-real
    name: Loja Real
    cnpj: 45.997.418/0001-53
    boleto: {bank: "237", agency: "1234", account: "0012345", carteira: "09"}
    pix: {key: 45997418000153, city: Recife}
  - {id: so-conversa, name: Só Conversa, cnpj: 11.222.333/0001-81}
`)
	if err := configCheck(&out, good); err != nil {
		t.Fatalf("good file: %v\n%s", err, out.String())
	}
	for _, want := range []string{"creditor loja-real (Loja Real): boleto: ok, pix: ok",
		"creditor so-conversa (Só Conversa): boleto: cannot issue, pix: cannot issue",
		"WARN  creditor so-conversa: cannot issue boletos: no boleto: section", "no errors"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	bad := writeFile(t, "bad.yaml", "creditors:\n  - id: x\n    name: X\n    cnpj: 45.997.418/0001-53\n    payments: {fine_percent: 5}\n")
	if err := configCheck(&out, bad); err == nil || !strings.Contains(out.String(), "ERROR creditor x: payments:") {
		t.Fatalf("bad policy: err %v\n%s", err, out.String())
	}
	if err := runConfig(context.Background(), []string{"check", "--config", ""}); err == nil || !strings.Contains(err.Error(), "--config FILE") {
		t.Fatalf("no file: %v", err)
	}
}

// config check reports an sms_encoding and prices it cannot use, naming the
// creditor and the fix; a start refuses the file the same way.
func TestConfigCheckReportsSMSEncodingAndPrices(t *testing.T) {
	path := writeFile(t, "sms.yaml", "creditors:\n  - id: loja-real\n    name: Loja Real\n    cnpj: 45.997.418/0001-53\n    sms_encoding: ascii\n    prices: {currency: BRL, whatsapp: {promo: 0.5}}\n")
	var out strings.Builder
	err := configCheck(&out, path)
	if err == nil || !strings.Contains(err.Error(), "2 error(s)") {
		t.Fatalf("err %v, want 2 errors\n%s", err, out.String())
	}
	for _, want := range []string{`ERROR creditor loja-real: sms_encoding "ascii": use gsm`, `ERROR creditor loja-real: prices: whatsapp: "promo" is no category`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, out.String())
		}
	}
}
