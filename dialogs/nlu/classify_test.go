package nlu

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"", "oi", "pago sexta", "R$ 1.250,50", "05/12/2026", "2️⃣", "STOP", "não quero parar de receber o boleto",
		"6x de 99,90", "dia 31", "13/13", "99999999999999999999", "$", "r$", "1,", ",5", "x6", "10th of", "el", "on the", "daqui a",
		"'''", "don't", "ñ", "🙏🙏👍", "\x00\xff", strings.Repeat("a", 300), strings.Repeat("1.", 50)} {
		f.Add(s, "")
		f.Add(s, "en")
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		r := Classify(text, Options{Lang: lang, Today: corpusToday})
		if !r.Intent.Valid() {
			t.Fatalf("%q: intent %q is not one of the 18", text, r.Intent)
		}
		if r.Confidence < 0 || r.Confidence > 1 {
			t.Fatalf("%q: confidence %v outside [0,1]", text, r.Confidence)
		}
		if r.Flags == nil {
			t.Fatalf("%q: nil flags", text)
		}
		if r.Lang != "pt" && r.Lang != "es" && r.Lang != "en" {
			t.Fatalf("%q: lang %q", text, r.Lang)
		}
		if d := r.Entities.Date; d != "" && (len(d) != 10 || d[4] != '-' || d[7] != '-') {
			t.Fatalf("%q: date %q", text, d)
		}
		if utf8.ValidString(text) && r.Text != text {
			t.Fatalf("text not kept")
		}
	})
}

func TestIntentsList(t *testing.T) {
	want := "greeting ask_boleto ask_pix negotiate pay_in_full promise_to_pay already_paid dispute hardship ask_human " +
		"opt_out wrong_person debt_info scam_concern affirm deny thanks_bye unknown"
	var got []string
	for _, i := range Intents() {
		got = append(got, string(i))
	}
	if strings.Join(got, " ") != want {
		t.Errorf("Intents() = %v", got)
	}
}

// TestOptOut covers the legal rule: an opt-out word alone is always an
// opt-out, in any language and casing; wanting to leave a debt is not.
func TestOptOut(t *testing.T) {
	for _, lang := range []string{"", "pt", "es", "en"} {
		for _, s := range []string{"SAIR", "sair", "Sair.", "PARAR", "parar!!", "para", "PARE", "STOP", "stop", "Stop 🙏",
			"CANCELAR", "cancelar", "DESCADASTRAR", "UNSUBSCRIBE", "BAJA", "baja", "END", "QUIT", "CANCEL", "sairrr",
			"SAIR por favor", "quero sair", "pfv sair", "descadastar"} {
			if r := Classify(s, Options{Lang: lang, Today: corpusToday}); r.Intent != IntentOptOut {
				t.Errorf("lang %q %q: %s, want opt_out", lang, s, r.Intent)
			}
		}
	}
	for _, s := range []string{"não quero parar de receber o boleto", "quero sair dessa dívida", "como faço pra sair do serasa",
		"parei de trabalhar", "pra quando é o boleto?", "quero cancelar o acordo e fazer outro", "o app não para de travar",
		"pode parar de mandar boleto por email e mandar por aqui?", "nao precisa parar as mensagens, so quero mais prazo",
		"quero parar de pagar juros", "vou sair do trabalho e quito tudo"} {
		if r := Classify(s, Options{Lang: "pt", Today: corpusToday}); r.Intent == IntentOptOut {
			t.Errorf("%q: opt_out, want something else", s)
		}
	}
}

func TestFlags(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"minha mãe faleceu", []string{FlagDistress}},
		{"to internado no hospital", []string{FlagDistress}},
		{"às vezes penso em sumir", []string{FlagDistress}},
		{"não aguento mais", []string{FlagDistress}},
		{"seus ladrões, vão se foder", []string{FlagAbusive}},
		{"vtnc", []string{FlagAbusive}},
		{"vou no Procon e no Reclame Aqui", []string{FlagLegalThreat}},
		{"vou chamar meu advogado, seus idiotas", []string{FlagAbusive, FlagLegalThreat}},
		{"não vou no procon, só quero parcelar", []string{}},
		{"pago sexta", []string{}},
	}
	for _, c := range cases {
		r := Classify(c.text, Options{Lang: "pt", Today: corpusToday})
		if strings.Join(r.Flags, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q: flags %v, want %v", c.text, r.Flags, c.want)
		}
		for _, f := range c.want {
			if !r.Has(f) {
				t.Errorf("%q: Has(%s) false", c.text, f)
			}
		}
	}
}

func TestDetectLanguage(t *testing.T) {
	cases := map[string]string{
		"não consigo pagar esse mês": "pt", "vc pode me mandar o boleto": "pt", "ok": "pt", "": "pt",
		"no puedo pagar este mes": "es", "mañana le pago": "es", "¿cuánto debo?": "es",
		"i can't pay this month": "en", "what is this debt for?": "en",
	}
	for text, want := range cases {
		if got := DetectLanguage(text); got != want {
			t.Errorf("DetectLanguage(%q) = %s, want %s", text, got, want)
		}
	}
}

// TestJSON checks the CLI's wire shape: entity keys absent when not found,
// flags [] when none, the runner-up intents as alternatives.
func TestJSON(t *testing.T) {
	b, _ := json.Marshal(Classify("oi", Options{Lang: "pt", Today: corpusToday}))
	var got struct {
		Text, Lang, Intent string
		Confidence         float64
		Entities           map[string]any
		Flags              []string
		Alternatives       []Scored
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`"([a-z]+)":`).FindAllStringSubmatch(string(b), -1)
	var names []string
	for _, k := range keys {
		names = append(names, k[1])
	}
	if strings.Join(names, ",") != "text,lang,intent,confidence,entities,flags,alternatives,intent,confidence" && strings.Join(names, ",") != "text,lang,intent,confidence,entities,flags,alternatives" {
		t.Errorf("json keys %v: %s", names, b)
	}
	if got.Text != "oi" || got.Lang != "pt" || got.Intent != "greeting" || len(got.Entities) != 0 || got.Flags == nil || len(got.Flags) != 0 || got.Alternatives == nil {
		t.Errorf("json: %s", b)
	}
	sum := got.Confidence
	for _, a := range got.Alternatives {
		if a.Confidence > got.Confidence || a.Intent == "greeting" || !a.Intent.Valid() {
			t.Errorf("alternative %+v of %s", a, b)
		}
		sum += a.Confidence
	}
	if sum > 1.03 {
		t.Errorf("probabilities add up to %.2f: %s", sum, b)
	}
	b, _ = json.Marshal(Classify("pago 6x de R$ 150,00 a partir de sexta", Options{Lang: "pt", Today: corpusToday}))
	if !strings.Contains(string(b), `"entities":{"date":"2026-11-27","installments":6,"amount":150}`) {
		t.Errorf("json: %s", b)
	}
}

func TestConcurrent(t *testing.T) {
	corpus := loadCorpus(t)
	want := make([]Result, len(corpus))
	for i, ex := range corpus {
		want[i] = Classify(ex.text, Options{Today: corpusToday})
	}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i, ex := range corpus {
				if got := Classify(ex.text, Options{Today: corpusToday}); got.Intent != want[i].Intent || got.Entities != want[i].Entities {
					t.Errorf("%q: concurrent result differs", ex.text)
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func BenchmarkClassify(b *testing.B) {
	corpus := loadCorpus(b)
	texts := make([]string, len(corpus))
	for i, ex := range corpus {
		texts[i] = ex.text
	}
	opt := Options{Today: corpusToday}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Classify(texts[i%len(texts)], opt)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
