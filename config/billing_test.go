package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadYAML(t *testing.T, text string) File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "quita.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A creditor with only id, name and CNPJ gets no account and no key: never
// the demo's, never the first creditor's.
func TestBillingNeverFallsBackToAnotherAccount(t *testing.T) {
	f := loadYAML(t, `
creditors:
  - id: first
    name: Primeira Loja
    cnpj: 11.222.333/0001-81
    boleto: {bank: "341", agency: "0057", account: "54321", carteira: "109"}
    pix: {key: 7d9f0335-8dcc-4054-9bf9-0dbd61d36906, city: Curitiba}
  - id: bare
    name: Loja Nova
    cnpj: 45.997.418/0001-53
`)
	dir := NewDirectory(f).AllowExamples()
	b, err := dir.Billing("bare")
	if err != nil {
		t.Fatal(err)
	}
	if b.Account.Bank != "" || b.Account.Agency != "" || b.Account.Account != "" || b.Pix.Key != "" {
		t.Fatalf("bare creditor got account %+v and key %q, want none", b.Account, b.Pix.Key)
	}
	if !strings.Contains(b.BoletoProblem, "no boleto: section") || !strings.Contains(b.PixProblem, "no pix: key") {
		t.Fatalf("problems = %q / %q, want the missing sections named", b.BoletoProblem, b.PixProblem)
	}
	if _, err := dir.Billing("nobody"); err == nil || !strings.Contains(err.Error(), `"nobody" is not in QUITA_CONFIG`) {
		t.Fatalf("unknown creditor: err %v, want one naming it (never the first creditor's billing)", err)
	}
	first, err := dir.Billing("first")
	if err != nil || first.BoletoProblem != "" || first.PixProblem != "" || first.Account.Account != "54321" {
		t.Fatalf("configured creditor: %+v, %v", first, err)
	}
	if first.Account.BeneficiaryName != "Primeira Loja" || first.Account.CNPJ != "11.222.333/0001-81" {
		t.Fatalf("beneficiary %+v, want the creditor's own name and CNPJ", first.Account)
	}
}

// The demo's identities issue documents in embedded demo mode only.
func TestDemoIdentitiesOnlyInDemoMode(t *testing.T) {
	f := DemoFile()
	if !f.Example {
		t.Fatal("the demo file is not marked example: true")
	}
	b, err := NewDirectory(f).Billing(DemoCreditorID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Account.Bank != "" || b.Pix.Key != "" || !strings.Contains(b.BoletoProblem, "example: true") || !strings.Contains(b.PixProblem, ".example") {
		t.Fatalf("outside demo mode the demo billing is %+v, want refused", b)
	}
	b, err = NewDirectory(f).AllowExamples().Billing(DemoCreditorID)
	if err != nil || b.BoletoProblem != "" || b.PixProblem != "" {
		t.Fatalf("demo mode: %+v, %v", b, err)
	}
	if b.Pix.Key != "pix@loja.example" || !b.Account.Example {
		t.Fatalf("demo identities %q / %+v, want the .example key and the account marked example", b.Pix.Key, b.Account)
	}
}

func TestReservedDomains(t *testing.T) {
	for in, want := range map[string]string{
		"pix@loja.example":                     ".example",
		"https://loja.example/contas":          ".example",
		"PIX@LOJA.EXAMPLE.":                    ".example",
		"cobranca@empresa.test":                ".test",
		"https://www.example.com":              "example.com",
		"contato@example.org":                  "example.org",
		"pix@loja-exemplo.com.br":              "",
		"https://myexample.com":                "",
		"7d9f0335-8dcc-4054-9bf9-0dbd61d36906": "",
		"+5511987650001":                       "",
		"11.222.333/0001-81":                   "",
	} {
		if got := reservedDomain(in); got != want {
			t.Errorf("reservedDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

// The shipped example file is refused for production, with every reason.
func TestExampleFileIsUnfitForProduction(t *testing.T) {
	f, err := LoadFile("../deploy/quita.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range f.ExampleProblems() {
		if p.Severity != SevError {
			t.Errorf("%v: severity %s, want error", p, p.Severity)
		}
		texts = append(texts, p.String())
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"file: the file is marked example: true", `creditor loja-exemplo: pix key "pix@loja.example"`,
		`creditor loja-exemplo: site "https://loja.example"`, "creditor loja-exemplo: boleto: is marked example: true"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems:\n%s\nwant one containing %q", all, want)
		}
	}
	if ps := loadYAML(t, "creditors:\n  - {id: a, name: A, cnpj: 11.222.333/0001-81, site: https://loja.com.br}\n").ExampleProblems(); len(ps) != 0 {
		t.Fatalf("a real-looking file has problems %v", ps)
	}
}
