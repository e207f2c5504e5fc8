package dialogs

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// saoPaulo is the debtors' time zone in the tests.
var saoPaulo = zone("America/Sao_Paulo", "UTC")

// t0 is when every test conversation starts: Friday 2026-11-20, 10:00 in São Paulo.
var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, saoPaulo)

// phrase is one thing a debtor says, in each language, and what it means.
type phrase struct {
	pt, es, en string
	u          Understanding
}

// phrases are the debtor's lines the transcript tests use, by key.
var phrases = map[string]phrase{
	"hi":        {"oi", "hola", "hello", Understanding{Intent: IntentGreeting}},
	"boleto":    {"quero a segunda via do boleto", "quiero la segunda vía del boleto", "can you send me the boleto again", Understanding{Intent: IntentAskBoleto}},
	"pix":       {"me manda o pix", "mándame el pix", "send me the pix please", Understanding{Intent: IntentAskPix}},
	"negotiate": {"quero negociar", "quiero negociar", "I want to negotiate", Understanding{Intent: IntentNegotiate}},
	"12x":       {"dá pra fazer em 12x?", "¿se puede en 12 cuotas?", "can I do 12 installments?", Understanding{Intent: IntentNegotiate, Installments: 12}},
	"100/month": {"posso pagar 100 por mês", "puedo pagar 100 al mes", "I can pay 100 a month", Understanding{Intent: IntentNegotiate, AmountCents: 10000}},
	"in full":   {"quero pagar tudo à vista", "quiero pagar todo al contado", "I want to pay it all at once", Understanding{Intent: IntentPayInFull}},
	"promise":   {"vou pagar semana que vem", "voy a pagar la semana que viene", "I'll pay next week", Understanding{Intent: IntentPromiseToPay}},
	"day 25":    {"dia 25", "el día 25", "on the 25th", Understanding{Intent: IntentPromiseToPay, Date: "2026-11-25"}},
	"february":  {"só consigo em fevereiro, dia 1", "solo puedo el 1 de febrero", "only on February 1st", Understanding{Intent: IntentPromiseToPay, Date: "2027-02-01"}},
	"yesterday": {"paguei ontem, quer dizer, vou pagar dia 19", "el 19", "on the 19th", Understanding{Intent: IntentPromiseToPay, Date: "2026-11-19"}},
	"paid":      {"já paguei", "ya pagué", "I already paid", Understanding{Intent: IntentAlreadyPaid}},
	"dispute":   {"não reconheço essa compra", "no reconozco esa compra", "I don't recognise this purchase", Understanding{Intent: IntentDispute}},
	"hardship":  {"perdi o emprego, está difícil", "perdí el trabajo, está difícil", "I lost my job, it's hard", Understanding{Intent: IntentHardship}},
	"distress":  {"não aguento mais, não vejo saída", "ya no aguanto más, no veo salida", "I can't take it anymore, I see no way out", Understanding{Intent: IntentHardship, Flags: []string{FlagDistress}}},
	"human":     {"quero falar com um atendente", "quiero hablar con una persona", "I want to talk to a person", Understanding{Intent: IntentAskHuman}},
	"stop":      {"não quero mais receber mensagens", "no quiero recibir más mensajes", "stop messaging me", Understanding{Intent: IntentOptOut}},
	"wrong":     {"número errado, não conheço essa pessoa", "número equivocado, no conozco a esa persona", "wrong number, I don't know this person", Understanding{Intent: IntentWrongPerson}},
	"info":      {"quanto eu devo?", "¿cuánto debo?", "how much do I owe?", Understanding{Intent: IntentDebtInfo}},
	"scam":      {"isso é golpe?", "¿esto es una estafa?", "is this a scam?", Understanding{Intent: IntentScamConcern}},
	"yes":       {"sim, pode ser", "sí, está bien", "yes, that works", Understanding{Intent: IntentAffirm}},
	"no":        {"não, obrigado", "no, gracias", "no, thanks", Understanding{Intent: IntentDeny}},
	"bye":       {"obrigado, tchau", "gracias, chau", "thanks, bye", Understanding{Intent: IntentThanksBye}},
	"insult":    {"vocês são uns idiotas", "ustedes son unos idiotas", "you people are idiots", Understanding{Intent: IntentUnknown, Flags: []string{FlagAbusive}}},
	"rude pix":  {"manda logo a merda do pix", "manda el maldito pix", "send the damn pix", Understanding{Intent: IntentAskPix, Flags: []string{FlagAbusive}}},
	"lawsuit":   {"vou processar vocês", "los voy a demandar", "I'm going to sue you", Understanding{Intent: IntentUnknown, Flags: []string{FlagLegalThreat}}},
	"blah":      {"abacaxi azul", "piña azul", "blue pineapple", Understanding{Intent: IntentUnknown}},
	// Two requests in one message (issue 19, LABELS.md "What wins").
	"stop, friday": {"para de me ligar, pago sexta", "dejen de llamarme, pago el viernes", "stop calling me, I'll pay on Friday",
		Understanding{Intent: IntentPromiseToPay, Date: "2026-11-27", Flags: []string{FlagStopContact}}},
	"paid, procon": {"paguei semana passada, vou mandar o comprovante, e se continuarem cobrando vou no Procon",
		"pagué la semana pasada, mando el comprobante, y si siguen cobrando voy a Defensa del Consumidor",
		"I paid last week, I'll send the receipt, and if you keep charging me I'm going to Procon",
		Understanding{Intent: IntentAlreadyPaid, Flags: []string{FlagLegalThreat}}},
	"hospital, monday": {"to no hospital com minha mãe, segunda eu pago", "estoy en el hospital con mi mamá, el lunes pago",
		"I'm at the hospital with my mum, I'll pay on Monday", Understanding{Intent: IntentPromiseToPay, Date: "2026-11-23", Flags: []string{FlagDistress}}},
	"grief, stop": {"minha mãe morreu, me deixem em paz", "mi mamá murió, déjenme en paz", "my mother died, leave me alone",
		Understanding{Intent: IntentHardship, Flags: []string{FlagDistress, FlagStopContact}}},
	"no consent": {"não autorizo que entrem em contato comigo", "no autorizo que me contacten", "I do not authorise you to contact me",
		Understanding{Intent: IntentOptOut, Flags: []string{FlagStopContact}}},
}

