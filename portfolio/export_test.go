package portfolio

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// portfolioCSV has every column, in the forms people write them.
const portfolioCSV = `creditor,debtor_name,cpf,phone,phone2,email,channel,language,timezone,invoice,description,amount,due_date,purchase_date,payment_method,nosso_numero,birth_date,vip,delays,address,district,cep,city,state
loja-exemplo,Ana Souza,012.345.678-90,(11) 98765-0001,+1 415 555 2671,ana@example.com,whatsapp,pt,America/Sao_Paulo,NF-1,"Sofá 3 lugares; parcela 2/10","1.280,50",2026-12-10,10/08/2026,boleto,00012345,12/04/1988,sim,2,"Rua das Laranjeiras, 100",Jardim São Paulo,02045000,São Paulo,sp
loja-exemplo,Bruno Lima,100.200.300-88,21987650002,,,sms,,,NF-2,,99.9,2026-12-10,,,,,,,,,,,
loja-exemplo,Carla Dias,200.300.400-94,11987650003,,,,,,NF-3,,100,2026-12-10,,,,,,,,,,,
loja-exemplo,Davi Reis,300.400.500-09,11987650004,,,,,,NF-4,,600,2026-12-10,,,,,,,,,,,
loja-exemplo,Eva Melo,400.500.600-07,11987650005,,,,,,NF-5,,50,2026-12-10,,,,,,,,,,,
loja-exemplo,Fábio Cruz,500.600.700-13,11987650006,,,,,,NF-6,,50,2026-12-10,,,,,,,,,,,
loja-exemplo,Gabi Luz,600.700.800-20,11987650007,,,,,,NF-7,,50,2026-12-10,,,,,,,,,,,
outra-loja,Hugo Paz,700.800.900-36,1130000008,,,,,America/Manaus,NF-8,,50,2026-12-10,,,,,,,,,,,
`

// statusSheet is the export of portfolioCSV after each debtor's story
// (negotiate below), times in each debtor's zone (São Paulo unless said).
var statusSheet = "\ufeff" + strings.Join([]string{
	"credor;nome;cpf;telefone;telefone2;e-mail;canal;idioma;fuso;fatura;descrição;valor;vencimento;data da compra;forma de pagamento;nosso número;nascimento;vip;atrasos;endereço;bairro;cep;cidade;uf;situação;último contato;próximo lembrete",
	`loja-exemplo;Ana Souza;012.345.678-90;+55 11 98765-0001;+141 5555 2671;ana@example.com;whatsapp;pt;America/Sao_Paulo;NF-1;"Sofá 3 lugares; parcela 2/10";1.280,50;10/12/2026;10/08/2026;boleto;00012345;12/04/1988;sim;2;Rua das Laranjeiras, 100;Jardim São Paulo;02045-000;São Paulo;SP;não contatado;;09/12/2026 21:00`,
	"loja-exemplo;Bruno Lima;100.200.300-88;+55 21 98765-0002;;;sms;;;NF-2;;99,90;10/12/2026;;;;;não;;;;;;;contatado;20/11/2026 10:00;09/12/2026 21:00",
	"loja-exemplo;Carla Dias;200.300.400-94;+55 11 98765-0003;;;;;;NF-3;;100,00;10/12/2026;;;;;não;;;;;;;promessa para 15/12/2026;21/11/2026 12:30;09/12/2026 21:00",
	"loja-exemplo;Davi Reis;300.400.500-09;+55 11 98765-0004;;;;;;NF-4;;600,00;10/12/2026;;;;;não;;;;;;;acordo: 1 de 3 parcelas pagas;;09/12/2026 21:00",
	"loja-exemplo;Eva Melo;400.500.600-07;+55 11 98765-0005;;;;;;NF-5;;50,00;10/12/2026;;;;;não;;;;;;;paga em 24/11/2026;;",
	"loja-exemplo;Fábio Cruz;500.600.700-13;+55 11 98765-0006;;;;;;NF-6;;50,00;10/12/2026;;;;;não;;;;;;;contestada;;",
	"loja-exemplo;Gabi Luz;600.700.800-20;+55 11 98765-0007;;;;;;NF-7;;50,00;10/12/2026;;;;;não;;;;;;;não quer receber mensagens (opt-out);;",
	"outra-loja;Hugo Paz;700.800.900-36;+55 11 3000-0008;;;;;America/Manaus;NF-8;;50,00;10/12/2026;;;;;não;;;;;;;número errado;;09/12/2026 20:00",
}, "\r\n") + "\r\n"

func twoShops(st *storage.Store) *Importer {
	return &Importer{Store: st, Creditors: creditorsOnly("loja-exemplo", "outra-loja"), FirstReminder: firstAt}
}

func importAll(t *testing.T, st *storage.Store, data []byte, name string) Summary {
	t.Helper()
	sum, _ := importWith(t, twoShops(st), data, name, ReadOptions{})
	return sum
}

