package locales

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// sample fills every placeholder the catalogs use.
func sample() map[string]any {
	return map[string]any{
		"name": "Ana", "creditor": "Loja Exemplo", "cnpj": "12.345.678/0001-95",
		"phone": "(11) 3333-4444", "site": "loja.example", "address": "Rua A, 1, São Paulo",
		"hours": "de segunda a sexta, das 8h às 18h", "amount": "R$ 614,00", "due": "23/11",
		"invoice": "NF 1234", "description": "geladeira", "total": "R$ 552,60", "discount": "R$ 61,40",
		"n": 6, "of": 6, "value": "R$ 102,34", "down": "R$ 100,00", "plan": "6x de R$ 102,34",
		"first_due": "23/11", "later": "20/12", "latest": "20/12", "date": "25/11",
		"url": "https://loja.example/dicas", "options": "1) à vista\n2) 3x",
		"line": "Samaritans", "line_phone": "116 123", "line_url": "samaritans.org",
	}
}

func TestEveryKeyInEveryLanguage(t *testing.T) {
	want := Keys(Default)
	if len(want) < 50 {
		t.Fatalf("the default catalog has only %d keys", len(want))
	}
	for _, lang := range Languages() {
		got := Keys(lang)
		for _, k := range want {
			if !slices.Contains(got, k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
		for _, k := range got {
			if !slices.Contains(want, k) {
				t.Errorf("%s has %q, which %s lacks", lang, k, Default)
			}
		}
	}
}

// noDebtor are the messages a number with no debtor behind it may get:
// they must read well without a name.
var noDebtor = []string{"unknown.greet", "unknown.again", "handoff.ask_human", "optout.ok", "wrong.sorry",
	"distress.care", "distress.cvv", "legal.handoff", "abuse.calm", "abuse.handoff", "media.audio", "media.file"}

var placeholder = regexp.MustCompile(`\.[a-z_]+`)

// TestSamePlaceholders catches a translation that drops a fact, such as the
// CNPJ that CDC art. 42-A requires, or the amount.
func TestSamePlaceholders(t *testing.T) {
	for _, k := range Keys(Default) {
		want := placeholders(catalogs[Default][k].Root.String())
		for _, lang := range Languages()[1:] {
			if got := placeholders(catalogs[lang][k].Root.String()); !slices.Equal(got, want) {
				t.Errorf("%s %q uses %v, %s uses %v", lang, k, got, Default, want)
			}
		}
	}
}

func placeholders(tpl string) []string {
	var out []string
	for _, m := range placeholder.FindAllString(tpl, -1) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

func TestEveryTemplateRenders(t *testing.T) {
	full := sample()
	sparse := sample() // optional facts a creditor or debtor may lack
	for _, k := range []string{"phone", "site", "hours", "description", "address"} {
		sparse[k] = ""
	}
	nameless := sample() // a number that belongs to no debtor: no name, maybe no creditor
	for _, k := range []string{"name", "creditor", "cnpj", "phone", "site", "hours"} {
		nameless[k] = ""
	}
	for _, lang := range Languages() {
		for _, k := range Keys(lang) {
			datas := []map[string]any{full, sparse}
			if slices.Contains(noDebtor, k) {
				datas = append(datas, nameless)
			}
			for _, data := range datas {
				s, err := Render(lang, k, data)
				if err != nil {
					t.Errorf("%v", err)
					continue
				}
				if strings.TrimSpace(s) == "" || strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
					t.Errorf("%s %q renders as %q", lang, k, s)
				}
				if strings.Contains(s, " ,") || strings.Contains(s, "  ") || strings.Contains(s, " .") {
					t.Errorf("%s %q has stray spacing: %q", lang, k, s)
				}
			}
		}
	}
	if _, err := Render("pt", "greet", map[string]any{"name": "Ana"}); err == nil {
		t.Error("a missing placeholder rendered without error")
	}
	if got := T("xx", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("T of a missing key = %q", got)
	}
}

// forbidden are words and phrases no message may contain. A "*" matches any
// word ending. Why each is here:
//   - threats, deadlines and pressure (CDC art. 42 and 71; Lei 14.181/2021
//     forbids pressure on the over-indebted): última chance, último aviso,
//     prazo final, urgente, imediatamente, consequências, medidas cabíveis;
//   - legal and credit-bureau threats the bot must never make, even when
//     true, because a person handles anything legal: processo/processar,
//     protesto/protestar, cartório, justiça, judicial, advogado, penhora,
//     bloqueio, SPC, Serasa, negativar/negativação, nome sujo;
//   - labels that shame the person instead of naming the bill: dívida,
//     devedor, inadimplente, calote, caloteiro, vergonha (the catalogs say
//     "conta" and "pagamento").
//
// Spanish and English lists carry the same ideas.
var forbidden = map[string][]string{
	"pt-BR": {"ultima chance", "ultimo aviso", "prazo final", "urgente", "imediatamente", "consequencia*",
		"medidas cabiveis", "process*", "protest*", "cartorio", "justica", "judicia*", "advogad*", "penhora",
		"bloque*", "spc", "serasa", "negativ*", "nome sujo", "divida*", "devedor*", "inadimplen*", "calote*",
		"caloteir*", "vergonha"},
	"es": {"ultima oportunidad", "ultima chance", "ultimo aviso", "plazo final", "urgente", "inmediatamente",
		"consecuencia*", "demanda*", "juicio", "judicial*", "abogad*", "tribunal*", "embargo*", "deuda*",
		"deudor*", "moros*", "buro", "spc", "serasa", "verguenza"},
	"en": {"last chance", "final notice", "final warning", "urgent*", "immediately", "consequence*", "lawsuit*",
		"sue", "sued", "court*", "attorney*", "lawyer*", "legal action", "garnish*", "debt", "debts", "debtor*",
		"delinquen*", "deadbeat*", "credit report*", "credit bureau*", "spc", "serasa", "shame*"},
}

func TestNoForbiddenWords(t *testing.T) {
	for _, lang := range Languages() {
		for _, k := range Keys(lang) {
			text := words(T(lang, k, sample()))
			for _, f := range forbidden[lang] {
				pat := " " + strings.TrimSuffix(f, "*")
				if !strings.HasSuffix(f, "*") {
					pat += " "
				}
				if strings.Contains(text, pat) {
					t.Errorf("%s %q contains %q: %s", lang, k, f, text)
				}
			}
		}
	}
}

// words lowercases, drops accents and turns punctuation into spaces.
func words(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	b.WriteByte(' ')
	return b.String()
}

var shouting = regexp.MustCompile(`\p{Lu}{3,}`)

// TestNoShouting: no capitals for emphasis, nor "!!" (CDC art. 42). Acronyms
// people know are fine.
func TestNoShouting(t *testing.T) {
	acronyms := []string{"CNPJ", "CPF", "PIX", "SMS", "PDF", "CVV", "QR"}
	for _, lang := range Languages() {
		for _, k := range Keys(lang) {
			s := T(lang, k, sample())
			for _, w := range shouting.FindAllString(s, -1) {
				if !slices.Contains(acronyms, w) {
					t.Errorf("%s %q shouts %q", lang, k, w)
				}
			}
			if strings.Contains(s, "!!") || strings.Contains(s, "??") {
				t.Errorf("%s %q: %q", lang, k, s)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"": "pt-BR", "pt": "pt-BR", "pt_BR": "pt-BR", "PT-br": "pt-BR",
		"es": "es", "es-AR": "es", "en": "en", "en-US": "en", "fr": "pt-BR"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMoneyAndDate(t *testing.T) {
	for _, c := range []struct {
		lang  string
		cents int64
		want  string
	}{
		{"pt", 61400, "R$ 614,00"}, {"pt", 5, "R$ 0,05"}, {"pt", 123456789, "R$ 1.234.567,89"},
		{"es", 100000, "R$ 1.000,00"}, {"en", 123456, "R$1,234.56"}, {"en", -1050, "-R$10.50"},
	} {
		if got := Money(c.lang, c.cents); got != c.want {
			t.Errorf("Money(%s, %d) = %q, want %q", c.lang, c.cents, got, c.want)
		}
	}
	d := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	if got := Date("pt", d); got != "27/11" {
		t.Errorf("Date pt = %q", got)
	}
	if got := Date("en", d); got != "Nov 27" {
		t.Errorf("Date en = %q", got)
	}
}