// say is the text of a phrase in a language; any other text is said as is.
func say(key, lang string) string {
	p, ok := phrases[key]
	if !ok {
		return key
	}
	switch lang {
	case "es":
		return p.es
	case "en":
		return p.en
	}
	return p.pt
}

// fakeUnderstander knows the phrasebook, and the language each line is in.
type fakeUnderstander struct{}

func (fakeUnderstander) Understand(text, _ string, _ time.Time) Understanding {
	for _, p := range phrases {
		for lang, s := range map[string]string{"pt": p.pt, "es": p.es, "en": p.en} {
			if s == text {
				u := p.u
				u.Lang = lang
				return u
			}
		}
	}
	return Understanding{Intent: IntentUnknown}
}

// fakeCashier computes like a creditor with a 2% fine, 1% interest a month
// pro rata die, a 10% discount for paying in full, and plans of up to 10
// installments of at least R$ 50,00, the first due in 3 days.
type fakeCashier struct {
	fail bool // every call fails, like a payments outage
}

var errCashier = errors.New("payments: bank API timeout")

const linha = "23790.12345 60000.000003 00000.000000 1 16560000061400"

func (f fakeCashier) updated(d Debt, now time.Time) int64 {
	due, _ := time.ParseInLocation(time.DateOnly, d.DueDate, saoPaulo)
	days := int64(now.Sub(due).Hours() / 24)
	if days <= 0 {
		return d.AmountCents
	}
	return d.AmountCents + d.AmountCents*2/100 + d.AmountCents*days/3000
}

func due(now time.Time, days int) string { return now.AddDate(0, 0, days).Format(time.DateOnly) }

func (f fakeCashier) SegundaVia(c Case, d Debt, now time.Time) (Boleto, error) {
	return f.Boleto(c, d, f.updated(d, now), due(now, 3), now)
}

func (f fakeCashier) Boleto(c Case, d Debt, cents int64, dueDate string, now time.Time) (Boleto, error) {
	if f.fail {
		return Boleto{}, errCashier
	}
	return Boleto{Linha: linha, AmountCents: cents, DueDate: dueDate, Beneficiary: c.Creditor.Name, PDF: []byte("%PDF-1.4 fake")}, nil
}

func (f fakeCashier) Pix(c Case, d Debt, cents int64, now time.Time) (Pix, error) {
	if f.fail {
		return Pix{}, errCashier
	}
	if cents == 0 {
		cents = f.updated(d, now)
	}
	payload := fmt.Sprintf("00020126360014br.gov.bcb.pix0114+551199999999952040000530398654%02d%d.%02d5802BR5912LOJA EXEMPLO6009SAO PAULO62070503***6304ABCD",
		len(fmt.Sprintf("%d.%02d", cents/100, cents%100)), cents/100, cents%100)
	return Pix{Payload: payload, AmountCents: cents, QRPNG: []byte("\x89PNG fake")}, nil
}

