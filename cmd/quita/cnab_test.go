package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// cnabCreditorYAML is a creditor billing locally on a Banco do Brasil
// account: the one the billing/cnab/testdata retornos are for (agency
// 1234-3, account 567890-X, convênio 1234567, carteira 17 variação 019).
const cnabCreditorYAML = `creditors:
  - id: loja-bb
    name: Loja Exemplo
    cnpj: 11.222.333/0001-81
    address: Rua das Flores, 100, São Paulo - SP
    verification: cpf3
    boleto:
      bank: "001"
      agency: "1234"
      agency_digit: "3"
      account: "567890"
      account_digit: "X"
      convenio: "1234567"
      carteira: "17"
      variacao: "019"
      beneficiary_name: Loja Exemplo Ltda
`

// The retorno fixtures name these nossos números (convênio + sequence): a
// fresh Redis prefix numbers the creditor's first boleto 1.
const nnFirst, nnSecond, nnThird = "12345670000000001", "12345670000000002", "12345670000000003"

func retornoFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "billing", "cnab", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// patchRecord replaces positions from-to (1-based, FEBRABAN's) of a record.
func patchRecord(body string, line, from, to int, value string) string {
	lines := strings.Split(body, "\r\n")
	if len(value) != to-from+1 {
		panic(fmt.Sprintf("value %q does not fill %d-%d", value, from, to))
	}
	lines[line-1] = lines[line-1][:from-1] + value + lines[line-1][to:]
	return strings.Join(lines, "\r\n")
}

func cnabRun(t testing.TB, r *redistest.Server, cfgFile string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "--config", cfgFile, "--redis", r.URL, "--prefix", r.Prefix)
	err := cnabMain(context.Background(), args, &out, &errb, time.Now)
	return out.String() + errb.String(), err
}

func saveAddressedDebtor(t testing.TB, st *storage.Store, id, phone string, addr *dialogs.PostalAddress) {
	t.Helper()
	if err := st.SaveDebtor(context.Background(), dialogs.Debtor{ID: id, Name: "Rita de Cássia Alves", CPF: "52998224725", Phones: []string{phone},
		Language: "pt", TimeZone: "America/Sao_Paulo", Channel: "whatsapp", Address: addr}); err != nil {
		t.Fatal(err)
	}
}

