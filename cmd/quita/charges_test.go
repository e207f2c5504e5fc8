package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage/redistest"
)

// seedDebtor writes one verified-able debtor (CPF 529…) with one overdue debt.
func seedDebtor(t testing.TB, s *service, creditor, phone, debtID string, cents int64) {
	t.Helper()
	ctx := context.Background()
	debtor := "debtor-" + debtID
	if err := s.store.SaveDebtor(ctx, dialogs.Debtor{ID: debtor, Name: "Rita Alves", CPF: "52998224725", Phones: []string{phone},
		Language: "pt", TimeZone: "America/Sao_Paulo", Channel: "whatsapp"}); err != nil {
		t.Fatal(err)
	}
	if err := s.store.SaveDebt(ctx, dialogs.Debt{ID: debtID, CreditorID: creditor, DebtorID: debtor, Invoice: "NF-" + debtID,
		AmountCents: cents, DueDate: time.Now().AddDate(0, 0, -20).Format(time.DateOnly), PurchaseDate: time.Now().AddDate(0, -2, 0).Format(time.DateOnly),
		Status: dialogs.DebtOpen}); err != nil {
		t.Fatal(err)
	}
}

// converse says each text in turn, waiting for the bot's answers, and
// returns the whole transcript.
func converse(t testing.TB, s *service, phone string, texts ...string) []transcriptEntry {
	t.Helper()
	var tr []transcriptEntry
	for _, text := range texts {
		simulatorSay(t, s, phone, text)
		tr = waitTranscript(t, s, phone, len(tr)+2)
	}
	return tr
}

func outText(tr []transcriptEntry) string {
	var b strings.Builder
	for _, e := range tr {
		if e.Direction == "out" {
			b.WriteString(e.Text + "\n")
		}
	}
	return b.String()
}

func adminCall(t testing.TB, s *service, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
	resp, err := s.app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// A local boleto asked for twice is one charge, sent with the warning that
// the bank does not know it yet; a payment reported twice thanks once, and
// the charge shows paid on GET /api/v1/debts/{id}.
func TestLocalChargeReusedAndPaidOnce(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.Demo, cfg.AdminToken = false, "admin-token-for-tests"
	s, _ := startService(t, cfg)
	ctx := context.Background()
	const phone, debt = "+5511955551001", "local-1"
	seedDebtor(t, s, "loja-exemplo", phone, debt, 45000)
	tr := converse(t, s, phone, "oi", "529", "me manda a segunda via do boleto")
	first := linhaDigitavel.FindString(outText(tr))
	if first == "" || !strings.Contains(outText(tr), "sendo registrado no banco") {
		t.Fatalf("no linha, or no word that the bank does not know it yet:\n%s", outText(tr))
	}
	simulatorSay(t, s, phone, "me manda o boleto de novo")
	tr = waitTranscript(t, s, phone, len(tr)+2)
	if got := linhaDigitavel.FindAllString(outText(tr), -1); len(got) < 2 || got[len(got)-1] != first {
		t.Fatalf("the second request sent another boleto: %v", got)
	}
	charges, err := s.store.DebtCharges(ctx, debt)
	if err != nil || len(charges) != 1 || charges[0].State != payments.ChargeUnregistered || charges[0].Provider != "local" {
		t.Fatalf("charges %+v %v: want one unregistered local charge", charges, err)
	}
	unsent, _ := s.store.UnsentLocalCharges(ctx, "loja-exemplo")
	if len(unsent) != 1 || unsent[0].ChargeID != charges[0].ChargeID {
		t.Fatalf("the boleto is not waiting for a CNAB remessa: %+v", unsent)
	}
	for range 2 {
		code, res := adminCall(t, s, http.MethodPost, "/api/v1/payments", `{"debt_id":"`+debt+`","reference":"extrato-881"}`)
		if code != 200 {
			t.Fatalf("POST /api/v1/payments: %d %v", code, res)
		}
	}
	tr = waitThanks(t, s, phone)
	if thanks := strings.Count(outText(tr), "Recebemos o seu pagamento"); thanks != 1 {
		t.Fatalf("thanked %d times:\n%s", thanks, outText(tr))
	}
	code, view := adminCall(t, s, http.MethodGet, "/api/v1/debts/"+debt, "")
	chs, _ := view["charges"].([]any)
	if code != 200 || view["status"] != dialogs.DebtPaid || len(chs) != 1 || chs[0].(map[string]any)["state"] != payments.ChargePaid {
		t.Fatalf("GET debt: %d %v", code, view)
	}
	if rs, _ := s.store.ReminderState(ctx, debt); rs.Stopped != "paid" {
		t.Errorf("reminders not stopped: %+v", rs)
	}
}
