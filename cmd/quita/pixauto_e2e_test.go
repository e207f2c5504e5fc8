package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/billing/pixapi/pixapitest"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// startPixAutoCreditor runs quita with a creditor whose PSP offers Pix
// Automático (billing.pix_api.recurring), its webhooks pointed at quita.
// The gate is the US preset (08–21 every day) and the debtor lives where
// it is midday now, so that the scheduler's proactive messages go at any
// hour the test runs.
func startPixAutoCreditor(t *testing.T) (*service, *pixapitest.Server) {
	t.Helper()
	r := redistest.New(t)
	fake := pixapitest.New(t, pixapitest.Options{ClientID: "quita-loja-auto", ClientSecret: "auto-secret", Key: pixAPITestKey, Recurring: true})
	t.Setenv("QT_PIXAUTO_ID", "quita-loja-auto")
	t.Setenv("QT_PIXAUTO_SECRET", "auto-secret")
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.Demo, cfg.AdminToken = false, "admin-token-for-tests"
	cfg.ConfigFile = writeFile(t, "quita.yaml", `creditors:
  - id: loja-auto
    name: Loja Auto
    cnpj: 45.997.418/0001-53
    verification: cpf3
    gate: {preset: us, daily_cap: 10, weekly_cap: 20}
    billing:
      provider: pix_api
      pix_api:
        base_url: `+fake.BaseURL()+`
        token_url: `+fake.TokenURL()+`
        client_id_env: QT_PIXAUTO_ID
        client_secret_env: QT_PIXAUTO_SECRET
        cert_file: `+fake.PKI.CertFile+`
        key_file: `+fake.PKI.KeyFile+`
        ca_file: `+fake.PKI.CAFile+`
        key: `+pixAPITestKey+`
        recurring: true
        recurring_account: {agencia: "9708", conta: "012682", tipo_conta: CORRENTE}
`)
	s, _ := startService(t, cfg)
	hook := serviceURL(t, s) + "/webhooks/pix-api/loja-auto"
	fake.SetWebhook(hook)
	fake.SetRecWebhooks(hook)
	return s, fake
}

// middayZone is a fixed-offset zone where it is about noon now.
func middayZone() string {
	off := 12 - time.Now().UTC().Hour() // hours east of UTC
	if off > 12 {
		off -= 24
	}
	if off == 0 {
		return "UTC"
	}
	return fmt.Sprintf("Etc/GMT%+d", -off) // Etc/GMT-3 is three hours east
}

// agreeInThree has the debtor agree to 3 installments in the chat and
// waits for the authorisation offer; it returns the rec the PSP holds.
func agreeInThree(t *testing.T, s *service, fake *pixapitest.Server, phone, debt string) (pixapitest.Rec, []transcriptEntry) {
	t.Helper()
	ctx := context.Background()
	seedDebtor(t, s, "loja-auto", phone, debt, 60000)
	d, _ := s.store.Debtor(ctx, "debtor-"+debt)
	d.TimeZone = middayZone()
	if err := s.store.SaveDebtor(ctx, d); err != nil {
		t.Fatal(err)
	}
	tr := converse(t, s, phone, "oi", "529", "quero negociar")
	simulatorSay(t, s, phone, "quero em 3x")
	tr = waitTranscript(t, s, phone, len(tr)+2)
	simulatorSay(t, s, phone, "sim")
	tr = waitFor(t, s, phone, "Pix Automático")
	recs := fake.Recs()
	if len(recs) != 1 {
		t.Fatalf("%d recs at the PSP:\n%s", len(recs), outText(tr))
	}
	return recs[0], tr
}

// waitFor polls the transcript until an outbound message contains text.
func waitFor(t *testing.T, s *service, phone, text string) []transcriptEntry {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		tr := simulatorTranscript(t, s, phone)
		for _, e := range tr {
			if e.Direction == "out" && strings.Contains(e.Text, text) && e.Status != "queued" {
				return tr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message with %q:\n%s", text, outText(tr))
		}
		time.Sleep(10 * time.Millisecond) // polls the transcript, as waitThanks does
	}
}