func export(t *testing.T, st *storage.Store, format, creditor string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := (&Exporter{Store: st}).Write(context.Background(), &buf, format, creditor); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// negotiate gives each debtor of portfolioCSV a story: Bruno was
// reminded, Carla promised in a chat, Davi agreed and paid one of three
// installments, Eva paid (through the scheduler, as the payments API),
// Fábio disputed, Gabi opted out, Hugo's only number is someone else's.
func negotiate(t *testing.T, st *storage.Store) {
	t.Helper()
	ctx := context.Background()
	id := func(creditor, invoice string) string {
		id, err := st.DebtByInvoice(ctx, creditor, invoice)
		if err != nil {
			t.Fatalf("%s: %v", invoice, err)
		}
		return id
	}
	state := func(invoice string, f func(r *storage.ReminderState)) {
		if _, err := st.UpdateReminderState(ctx, id("loja-exemplo", invoice), func(r *storage.ReminderState) error { f(r); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	state("NF-2", func(r *storage.ReminderState) {
		r.LastStep, r.LastAt = "d-3", time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)
	})
	state("NF-3", func(r *storage.ReminderState) { r.PromiseDate = "2026-12-15" })
	must(st.Redis().ZAdd(ctx, st.Keys().Conversations(), redis.Z{Score: float64(time.Date(2026, 11, 21, 15, 30, 0, 0, time.UTC).UnixMilli()), Member: "+5511987650003"}).Err())
	davi := id("loja-exemplo", "NF-4")
	must(st.SaveAgreement(ctx, storage.AgreementRecord{DebtID: davi, Installments: []storage.Installment{
		{DueDate: "2026-12-01", Cents: 20000, Paid: true}, {DueDate: "2027-01-01", Cents: 20000}, {DueDate: "2027-02-01", Cents: 20000}}}))
	_, err := st.SetDebtStatus(ctx, davi, dialogs.DebtAgreement)
	must(err)
	now := func() time.Time { return time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC) }
	b := bot.New(st, nil, config.NewDirectory(config.DemoFile()), slog.New(slog.DiscardHandler), now, bot.Options{})
	sched := bot.NewScheduler(b, &bot.Compliance{Store: st, Default: bot.PresetBR}, nil, bot.SchedulerOptions{})
	if res, err := sched.MarkPaid(ctx, bot.Payment{DebtID: id("loja-exemplo", "NF-5")}); err != nil || !res.DebtClosed {
		t.Fatalf("MarkPaid: %+v %v", res, err)
	}
	fabio := id("loja-exemplo", "NF-6")
	_, err = st.SetDebtStatus(ctx, fabio, dialogs.DebtDisputed)
	must(err)
	state("NF-6", func(r *storage.ReminderState) { r.Stopped = "dispute" })
	must(st.UnscheduleReminder(ctx, fabio))
	must(st.RecordOptOut(ctx, storage.OptOutRecord{Channel: channels.WhatsApp, Phone: "+5511987650007", At: now(), Message: "parem de mandar mensagem"}))
	state("NF-7", func(r *storage.ReminderState) { r.Stopped = dialogs.OutcomeOptOut })
	must(st.UnscheduleReminder(ctx, id("loja-exemplo", "NF-7")))
	hugo, err := st.DebtorByCPF(ctx, "70080090036")
	must(err)
	must(st.MarkWrongNumber(ctx, hugo.ID, "+551130000008"))
}

// TestStatusSheetRoundTrip: the export says each debt's state; imported
// again (CSV or XLSX) it changes nothing, so the next export is the same
// file; imported into an empty quita it brings back every value.
func TestStatusSheetRoundTrip(t *testing.T) {
	st := redistest.New(t).Store()
	if sum := importAll(t, st, []byte(portfolioCSV), "carteira.csv"); sum.Created != 8 || sum.Failed != 0 {
		t.Fatalf("import: %+v", sum)
	}
	negotiate(t, st)
	got := export(t, st, FormatCSV, "")
	if string(got) != statusSheet {
		t.Fatalf("export:\n%s\nwant:\n%s", got, statusSheet)
	}
	for _, format := range []string{FormatCSV, FormatXLSX} {
		file := export(t, st, format, "")
		if sum := importAll(t, st, file, "carteira."+format); sum.Created != 0 || sum.Updated != 8 || sum.Failed != 0 || len(sum.Errors) != 0 {
			t.Fatalf("%s imported again: %+v", format, sum)
		}
		if again := export(t, st, FormatCSV, ""); string(again) != statusSheet {
			t.Fatalf("export after importing the %s export:\n%s", format, again)
		}
		// Into an empty quita: the same values, no story yet.
		fresh := redistest.New(t).Store()
		if sum := importAll(t, fresh, file, "carteira."+format); sum.Created != 8 || sum.Failed != 0 {
			t.Fatalf("%s into an empty quita: %+v", format, sum)
		}
		want, have := strings.Split(statusSheet, "\r\n"), strings.Split(string(export(t, fresh, FormatCSV, "")), "\r\n")
		for i := range want {
			if w, h := importedPart(want[i]), importedPart(have[i]); w != h {
				t.Fatalf("%s into an empty quita, line %d:\n%s\nwant\n%s", format, i+1, h, w)
			}
		}
	}
	if one := export(t, st, FormatCSV, "outra-loja"); !strings.HasSuffix(string(one), "America/Manaus;NF-8;;50,00;10/12/2026;;;;;não;;;;;;;número errado;;09/12/2026 20:00\r\n") ||
		strings.Count(string(one), "\r\n") != 2 {
		t.Fatalf("--creditor outra-loja: %s", one)
	}
	if _, err := (&Exporter{Store: st}).Write(context.Background(), &bytes.Buffer{}, "pdf", ""); err == nil || err.Error() != `format "pdf": use csv or xlsx` {
		t.Fatalf("pdf: %v", err)
	}
}

// importedPart is a line of the sheet without its three state columns.
func importedPart(line string) string {
	for range 3 {
		if i := strings.LastIndex(line, ";"); i >= 0 {
			line = line[:i]
		}
	}
	return line
}
