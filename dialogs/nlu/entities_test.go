package nlu

import (
	"testing"
	"time"
)

// TestDates resolves dates against Thursday 2026-11-26 in São Paulo.
func TestDates(t *testing.T) {
	cases := []struct{ lang, text, want string }{
		{"pt", "pago sexta", "2026-11-27"},
		{"pt", "sexta-feira", "2026-11-27"},
		{"pt", "pago dia 10", "2026-12-10"},
		{"pt", "dia 26", "2026-11-26"}, // the same day of month is today
		{"pt", "dia 25", "2026-12-25"}, // a day already gone is next month's
		{"pt", "dia 31", "2026-11-30"}, // November has no 31st: its last day
		{"pt", "05/12", "2026-12-05"},
		{"pt", "5/12/26", "2026-12-05"},
		{"pt", "05/12/2026", "2026-12-05"},
		{"pt", "05/01", "2027-01-05"}, // no year: the next such date
		{"pt", "5 de dezembro", "2026-12-05"},
		{"pt", "dia 5 de dez", "2026-12-05"},
		{"pt", "semana que vem", "2026-11-30"},
		{"pt", "semana q vem", "2026-11-30"},
		{"pt", "amanhã", "2026-11-27"},
		{"pt", "amanha", "2026-11-27"},
		{"pt", "depois de amanhã", "2026-11-28"},
		{"pt", "hoje", "2026-11-26"},
		{"pt", "hj", "2026-11-26"},
		{"pt", "fim do mês", "2026-11-30"},
		{"pt", "final do mes", "2026-11-30"},
		{"pt", "próximo mês", "2026-12-01"},
		{"pt", "mês que vem", "2026-12-01"},
		{"pt", "fim do mês que vem", "2026-12-31"},
		{"pt", "quinta", "2026-12-03"}, // a weekday is never today
		{"pt", "sexta que vem", "2026-12-04"},
		{"pt", "próxima sexta", "2026-12-04"},
		{"pt", "segunda", "2026-11-30"},
		{"pt", "sabado", "2026-11-28"},
		{"pt", "dia 10 do mês que vem", "2026-12-10"},
		{"pt", "dia 30 do mes que vem", "2026-12-30"},
		{"pt", "daqui a 3 dias", "2026-11-29"},
		{"pt", "daqui uma semana", "2026-12-03"},
		{"pt", "dia primeiro", "2026-12-01"},
		{"pt", "dia dez", "2026-12-10"},
		{"pt", "fim de semana", "2026-11-28"},
		{"pt", "paguei dia 20", "2026-11-20"},               // already paid looks back
		{"pt", "paguei ontem", "2026-11-25"},                //
		{"pt", "paguei dia 20/11", "2026-11-20"},            //
		{"pt", "paguei segunda", "2026-11-23"},              //
		{"pt", "hoje nao da, amanha eu pago", "2026-11-27"}, // the date of the payment act
		{"pt", "manda a segunda via", ""},
		{"pt", "hoje de manhã eu pago", "2026-11-26"},
		{"es", "mañana", "2026-11-27"},
		{"es", "el viernes", "2026-11-27"},
		{"es", "el 10", "2026-12-10"},
		{"es", "el día 10", "2026-12-10"},
		{"es", "pasado mañana", "2026-11-28"},
		{"es", "el 5 de diciembre", "2026-12-05"},
		{"es", "05/12", "2026-12-05"},
		{"es", "la semana que viene", "2026-11-30"},
		{"es", "pago hoy por la mañana", "2026-11-26"},
		{"en", "tomorrow", "2026-11-27"},
		{"en", "friday", "2026-11-27"},
		{"en", "next week", "2026-11-30"},
		{"en", "on the 10th", "2026-12-10"},
		{"en", "the 10th", "2026-12-10"},
		{"en", "12/05", "2026-12-05"}, // en reads month/day
		{"en", "13/05", "2027-05-13"}, // impossible as month/day: day/month
		{"en", "december 5th", "2026-12-05"},
		{"en", "5 december", "2026-12-05"},
		{"en", "next friday", "2026-12-04"},
		{"en", "end of the month", "2026-11-30"},
		{"en", "in 3 days", "2026-11-29"},
		{"en", "i will pay the 3 payments", ""},
	}
	for _, c := range cases {
		got := Classify(c.text, Options{Lang: c.lang, Today: corpusToday}).Entities.Date
		if got != c.want {
			t.Errorf("[%s] %q: date %q, want %q", c.lang, c.text, got, c.want)
		}
	}
}

