package nlu

import (
	"strings"
	"testing"
)

func canon(text string) string {
	var t tokenizer
	t.tokenize(text)
	var out []string
	for _, sp := range t.spans {
		w := string(t.buf[sp.a:sp.b])
		if sp.brk {
			w = "|" + w
		}
		if sp.glued {
			w = "+" + w
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

func TestTokenize(t *testing.T) {
	cases := map[string]string{
		"Não, SIMMMM!!! 👍":          "nao |sim |~ok",
		"obrigadoooo 🙏":             "obrigado ~pray",
		"R$ 1.250,50":               "r +$ 1.250,50",
		"R$150,00.":                 "r +$ +150,00",
		"dia 05/12/2026":            "dia 05/12/2026",
		"6x de 99,90":               "6 +x de 99,90",
		"2️⃣":                       "2",
		"don't":                     "dont",
		"I’ll pay":                  "il pay",
		"segunda-feira":             "segunda feira",
		"AÇÃO São João ñandú":       "acao sao joao nandu",
		"10th":                      "10 +th",
		"*pago* _sexta_":            "pago sexta",
		"oi\nquero o boleto":        "oi |quero o boleto",
		"kkkkkkk":                   "k",
		"isso":                      "iso",
		"vc q pq blz obg vlw tb hj": "vc q pq blz obg vlw tb hj",
	}
	for in, want := range cases {
		if got := canon(in); got != want {
			t.Errorf("canon(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAbbreviations(t *testing.T) {
	// the abbreviations expand to the words the lexicon uses
	cases := []struct {
		text string
		want Intent
	}{
		{"vc pode me mandar o boleto pfv", IntentAskBoleto},
		{"blz", IntentAffirm},
		{"obg", IntentThanksBye},
		{"vlw", IntentThanksBye},
		{"hj eu pago", IntentPromise},
		{"amanha eu pago", IntentPromise},
		{"qdo vence?", IntentDebtInfo},
		{"para de mandar msg", IntentOptOut},
		{"n consigo pagar", IntentHardship},
		{"tô desempregado", IntentHardship},
		{"nao quero mais msg cmg", IntentOptOut},
	}
	for _, c := range cases {
		if got := Classify(c.text, Options{Lang: "pt", Today: corpusToday}).Intent; got != c.want {
			t.Errorf("%q: %s, want %s", c.text, got, c.want)
		}
	}
}

func TestTypos(t *testing.T) {
	cases := map[string]int32{"bolteo": voc.ids["boleto"], "descadastar": voc.ids["descadastrar"], "pafar": 0, "xyzxyz": 0}
	for in, want := range cases {
		if got := correct([]byte(in)); got != want {
			t.Errorf("correct(%q) = %q, want %q", in, voc.words[got], voc.words[want])
		}
	}
}
