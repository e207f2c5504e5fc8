package dialogs

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/golden")

// goldenLine is one event of a golden transcript: the debtor's text, media,
// or another event, at an offset from t0 (0: a minute after the previous).
type goldenLine struct {
	at    time.Duration
	text  string
	media []Media
	ev    *Event
}

// golden is a main path, written in full for a reader to judge the tone. The
// debtor's lines are real text in each language, read by the real
// classifier (package nlu).
type golden struct {
	name     string
	about    string
	verified bool
	setup    func(*Case)
	lines    map[string][]goldenLine // by language
}

func g(texts ...string) []goldenLine {
	out := make([]goldenLine, len(texts))
	for i, s := range texts {
		out[i] = goldenLine{text: s}
	}
	return out
}

var goldens = []golden{
	{name: "segunda_via", about: "first contact, identity, segunda via, feedback", lines: map[string][]goldenLine{
		"pt": g("oi, boa tarde", "123", "quero a segunda via do boleto", "5"),
		"es": g("hola, buenas tardes", "123", "quiero la segunda vía del boleto", "5"),
		"en": g("hi, good afternoon", "123", "can you send me the boleto again?", "5"),
	}},
	{name: "pix", about: "a PIX asked for before identity, answered after it", lines: map[string][]goldenLine{
		"pt": g("me manda o pix pra eu pagar", "123", "obrigado!"),
		"es": g("mándame el pix para pagar", "123", "¡gracias!"),
		"en": g("send me the pix so I can pay", "123", "thank you!"),
	}},
	{name: "negotiation", about: "plans, an installment count, confirmation, agreement, first boleto", verified: true, lines: map[string][]goldenLine{
		"pt": g("quero negociar", "dá pra fazer em 12x?", "posso pagar 100 por mês", "sim", "boleto", "4"),
		"es": g("quiero negociar", "¿se puede en 12 cuotas?", "puedo pagar 100 por mes", "sí", "boleto", "4"),
		"en": g("I want to negotiate", "can I do it in 12 installments?", "I can pay 100 a month", "yes", "boleto", "4"),
	}},
	{name: "promise", about: "a promise to pay on a date within the horizon", verified: true, lines: map[string][]goldenLine{
		"pt": g("vou pagar dia 25", "3"),
		"es": g("voy a pagar el día 25", "3"),
		"en": g("I will pay on the 25th", "3"),
	}},
	{name: "already_paid", about: "already paid, the receipt as an image", verified: true, lines: map[string][]goldenLine{
		"pt": {{text: "eu já paguei essa conta"}, {media: image}},
		"es": {{text: "ya pagué esa cuenta"}, {media: image}},
		"en": {{text: "I already paid this bill"}, {media: image}},
	}},
	{name: "dispute", about: "a dispute: suspended and handed to a person, silence, hand back", verified: true, lines: map[string][]goldenLine{
		"pt": {{text: "não reconheço essa cobrança, nunca comprei nessa loja"}, {text: "alô?"}, {at: 2 * time.Hour, ev: handBack(ResumeMenu)}},
		"es": {{text: "no reconozco este cobro, nunca compré en esa tienda"}, {text: "¿hola?"}, {at: 2 * time.Hour, ev: handBack(ResumeMenu)}},
		"en": {{text: "I don't recognise this charge, I never bought from this store"}, {text: "hello?"}, {at: 2 * time.Hour, ev: handBack(ResumeMenu)}},
	}},
	{name: "hardship_distress", about: "hardship, then distress: care and an urgent person", verified: true, lines: map[string][]goldenLine{
		"pt": g("perdi meu emprego e não tenho como pagar agora", "não aguento mais, às vezes penso em sumir"),
		"es": g("perdí mi trabajo y no tengo cómo pagar ahora", "ya no aguanto más, a veces pienso en desaparecer"),
		"en": g("I lost my job and I can't pay right now", "I can't take it anymore, sometimes I think about disappearing"),
	}},
	{name: "opt_out", about: "opt-out after a reminder; silence afterwards", lines: map[string][]goldenLine{
		"pt": {{ev: reminder("D+5", "a")}, {at: 3 * time.Hour, text: "não quero mais receber mensagens de vocês"}, {at: 27 * time.Hour, ev: reminder("D+7", "b")}},
		"es": {{ev: reminder("D+5", "a")}, {at: 3 * time.Hour, text: "no quiero recibir más mensajes de ustedes"}, {at: 27 * time.Hour, ev: reminder("D+7", "b")}},
		"en": {{ev: reminder("D+5", "a")}, {at: 3 * time.Hour, text: "stop sending me messages"}, {at: 27 * time.Hour, ev: reminder("D+7", "b")}},
	}},
	{name: "wrong_person", about: "the number is not the debtor's", lines: map[string][]goldenLine{
		"pt": g("oi, quem é?", "número errado, não conheço essa pessoa", "ok"),
		"es": g("hola, ¿quién es?", "número equivocado, no conozco a esa persona", "ok"),
		"en": g("hi, who is this?", "wrong number, I don't know this person", "ok"),
	}},
	{name: "scam_concern", about: "is this a scam? how to check, then identity", lines: map[string][]goldenLine{
		"pt": g("isso é golpe? como sei que vocês são da loja mesmo?", "123", "menu"),
		"es": g("¿esto es una estafa? ¿cómo sé que son de la tienda?", "123", "menú"),
		"en": g("is this a scam? how do I know you're really the store?", "123", "menu"),
	}},
}

