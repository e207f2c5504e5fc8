package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage/redistest"
)

func writeFile(t testing.TB, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// linhaDigitavel matches a boleto's 47 digits, with or without its dots and spaces.
var linhaDigitavel = regexp.MustCompile(`\d{5}\.?\d{5}\s?\d{5}\.?\d{6}\s?\d{5}\.?\d{6}\s?\d\s?\d{14}`)

// A creditor configured with id, name and CNPJ only: a debtor who asks for a
// segunda via or a PIX gets neither the demo's linha, agency/account nor key
// (the regression of the wrong-account defect), but a kind word that a person
// will send the code, and the conversation goes to a person.
func TestCreditorWithoutBillingGetsNoOtherAccount(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.Demo = false
	cfg.ConfigFile = writeFile(t, "quita.yaml", "creditors:\n  - {id: loja-nova, name: Loja Nova, cnpj: 45.997.418/0001-53, verification: cpf3}\n")
	s, _ := startService(t, cfg)
	ctx := context.Background()
	today := time.Now().Format(time.DateOnly)
	for i, phone := range []string{"+5511955550001", "+5511955550002"} {
		id := []string{"nova-1", "nova-2"}[i]
		if err := s.store.SaveDebtor(ctx, dialogs.Debtor{ID: id, Name: "Rita Alves", CPF: "52998224725", Phones: []string{phone},
			Language: "pt", TimeZone: "America/Sao_Paulo", Channel: "whatsapp"}); err != nil {
			t.Fatal(err)
		}
		if err := s.store.SaveDebt(ctx, dialogs.Debt{ID: id + "-d", CreditorID: "loja-nova", DebtorID: id, Invoice: "NF-77",
			AmountCents: 45000, DueDate: time.Now().AddDate(0, 0, -20).Format(time.DateOnly), PurchaseDate: today, Status: dialogs.DebtOpen}); err != nil {
			t.Fatal(err)
		}
	}
	for phone, ask := range map[string]string{"+5511955550001": "me manda a segunda via do boleto", "+5511955550002": "quero pagar no pix"} {
		simulatorSay(t, s, phone, "oi")
		n := len(waitTranscript(t, s, phone, 2))
		simulatorSay(t, s, phone, "529")
		n = len(waitTranscript(t, s, phone, n+2))
		simulatorSay(t, s, phone, ask)
		tr := waitTranscript(t, s, phone, n+2)
		var out strings.Builder
		for _, e := range tr {
			if e.Direction == "out" {
				out.WriteString(e.Text + "\n")
			}
		}
		text := out.String()
		for _, leak := range []string{"pix@", "loja.example", "loja-exemplo", "12345", "1234", "br.gov.bcb.pix", "Loja Exemplo"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s: the bot sent %q:\n%s", phone, leak, text)
			}
		}
		if linhaDigitavel.MatchString(text) {
			t.Errorf("%s: the bot sent a linha digitável:\n%s", phone, text)
		}
		if last := tr[len(tr)-1]; !strings.Contains(last.Text, "uma pessoa da nossa equipe enviar o código de pagamento") {
			t.Errorf("%s: last reply %q, want the kind word that a person sends the code", phone, last.Text)
		}
		c, err := s.bot.Conversation(ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		if c.Handoff.Reason != dialogs.ReasonSendPayment || !c.Handoff.Active() {
			t.Errorf("%s: handoff %+v, want the conversation queued for a person to send the code", phone, c.Handoff)
		}
	}
}

// In embedded demo mode the demo creditor's PIX code carries only the
// unroutable .example key.
func TestDemoPixPayloadCarriesOnlyTheExampleKey(t *testing.T) {
	s, _ := startService(t, testConfig(t, "", "quita"))
	phone := "+5511987650001" // Ana, of the demo portfolio
	simulatorSay(t, s, phone, "oi")
	n := len(waitTranscript(t, s, phone, 2))
	simulatorSay(t, s, phone, "529")
	n = len(waitTranscript(t, s, phone, n+2))
	simulatorSay(t, s, phone, "quero pagar no pix")
	tr := waitTranscript(t, s, phone, n+3)
	var payload string
	for _, e := range tr {
		if strings.HasPrefix(e.Text, "000201") {
			payload = e.Text
		}
	}
	p, err := payments.ParsePix(payload)
	if err != nil {
		t.Fatalf("no PIX payload in the transcript (%v): %+v", err, tr)
	}
	if p.Key != "pix@loja.example" {
		t.Fatalf("demo PIX key %q, want pix@loja.example", p.Key)
	}
	if bytes.Contains([]byte(payload), []byte("loja-exemplo.com.br")) {
		t.Fatal("the demo payload names a registrable domain")
	}
}