func (f fakeCashier) Offers(c Case, d Debt, now time.Time) []Offer {
	if f.fail {
		return nil
	}
	total := f.updated(d, now)
	full := f.plan(total, 1, due(now, 3))
	full.DiscountCents = total / 10
	full.TotalCents -= full.DiscountCents
	full.InstallmentCents[0] = full.TotalCents
	return []Offer{full, f.plan(total, 3, due(now, 3)), f.plan(total, 6, due(now, 3)), f.plan(total, 10, due(now, 3))}
}

func (f fakeCashier) Nearest(c Case, d Debt, req PlanRequest, now time.Time) (Offer, error) {
	if f.fail {
		return Offer{}, errCashier
	}
	total := f.updated(d, now)
	n := req.Installments
	if req.MonthlyCents > 0 {
		n = int((total + req.MonthlyCents - 1) / req.MonthlyCents)
	}
	n = max(1, min(n, 10, int(total/5000)))
	first := due(now, 3)
	if req.FirstDue > first {
		first = req.FirstDue
	}
	if n == 1 && req.FirstDue == "" {
		return f.Offers(c, d, now)[0], nil
	}
	return f.plan(total, n, first), nil
}

// plan splits total into n monthly installments, the cents in the last.
func (f fakeCashier) plan(total int64, n int, first string) Offer {
	o := Offer{Installments: n, FirstDue: first, TotalCents: total}
	start, _ := time.Parse(time.DateOnly, first)
	for i := range n {
		cents := total / int64(n)
		if i == n-1 {
			cents = total - cents*int64(n-1)
		}
		o.InstallmentCents = append(o.InstallmentCents, cents)
		o.DueDates = append(o.DueDates, start.AddDate(0, i, 0).Format(time.DateOnly))
	}
	return o
}

// testCase is Ana's case: one open bill of R$ 600,00 due 10 days ago.
func testCase(lang string) *Case {
	return &Case{
		Creditor: Creditor{ID: "loja", Name: "Loja Exemplo", CNPJ: "12.345.678/0001-95",
			Phone: "(11) 3333-4444", Site: "loja.example", Verification: VerifyCPF3,
			BusinessHours: "de segunda a sexta, das 8h às 18h", TipURL: "https://loja.example/dicas"},
		Debtor: &Debtor{ID: "ana", Name: "ANA MARIA SOUZA", CPF: "123.456.789-09", BirthDate: "1985-03-10",
			Phones: []string{"+5511987650001"}, Language: lang, TimeZone: "America/Sao_Paulo"},
		Debts: []Debt{{ID: "d1", CreditorID: "loja", DebtorID: "ana", Invoice: "NF 1234", Description: "geladeira",
			AmountCents: 60000, DueDate: "2026-11-10", Status: DebtOpen}},
	}
}

// summarize writes actions compactly: a sent message as its catalog key, any
// other action as !kind:detail.
func summarize(acts []Action) string {
	var out []string
	for _, a := range acts {
		out = append(out, summary(a))
	}
	return strings.Join(out, " ")
}

func summary(a Action) string {
	switch a.Kind {
	case ActSend:
		s := a.Message.Template
		for _, f := range a.Message.Files {
			s += "[" + f.Kind + "]"
		}
		return s
	case ActHandoff:
		return fmt.Sprintf("!handoff:%s:%d", a.Reason, a.Priority)
	case ActCreateAgreement:
		return fmt.Sprintf("!agreement:%dx", a.Agreement.Installments)
	case ActRecordPromise:
		return "!promise:" + a.Date
	case ActPauseReminders:
		return "!pause:" + a.Until.In(saoPaulo).Format("2006-01-02T15:04")
	case ActStopReminders:
		return "!stop:" + a.Reason
	case ActOptOut:
		return "!optout:" + a.Channel
	case ActWrongNumber:
		return "!wrong"
	case ActAskFeedback:
		return "!askfeedback"
	case ActRecordFeedback:
		return fmt.Sprintf("!feedback:%d", a.Score)
	case ActOpenTask:
		s := "!task:" + a.Task
		if len(a.Media) > 0 {
			s += fmt.Sprintf("+%d", len(a.Media))
		}
		return s
	case ActSuspendDebt:
		return "!suspend"
	case ActOutcome:
		s := "!outcome:" + a.Reason
		if a.Step != "" {
			s += "@" + a.Step + "/" + a.Variant
		}
		return s
	}
	return "!" + string(a.Kind)
}