// bringForward moves installment n's due date to in days from now and the
// conversation's last message three hours back (the test cannot wait a
// month, nor the quiet period a reminder keeps after a conversation), and
// wakes the scheduler.
func bringForward(t *testing.T, s *service, phone, debt string, n, days int) storage.AgreementRecord {
	t.Helper()
	ctx := context.Background()
	ageConversation(t, s, phone)
	ag, err := s.store.UpdateAgreement(ctx, debt, func(a *storage.AgreementRecord) error {
		a.Installments[n-1].DueDate = time.Now().AddDate(0, 0, days).Format(time.DateOnly)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.ScheduleReminder(ctx, debt, time.Now()); err != nil {
		t.Fatal(err)
	}
	return ag
}

// ageConversation moves a conversation's last message three hours back.
func ageConversation(t *testing.T, s *service, phone string) {
	t.Helper()
	ctx := context.Background()
	key := s.store.Keys().State(phone)
	raw, err := s.store.Redis().Get(ctx, key).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var c dialogs.Conversation
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	c.UpdatedAt, c.LastIn = c.UpdatedAt.Add(-3*time.Hour), c.LastIn.Add(-3*time.Hour)
	if raw, err = json.Marshal(c); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Redis().Set(ctx, key, raw, 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// An agreement in 3 installments: the debtor is offered the automatic
// debit of installments 2 and 3 in one message and its code; the payer
// approves in their bank (the fake), quita reads the rec back; before
// installment 2 a courtesy notice goes instead of its reminders and its
// cobr is issued; the payer's PSP debits it, quita reads the cobr back and
// the installment settles once through billing.Apply, thanked once,
// however often the PSP notifies.
func TestPixAutomaticoAgreementDebited(t *testing.T) {
	s, fake := startPixAutoCreditor(t)
	ctx := context.Background()
	const phone, debt = "+5511955554001", "pixauto-1"
	rec, tr := agreeInThree(t, s, fake, phone, debt)
	ag, err := s.store.Agreement(ctx, debt)
	if err != nil || len(ag.Installments) != 3 || ag.AutoDebit == nil || ag.AutoDebit.State != storage.AutoDebitOffered {
		t.Fatalf("agreement %+v %v", ag, err)
	}
	in2, in3 := ag.Installments[1], ag.Installments[2]
	if ag.Installments[0].AutoDebit || !in2.AutoDebit || !in3.AutoDebit {
		t.Fatalf("plan: %+v", ag.Installments)
	}
	if rec.Vinculo.Contrato != debt || rec.Vinculo.Devedor.CPF != "52998224725" || rec.Calendario.Periodicidade != "MENSAL" ||
		rec.Calendario.DataInicial != in2.DueDate || rec.Calendario.DataFinal != in3.DueDate || rec.Valor.ValorRec != "" || // 208,01 then 208,02: a variable amount

		rec.PoliticaRetentativa != "NAO_PERMITE" || rec.Loc == nil {
		t.Fatalf("rec %+v", rec)
	}
	// One warm message, then the code alone: the rec's own QR (JORNADA_2).
	offer := -1
	for i, e := range tr {
		if e.Direction == "out" && strings.Contains(e.Text, "Pix Automático") {
			offer = i
			if !strings.Contains(e.Text, "autorizar uma única vez") || !strings.Contains(e.Text, payments.FormatBRL(in2.Cents)) {
				t.Fatalf("offer: %q", e.Text)
			}
		}
	}
	if offer < 0 || offer+1 >= len(tr) || !strings.Contains(tr[offer+1].Text, rec.Loc.Location) {
		t.Fatalf("the code does not follow the offer:\n%s", outText(tr))
	}
	if strings.Count(outText(tr), "Pix Automático") != 1 {
		t.Fatalf("offered more than once:\n%s", outText(tr))
	}

	if err := fake.Approve(rec.IDRec); err != nil { // the payer authorises in their bank app; /webhookrec is called
		t.Fatal(err)
	}
	if ag, _ := s.store.Agreement(ctx, debt); ag.AutoDebit.State != storage.AutoDebitApproved {
		t.Fatalf("after approval: %+v", ag.AutoDebit)
	}
	if n := len(fake.CallsTo(http.MethodGet, "/rec/"+rec.IDRec)); n < 2 {
		t.Fatalf("the approval was not read back from the PSP (%d GET /rec)", n)
	}

	bringForward(t, s, phone, debt, 2, 2) // installment 2 due in 2 days: its notice is due now
	tr = waitFor(t, s, phone, "será debitada pelo Pix Automático")
	cobrs := fake.CobRs()
	if len(cobrs) != 1 || cobrs[0].IDRec != rec.IDRec || cobrs[0].Valor.Original != payments.FormatAmount(in2.Cents) || !cobrs[0].AjusteDiaUtil ||
		cobrs[0].Recebedor.Conta != "012682" || cobrs[0].Status != "ATIVA" {
		t.Fatalf("cobrs %+v", cobrs)
	}
	txid := cobrs[0].Txid
	for _, e := range tr {
		if e.Direction == "out" && strings.Contains(e.Text, "parcela 2 de 3") && !strings.Contains(e.Text, "Pix Automático") {
			t.Fatalf("installment 2 was reminded besides its notice:\n%s", outText(tr))
		}
	}

	e2e, err := fake.Debit(txid) // the payer's PSP debits it; /webhookcobr is called
	if err != nil {
		t.Fatal(err)
	}
	tr = waitThanks(t, s, phone)
	body, _ := json.Marshal(map[string]any{"cobsr": []any{map[string]any{"idRec": rec.IDRec, "txid": txid, "status": "CONCLUIDA"}}})
	if status, err := fake.DeliverRecBody("cobr", body); err != nil || status != http.StatusOK {
		t.Fatalf("redelivery: %d %v", status, err)
	}
	// A forged notice of a txid quita never issued changes nothing.
	forged, _ := json.Marshal(map[string]any{"cobsr": []any{map[string]any{"idRec": rec.IDRec, "txid": "QTFORGED0000000000000000000Q", "status": "CONCLUIDA"}}})
	if status, err := fake.DeliverRecBody("cobr", forged); err != nil || status != http.StatusOK {
		t.Fatalf("forged: %d %v", status, err)
	}
	tr = simulatorTranscript(t, s, phone)
	if n := strings.Count(outText(tr), "Recebemos o seu pagamento"); n != 1 {
		t.Fatalf("thanked %d times:\n%s", n, outText(tr))
	}
	ag, _ = s.store.Agreement(ctx, debt)
	if !ag.Installments[1].Paid || ag.Installments[0].Paid || ag.Installments[2].Paid || !ag.Installments[1].Noticed {
		t.Fatalf("installments %+v", ag.Installments)
	}
	ch, err := s.store.Charge(ctx, txid)
	if err != nil || ch.State != payments.ChargePaid || !ch.Settled || len(ch.Payments) != 1 || ch.Payments[0] != e2e+":received" ||
		ch.Kind != payments.KindPixAutomatic || ch.Installment != 2 {
		t.Fatalf("charge %+v %v", ch, err)
	}
	if d, _ := s.store.Debt(ctx, debt); d.Status != dialogs.DebtAgreement {
		t.Fatalf("debt %s: the agreement goes on", d.Status)
	}
}

// A debit the payer's PSP refuses for good (REJEITADA): quita reads the
// cobr back and the installment falls back to the ordinary reminder,
// boleto or PIX, whose PIX is a cobv of its own.
func TestPixAutomaticoRejectedDebitFallsBack(t *testing.T) {
	s, fake := startPixAutoCreditor(t)
	ctx := context.Background()
	const phone, debt = "+5511955554002", "pixauto-2"
	rec, _ := agreeInThree(t, s, fake, phone, debt)
	if err := fake.Approve(rec.IDRec); err != nil {
		t.Fatal(err)
	}
	bringForward(t, s, phone, debt, 2, 2)
	waitFor(t, s, phone, "será debitada pelo Pix Automático")
	txid := fake.CobRs()[0].Txid
	ageConversation(t, s, phone) // the fallback is a reminder: it keeps the quiet period after the notice
	if err := fake.FailDebit(txid, "AM04", true, false); err != nil {
		t.Fatal(err)
	}
	tr := waitFor(t, s, phone, "não foi concluído pelo seu banco")
	ag, _ := s.store.Agreement(ctx, debt)
	if ag.Installments[1].DebitFailed == "" || ag.Installments[1].Paid || !strings.Contains(ag.Installments[1].DebitFailed, "REJEITADA") {
		t.Fatalf("installment 2: %+v", ag.Installments[1])
	}
	if ch, _ := s.store.Charge(ctx, txid); ch.State != payments.ChargeCancelled {
		t.Fatalf("the failed debit's charge: %+v", ch)
	}
	simulatorSay(t, s, phone, "2")
	tr = waitTranscript(t, s, phone, len(tr)+2)
	cobvs := fake.Cobvs()
	if len(cobvs) != 1 || cobvs[0].Valor.Original == "" {
		t.Fatalf("no cobv for the fallback PIX:\n%s", outText(tr))
	}
	if strings.Count(outText(tr), "não foi concluído") != 1 {
		t.Fatalf("the fallback was said more than once:\n%s", outText(tr))
	}
}

// A debtor whose installments are authorised disputes the debt after the
// next debit was issued: the authorisation and that debit are cancelled at
// the PSP before anything is taken, and the agreement's Pix Automático
// ends; a disputed debt is never debited.
func TestPixAutomaticoEndsWithADispute(t *testing.T) {
	s, fake := startPixAutoCreditor(t)
	ctx := context.Background()
	const phone, debt = "+5511955554003", "pixauto-3"
	rec, _ := agreeInThree(t, s, fake, phone, debt)
	if err := fake.Approve(rec.IDRec); err != nil {
		t.Fatal(err)
	}
	bringForward(t, s, phone, debt, 2, 2)
	waitFor(t, s, phone, "será debitada pelo Pix Automático")
	cobrs := fake.CobRs()
	if len(cobrs) != 1 || cobrs[0].Status != "ATIVA" {
		t.Fatalf("cobrs %+v", cobrs)
	}
	txid := cobrs[0].Txid

	simulatorSay(t, s, phone, "não reconheço essa dívida, nunca comprei nada aí")
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, _ := fake.Rec(rec.IDRec)
		c := fake.CobRs()
		ag, _ := s.store.Agreement(ctx, debt)
		if r.Status == "CANCELADA" && len(c) == 1 && c[0].Status == "CANCELADA" && ag.AutoDebit != nil && ag.AutoDebit.State == storage.AutoDebitEnded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the dispute: rec %s, cobrs %+v, agreement %+v", r.Status, c, ag.AutoDebit)
		}
		time.Sleep(10 * time.Millisecond) // polls the fake and the store, as waitFor does
	}
	if ch, err := s.store.Charge(ctx, txid); err != nil || ch.State != payments.ChargeCancelled {
		t.Fatalf("the debit's charge %+v %v: want cancelled", ch, err)
	}
	if _, err := fake.Debit(txid); err == nil {
		t.Fatal("the PSP still debited a cancelled cobr")
	}
	if d, _ := s.store.Debt(ctx, debt); d.Status != dialogs.DebtDisputed {
		t.Fatalf("debt %s, want disputed", d.Status)
	}
}