func TestGolden(t *testing.T) {
	for _, gt := range goldens {
		for _, lang := range []string{"pt", "es", "en"} {
			name := gt.name + "." + lang + ".txt"
			t.Run(name, func(t *testing.T) {
				got := renderGolden(t, gt, lang)
				path := filepath.Join("testdata", "golden", name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v; run go test ./dialogs -update to write it", err)
				}
				if got != string(want) {
					t.Errorf("%s differs; if the change is intended, run go test ./dialogs -update and review the diff\n%s", path, firstDiff(string(want), got))
				}
			})
		}
	}
}

// renderGolden runs a golden path with the real classifier and writes it as
// "> debtor", "< bot", "! action", "~ event" lines.
func renderGolden(t *testing.T, gt golden, lang string) string {
	cs := testCase(lang)
	if gt.setup != nil {
		gt.setup(cs)
	}
	e := NewEngine(EngineConfig{Cashier: fakeCashier{}}) // the real nlu
	c := startConversation(transcript{verified: gt.verified})
	var b strings.Builder
	fmt.Fprintf(&b, "# %s (%s): %s\n", gt.name, lang, gt.about)
	fmt.Fprintf(&b, "# Ana Maria Souza, CPF 123.456.789-09; Loja Exemplo; bill NF 1234, R$ 600,00, due 2026-11-10%s\n",
		map[bool]string{true: "; verified earlier today", false: ""}[gt.verified])
	now := t0
	for i, l := range gt.lines[lang] {
		if l.at != 0 {
			now = t0.Add(l.at)
		} else if i > 0 {
			now = now.Add(time.Minute)
		}
		fmt.Fprintf(&b, "\n~ %s\n", now.Format("Mon 2006-01-02 15:04"))
		ev := Event{Kind: EventInbound, Channel: "whatsapp", Text: l.text, Media: l.media}
		if l.ev != nil {
			ev = *l.ev
			ev.Channel = "whatsapp"
			fmt.Fprintf(&b, "~ %s\n", describeEvent(ev))
		} else {
			if l.text != "" {
				fmt.Fprintf(&b, "> %s\n", l.text)
			}
			for _, m := range l.media {
				fmt.Fprintf(&b, "> [%s %s]\n", m.Kind, m.ContentType)
			}
		}
		ev.Case = cs
		var acts []Action
		var err error
		c, acts, err = e.Step(c, ev, now)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, a := range acts {
			b.WriteString(describeAction(a))
		}
		fmt.Fprintf(&b, "~ state %s\n", c.State)
	}
	return b.String()
}

func describeEvent(ev Event) string {
	s := string(ev.Kind)
	for _, kv := range [][2]string{{"step", ev.Step}, {"variant", ev.Variant}, {"resume", ev.Resume}} {
		if kv[1] != "" {
			s += " " + kv[0] + "=" + kv[1]
		}
	}
	return s
}

func describeAction(a Action) string {
	if a.Kind == ActSend {
		var files string
		for _, f := range a.Message.Files {
			files += fmt.Sprintf("[%s %s %s] ", f.Kind, f.Filename, f.ContentType)
		}
		return "< " + files + strings.ReplaceAll(a.Message.Text, "\n", "\n  ") + "\n"
	}
	s := "! " + string(a.Kind)
	add := func(k, v string) {
		if v != "" {
			s += " " + k + "=" + v
		}
	}
	add("reason", a.Reason)
	if a.Priority != 0 {
		add("priority", fmt.Sprint(a.Priority))
	}
	add("debt", a.DebtID)
	add("date", a.Date)
	if !a.Until.IsZero() {
		add("until", a.Until.In(saoPaulo).Format("2006-01-02 15:04 MST"))
	}
	add("channel", a.Channel)
	add("task", a.Task)
	if a.Score != 0 {
		add("score", fmt.Sprint(a.Score))
	}
	if ag := a.Agreement; ag != nil {
		add("plan", fmt.Sprintf("%dx total=%d first=%d@%s", ag.Installments, ag.TotalCents, ag.InstallmentCents[0], ag.DueDates[0]))
	}
	if len(a.Media) > 0 {
		add("media", a.Media[0].URL)
	}
	add("step", a.Step)
	add("variant", a.Variant)
	return s + "\n"
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, wl, gl)
		}
	}
	return ""
}