// The whole life of a local boleto through quita serve and the two CNAB
// commands on its Redis: a debtor asks for a segunda via (computed here,
// "not yet registered"), the remessa carries it, the retorno's 02 makes it
// registered, its 06 settles the debt and thanks the debtor once, and the
// same retorno imported again counts nothing twice.
func TestCNABRoundTripThroughServe(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.Demo, cfg.AdminToken = false, "admin-token-for-tests"
	cfg.ConfigFile = writeFile(t, "quita.yaml", cnabCreditorYAML)
	t.Setenv("QUITA_SIMULATOR", "1") // the commands see the service's settings: its simulator carries the thanks
	s, _ := startService(t, cfg)
	ctx := context.Background()
	const phone, debt = "+5511955552001", "bb-1"
	saveAddressedDebtor(t, s.store, "debtor-bb-1", phone, &dialogs.PostalAddress{Street: "Rua das Laranjeiras, 100", District: "Jardim São Paulo", CEP: "02045-000", City: "São Paulo", State: "SP"})
	if err := s.store.SaveDebt(ctx, dialogs.Debt{ID: debt, CreditorID: "loja-bb", DebtorID: "debtor-bb-1", Invoice: "NF-1001", AmountCents: 45000,
		DueDate: time.Now().AddDate(0, 0, -20).Format(time.DateOnly), Status: dialogs.DebtOpen}); err != nil {
		t.Fatal(err)
	}
	tr := converse(t, s, phone, "oi", "529", "me manda a segunda via do boleto")
	if linhaDigitavel.FindString(outText(tr)) == "" || !strings.Contains(outText(tr), "sendo registrado no banco") {
		t.Fatalf("no linha, or no word that the bank does not know it yet:\n%s", outText(tr))
	}
	charges, _ := s.store.DebtCharges(ctx, debt)
	if len(charges) != 1 || charges[0].State != payments.ChargeUnregistered || charges[0].ProviderID != "1" {
		t.Fatalf("charges %+v: want one unregistered boleto, sequence 1 (nosso número %s)", charges, nnFirst)
	}
	ch := charges[0]

	// Remessa: the boleto, field by field where it matters, then marked.
	remPath := filepath.Join(t.TempDir(), "CBR0001.rem")
	out, err := cnabRun(t, r, cfg.ConfigFile, "remessa", "--creditor", "loja-bb", "--out", remPath)
	if err != nil {
		t.Fatalf("remessa: %v\n%s", err, out)
	}
	if !strings.Contains(out, "remessa 1 for creditor loja-bb") || !strings.Contains(out, "1 boletos to register, "+payments.FormatBRL(ch.AmountCents)) || !strings.Contains(out, "NOT payable until the bank confirms") {
		t.Fatalf("remessa summary:\n%s", out)
	}
	raw, err := os.ReadFile(remPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n")
	if len(lines) != 7 { // 0, 1, P, Q, R (2% fine), 5, 9
		t.Fatalf("%d records:\n%s", len(lines), raw)
	}
	p, q := lines[2], lines[3]
	if p[13:14] != "P" || p[37:57] != nnFirst+"   " || p[85:100] != fmt.Sprintf("%015d", ch.AmountCents) || p[62:77] != "NF-1001        " ||
		p[77:85] != ch.DueDate.Format("02012006") {
		t.Fatalf("segment P %q", p)
	}
	if q[13:14] != "Q" || q[33:73] != fmt.Sprintf("%-40s", "RITA DE CASSIA ALVES") || q[128:136] != "02045000" || q[151:153] != "SP" {
		t.Fatalf("segment Q %q", q)
	}
	if lines[4][13:14] != "R" || lines[4][74:89] != "000000000000200" {
		t.Fatalf("segment R %q", lines[4])
	}
	rec, _ := s.store.Charge(ctx, ch.ChargeID)
	if rec.Remessa != 1 || rec.State != payments.ChargeUnregistered {
		t.Fatalf("after the remessa: %+v, want remessa 1 and still unregistered", rec)
	}
	if unsent, _ := s.store.UnsentLocalCharges(ctx, "loja-bb"); len(unsent) != 0 {
		t.Fatalf("still unsent: %+v", unsent)
	}
	if out, err := cnabRun(t, r, cfg.ConfigFile, "remessa", "--creditor", "loja-bb", "--out", remPath+"2"); err != nil || !strings.Contains(out, "nothing written") {
		t.Fatalf("a second remessa: %v\n%s", err, out)
	}

	// Retorno 02: registered, payable.
	ret02 := writeFile(t, "ret02.ret", retornoFixture(t, "retorno_02_entrada_confirmada.ret"))
	out, err = cnabRun(t, r, cfg.ConfigFile, "retorno", ret02)
	if err != nil || !strings.Contains(out, "registered (payable now): 1") || !strings.Contains(out, nnSecond+" is no boleto of creditor loja-bb") {
		t.Fatalf("retorno 02: %v\n%s", err, out)
	}
	if rec, _ = s.store.Charge(ctx, ch.ChargeID); rec.State != payments.ChargeRegistered {
		t.Fatalf("after 02: %+v", rec)
	}

	// Retorno 06: paid the charge's amount, credited the next day.
	paid := patchRecord(retornoFixture(t, "retorno_06_liquidacao.ret"), 4, 78, 92, fmt.Sprintf("%015d", ch.AmountCents))
	ret06 := writeFile(t, "ret06.ret", paid)
	out, err = cnabRun(t, r, cfg.ConfigFile, "retorno", ret06)
	if err != nil || !strings.Contains(out, "paid, debt settled: 1") || !strings.Contains(out, "received: "+payments.FormatBRL(ch.AmountCents)) {
		t.Fatalf("retorno 06: %v\n%s", err, out)
	}
	// The command queued the thanks on the service's Redis before it
	// returned (the service sends it, at once or after quiet hours).
	if thanks := strings.Count(outText(simulatorTranscript(t, s, phone)), "Recebemos o seu pagamento"); thanks != 1 {
		t.Fatalf("thanked %d times:\n%s", thanks, outText(simulatorTranscript(t, s, phone)))
	}
	// The same file again: seen before, nothing counted twice.
	out, err = cnabRun(t, r, cfg.ConfigFile, "retorno", ret06)
	if err != nil || !strings.Contains(out, "payment seen before (not counted again): 1") || strings.Contains(out, "received:") {
		t.Fatalf("retorno 06 again: %v\n%s", err, out)
	}
	if thanks := strings.Count(outText(simulatorTranscript(t, s, phone)), "Recebemos o seu pagamento"); thanks != 1 {
		t.Fatalf("after the second import, thanked %d times", thanks)
	}
	rec, _ = s.store.Charge(ctx, ch.ChargeID)
	if rec.State != payments.ChargePaid || rec.ReceivedCents != ch.AmountCents || len(rec.Payments) != 1 || !rec.Settled {
		t.Fatalf("after two imports of 06: %+v", rec)
	}
	code, view := adminCall(t, s, http.MethodGet, "/api/v1/debts/"+debt, "")
	if code != 200 || view["status"] != dialogs.DebtPaid {
		t.Fatalf("GET debt: %d %v", code, view)
	}
	if rs, _ := s.store.ReminderState(ctx, debt); rs.Stopped != "paid" {
		t.Errorf("reminders not stopped: %+v", rs)
	}
}

// localCharge records a local boleto as the local provider leaves it.
func localCharge(t testing.TB, st *storage.Store, id, debt, seq string, cents int64) storage.ChargeRecord {
	t.Helper()
	now := time.Now().UTC()
	rec := storage.ChargeRecord{Charge: payments.Charge{ChargeID: id, Provider: "local", ProviderID: seq, Kind: payments.KindBoleto,
		State: payments.ChargeUnregistered, AmountCents: cents, DueDate: now.AddDate(0, 0, 3)},
		CreditorID: "loja-bb", DebtID: debt, CreatedAt: now, UpdatedAt: now}
	if err := st.SaveCharge(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// A debtor without a postal address is held back from the remessa (the bank
// would refuse it) with the field named; a rejected entry records the bank's
// reasons on the charge; a write-off cancels it; a retorno for another
// account or a malformed one imports nothing.
func TestCNABHeldBackRejectedWrittenOffAndRefused(t *testing.T) {
	r := redistest.New(t)
	st := r.Store()
	ctx := context.Background()
	cfgFile := writeFile(t, "quita.yaml", cnabCreditorYAML)
	saveAddressedDebtor(t, st, "d-addr", "+5511955552101", &dialogs.PostalAddress{Street: "Av. Brasil, 2000", CEP: "20040002", City: "Rio de Janeiro", State: "RJ"})
	saveAddressedDebtor(t, st, "d-none", "+5511955552102", nil)
	for _, d := range []dialogs.Debt{
		{ID: "debt-2", CreditorID: "loja-bb", DebtorID: "d-addr", Invoice: "NF-1002", AmountCents: 8000, DueDate: "2026-03-25", Status: dialogs.DebtOpen},
		{ID: "debt-3", CreditorID: "loja-bb", DebtorID: "d-none", Invoice: "NF-1003", AmountCents: 4500, DueDate: "2026-03-25", Status: dialogs.DebtOpen},
	} {
		if err := st.SaveDebt(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	second := localCharge(t, st, "QTSECONDCHARGE000000000001Q", "debt-2", "2", 8000)
	third := localCharge(t, st, "QTTHIRDCHARGE0000000000001Q", "debt-3", "3", 4500)

	remPath := filepath.Join(t.TempDir(), "r.rem")
	// A remessa already running for the creditor: this one refuses and writes nothing.
	if ok, err := st.TryLock(ctx, "cnab-remessa:loja-bb", "other-run", time.Minute); err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	if _, err := cnabRun(t, r, cfgFile, "remessa", "--creditor", "loja-bb", "--out", remPath); err == nil || !strings.Contains(err.Error(), "another quita cnab remessa is running") {
		t.Fatalf("concurrent remessa: %v", err)
	}
	if _, err := os.Stat(remPath); err == nil {
		t.Fatal("a refused remessa wrote a file")
	}
	if err := st.Unlock(ctx, "cnab-remessa:loja-bb", "other-run"); err != nil {
		t.Fatal(err)
	}
	out, err := cnabRun(t, r, cfgFile, "remessa", "--creditor", "loja-bb", "--out", remPath)
	if err != nil || !strings.Contains(out, "held back: charge "+third.ChargeID) || !strings.Contains(out, "no postal address") || !strings.Contains(out, "1 boletos to register") {
		t.Fatalf("remessa: %v\n%s", err, out)
	}
	if unsent, _ := st.UnsentLocalCharges(ctx, "loja-bb"); len(unsent) != 1 || unsent[0].ChargeID != third.ChargeID {
		t.Fatalf("the held-back boleto should still wait: %+v", unsent)
	}
	if _, err := cnabRun(t, r, cfgFile, "remessa", "--creditor", "loja-bb", "--out", remPath); err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Fatalf("overwrite: %v", err)
	}

	// The second is superseded (quita cancels it, as billing does for a new
	// amount): the next remessa asks the bank for its baixa, once.
	got, _ := st.Charge(ctx, second.ChargeID)
	got.State = payments.ChargeCancelled
	if err := st.SaveCharge(ctx, got); err != nil {
		t.Fatal(err)
	}
	offPath := filepath.Join(t.TempDir(), "off.rem")
	out, err = cnabRun(t, r, cfgFile, "remessa", "--creditor", "loja-bb", "--out", offPath)
	if err != nil || !strings.Contains(out, "remessa 2 ") || !strings.Contains(out, "0 boletos to register") || !strings.Contains(out, "1 superseded boletos to write off") {
		t.Fatalf("write-off remessa: %v\n%s", err, out)
	}
	raw, _ := os.ReadFile(offPath)
	lines := strings.Split(string(raw), "\r\n")
	if p := lines[2]; p[13:17] != "P 02" || p[37:57] != nnSecond+"   " || lines[3][13:17] != "Q 02" {
		t.Fatalf("write-off segments %q %q", lines[2], lines[3])
	}
	if got, _ = st.Charge(ctx, second.ChargeID); got.WriteOffRemessa != 2 || got.Remessa != 1 {
		t.Fatalf("after the write-off remessa %+v", got)
	}
	if offs, _ := st.WriteOffLocalCharges(ctx, "loja-bb"); len(offs) != 0 {
		t.Fatalf("still to write off: %+v", offs)
	}

	// 03 for the third, 09 (the bank's baixa) for the second.
	out, err = cnabRun(t, r, cfgFile, "retorno", writeFile(t, "03.ret", retornoFixture(t, "retorno_03_entrada_rejeitada.ret")), "--creditor", "loja-bb")
	if err != nil || !strings.Contains(out, "REJECTED boleto "+nnThird) || !strings.Contains(out, "48 CEP inválido; 47 endereço do pagador não informado") {
		t.Fatalf("retorno 03: %v\n%s", err, out)
	}
	got, _ = st.Charge(ctx, third.ChargeID)
	if got.State != payments.ChargeRejected || !strings.Contains(got.Problem, "48 CEP inválido") {
		t.Fatalf("rejected charge %+v", got)
	}
	if unsent, _ := st.UnsentLocalCharges(ctx, "loja-bb"); len(unsent) != 0 {
		t.Fatalf("a rejected boleto waits for a remessa: %+v", unsent)
	}
	out, err = cnabRun(t, r, cfgFile, "retorno", writeFile(t, "09.ret", retornoFixture(t, "retorno_09_baixa.ret")))
	if err != nil || !strings.Contains(out, "write-off, already cancelled: 1") {
		t.Fatalf("retorno 09: %v\n%s", err, out)
	}
	if got, _ = st.Charge(ctx, second.ChargeID); got.State != payments.ChargeCancelled {
		t.Fatalf("written-off charge %+v", got)
	}

	// A registered boleto the bank writes off by itself (decurso de prazo) is cancelled.
	first := localCharge(t, st, "QTFIRSTCHARGE0000000000001Q", "debt-2", "1", 8000)
	first.State, first.Remessa = payments.ChargeRegistered, 1
	if err := st.SaveCharge(ctx, first); err != nil {
		t.Fatal(err)
	}
	baixa := patchRecord(retornoFixture(t, "retorno_09_baixa.ret"), 3, 38, 57, nnFirst+"   ")
	out, err = cnabRun(t, r, cfgFile, "retorno", writeFile(t, "09b.ret", baixa))
	if err != nil || !strings.Contains(out, "written off (no longer payable): 1") {
		t.Fatalf("retorno 09 of a registered boleto: %v\n%s", err, out)
	}
	if got, _ = st.Charge(ctx, first.ChargeID); got.State != payments.ChargeCancelled || !got.WrittenOff {
		t.Fatalf("written-off registered charge %+v", got)
	}
	if offs, _ := st.WriteOffLocalCharges(ctx, "loja-bb"); len(offs) != 0 {
		t.Fatalf("a boleto the bank wrote off waits for a baixa: %+v", offs)
	}

	// Another account's retorno, and a malformed one: nothing imported.
	other := patchRecord(retornoFixture(t, "retorno_06_liquidacao.ret"), 1, 59, 70, "000000999999")
	if out, err := cnabRun(t, r, cfgFile, "retorno", writeFile(t, "other.ret", other), "--creditor", "loja-bb"); err == nil || !strings.Contains(err.Error(), "not for creditor loja-bb") {
		t.Fatalf("other account: %v\n%s", err, out)
	}
	bad := patchRecord(retornoFixture(t, "retorno_06_liquidacao.ret"), 5, 18, 23, "000009")
	if out, err := cnabRun(t, r, cfgFile, "retorno", writeFile(t, "bad.ret", bad)); err == nil || !strings.Contains(err.Error(), "line 5, field 05.5") {
		t.Fatalf("malformed: %v\n%s", err, out)
	}
}

// quita config check warns of a creditor whose local boletos no remessa
// could register: another bank than 001, or a BB contract missing a field.
func TestConfigCheckWarnsWhenCNABCannotRegister(t *testing.T) {
	yaml := strings.Replace(cnabCreditorYAML, `      variacao: "019"
`, "", 1) + `  - id: loja-itau
    name: Loja Itaú
    cnpj: 45.997.418/0001-53
    verification: cpf3
    boleto: {bank: "341", agency: "0057", account: "54321", carteira: "109", beneficiary_name: Loja Itau Ltda}
`
	var out bytes.Buffer
	if err := configCheck(&out, writeFile(t, "quita.yaml", yaml)); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"loja-bb: boletos cannot be registered by `quita cnab remessa`, so none is ever payable: Banco do Brasil: variação da carteira \"\" must be 3 digits",
		"loja-itau: boletos cannot be registered by `quita cnab remessa`, so none is ever payable: CNAB 240 remessa/retorno is implemented for Banco do Brasil (001) only",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config check output lacks %q:\n%s", want, out.String())
		}
	}
}