// TestDateTimeZone: today is the conversation's, not the server's.
func TestDateTimeZone(t *testing.T) {
	// 01:30 UTC on the 27th is still the 26th in São Paulo (UTC-3).
	inst := time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC).In(saoPaulo())
	if got := Classify("amanhã", Options{Lang: "pt", Today: inst}).Entities.Date; got != "2026-11-27" {
		t.Errorf("amanhã at 22:30 in São Paulo: %s, want 2026-11-27", got)
	}
	if got := Classify("amanhã", Options{Lang: "pt", Today: inst.UTC()}).Entities.Date; got != "2026-11-28" {
		t.Errorf("amanhã at 01:30 UTC: %s, want 2026-11-28", got)
	}
}

func TestInstallments(t *testing.T) {
	cases := []struct {
		lang, text string
		want       int
	}{
		{"pt", "6x", 6},
		{"pt", "parcela em 6x?", 6},
		{"pt", "6 x", 6},
		{"pt", "seis vezes", 6},
		{"pt", "dividir em 3", 3},
		{"pt", "em 10 parcelas", 10},
		{"pt", "parcelar em 12", 12},
		{"pt", "4x de 250", 4},
		{"pt", "pagar em 12 meses", 12},
		{"pt", "pagar de uma vez", 0},
		{"pt", "tenho 3 filhos", 0},
		{"es", "en 6 cuotas", 6},
		{"es", "en 6x", 6},
		{"es", "dividirlo en 3 pagos", 3},
		{"en", "split into 3", 3},
		{"en", "6 installments", 6},
		{"en", "in 4 payments", 4},
	}
	for _, c := range cases {
		if got := Classify(c.text, Options{Lang: c.lang, Today: corpusToday}).Entities.Installments; got != c.want {
			t.Errorf("[%s] %q: installments %d, want %d", c.lang, c.text, got, c.want)
		}
	}
}

func TestAmounts(t *testing.T) {
	cases := []struct {
		lang, text string
		cents      int64
	}{
		{"pt", "R$ 150,00", 15000},
		{"pt", "R$150", 15000},
		{"pt", "200 por mês", 20000},
		{"pt", "1.250,50", 125050},
		{"pt", "consigo 1.250,50", 125050},
		{"pt", "100 reais", 10000},
		{"pt", "R$ 1.250", 125000},
		{"pt", "2 mil reais", 200000},
		{"pt", "mil reais", 100000},
		{"pt", "150,5 reais", 15050},
		{"pt", "consigo pagar 300", 30000},
		{"pt", "300 de entrada", 30000},
		{"pt", "4x de 250", 25000},
		{"pt", "10 parcelas de R$ 99,90", 9990},
		{"pt", "150", 15000}, // a bare number above 20 answers "how much?"
		{"pt", "tenho 3 filhos", 0},
		{"pt", "meu cpf é 123.456.789-00", 0},
		{"pt", "pago dia 10", 0},
		{"pt", "pago amanhã às 10", 0},
		{"es", "puedo pagar 200 al mes", 20000},
		{"es", "$ 1.500", 150000},
		{"en", "$1,250.50", 125050},
		{"en", "i can do $100 a month", 10000},
		{"en", "100 dollars", 10000},
	}
	for _, c := range cases {
		e := Classify(c.text, Options{Lang: c.lang, Today: corpusToday}).Entities
		if e.AmountCents != c.cents || e.Amount != float64(c.cents)/100 {
			t.Errorf("[%s] %q: amount %d cents (%v), want %d", c.lang, c.text, e.AmountCents, e.Amount, c.cents)
		}
	}
}

func TestOptions(t *testing.T) {
	cases := []struct {
		lang, text string
		want       int
	}{
		{"pt", "2", 2},
		{"pt", " 2. ", 2},
		{"pt", "2️⃣", 2},
		{"pt", "opção 2", 2},
		{"pt", "opcao 2", 2},
		{"pt", "Opção 3 por favor", 3},
		{"pt", "segunda opção", 2},
		{"pt", "dia 2", 0},
		{"pt", "2x", 0},
		{"pt", "150", 0},
		{"es", "opción 1", 1},
		{"en", "option 3", 3},
	}
	for _, c := range cases {
		if got := Classify(c.text, Options{Lang: c.lang, Today: corpusToday}).Entities.Option; got != c.want {
			t.Errorf("[%s] %q: option %d, want %d", c.lang, c.text, got, c.want)
		}
	}
}

func TestParseMoney(t *testing.T) {
	cases := []struct {
		in    string
		cents int64
		ok    bool
	}{
		{"150", 15000, true}, {"150,00", 15000, true}, {"150.00", 15000, true}, {"1.250,50", 125050, true},
		{"1,250.50", 125050, true}, {"1.250", 125000, true}, {"12.345.678,90", 1234567890, true},
		{"150,5", 15050, true}, {"1.25.0", 0, false}, {"1,2345", 0, false}, {",50", 0, false},
	}
	for _, c := range cases {
		got, ok := parseMoney(c.in)
		if got != c.cents || ok != c.ok {
			t.Errorf("parseMoney(%q) = %d, %v; want %d, %v", c.in, got, ok, c.cents, c.ok)
		}
	}
}
