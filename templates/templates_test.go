package templates

import (
	"encoding/json"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/locales"
)

var loja = dialogs.Creditor{ID: "loja-exemplo", Name: "Loja Exemplo", CNPJ: "12.345.678/0001-95",
	Phone: "+551130000000", Site: "https://loja-exemplo.example", BusinessHours: "seg a sex, 9h às 18h"}

func parse(t *testing.T, src string) Map {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	m, err := Parse(*n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const sid = "HX0123456789abcdef0123456789abcdef"

func TestParseForms(t *testing.T) {
	m := parse(t, `
reminder.due.a: {name: lembrete_hoje, language: pt_BR}
reminder.due.b: {name: lembrete_hoje_b, language: [pt_BR, es_MX]}
reminder.before.a:
  name: lembrete
  language: {pt-BR: pt_BR, en: en_GB}
  twilio_content_sid: {pt: `+sid+`}
nudge: {name: cutucada, twilio_content_sid: `+sid+`}
`)
	if got := m["reminder.due.a"].Language; !maps.Equal(got, Languages{"pt-BR": "pt_BR"}) {
		t.Errorf("one code: %v", got)
	}
	if got := m["reminder.due.b"].Language; !maps.Equal(got, Languages{"pt-BR": "pt_BR", "es": "es_MX"}) {
		t.Errorf("a list: %v", got)
	}
	b := m["reminder.before.a"]
	if b.Code("en") != "en_GB" || b.Code("pt") != "pt_BR" || b.Code("es") != "" || b.TwilioContentSID.For("pt-BR") != sid || b.TwilioContentSID.For("en") != "" {
		t.Errorf("a mapping: %+v", b)
	}
	n := m["nudge"]
	if n.Code("es") != "es" || n.Code("en") != "en_US" || n.Code("pt") != "pt_BR" || n.TwilioContentSID.For("es") != sid {
		t.Errorf("defaults: %+v", n)
	}
	if _, err := Parse(yaml.Node{Kind: yaml.ScalarNode, Value: "x"}); err == nil {
		t.Error("a scalar section parsed")
	}
}

// TestEveryProblem: each mistake an operator can make is reported with the
// creditor, the key and a fix; a right entry reports nothing.
func TestEveryProblem(t *testing.T) {
	tests := []struct {
		name  string
		entry string
		needs Needs
		want  string // in the one problem's text
	}{
		{"right", `reminder.due.a: {name: lembrete_hoje, category: utility, language: {pt-BR: pt_BR, es: es, en: en_US}}`, Needs{}, ""},
		{"name with a dot", `reminder.due.a: {name: reminder.due.a}`, Needs{}, `name "reminder.due.a": Meta takes only lowercase letters, digits and underscores, at most 512 (^[a-z0-9_]{1,512}$): write "reminder_due_a"`},
		{"name with capitals", `reminder.due.a: {name: Lembrete-Hoje}`, Needs{}, `write "lembrete_hoje"`},
		{"name too long", `reminder.due.a: {name: ` + strings.Repeat("a", 513) + `}`, Needs{}, "at most 512"},
		{"no name, no SID", `reminder.due.a: {category: utility}`, Needs{}, "needs the name it was approved with"},
		{"pt is no Meta code", `reminder.due.a: {name: x, language: pt}`, Needs{}, `language "pt" is not one of Meta's template languages (https://developers.facebook.com/docs/whatsapp/api/messages/message-templates#supported-languages): write pt_BR`},
		{"a hyphen", `reminder.due.a: {name: x, language: {en: en-US}}`, Needs{}, "write en_US"},
		{"a language quita does not speak", `reminder.due.a: {name: x, language: {fr: fr}}`, Needs{}, `language "fr": quita writes to debtors in pt-BR, es and en`},
		{"marketing reminder", `reminder.after.first.a: {name: x, category: marketing}`, Needs{}, "reminders and payment notices must be utility templates"},
		{"marketing payment thanks", `paid.confirmed: {name: x, category: MARKETING}`, Needs{}, "must be utility"},
		{"authentication nudge", `nudge: {name: x, category: authentication}`, Needs{}, "one-time passwords"},
		{"unknown category", `nudge: {name: x, category: service}`, Needs{}, `category "service": use utility, marketing or authentication`},
		{"unknown parameter", `nudge: {name: x, parameters: [nome]}`, Needs{}, `parameter "nome" is not a named value: use first_name, creditor_name`},
		{"parameter twice", `nudge: {name: x, language: pt_BR, parameters: [first_name, first_name]}`, Needs{}, "named twice"},
		{"a parameter short", `reminder.due.a: {name: x, language: pt_BR, parameters: [first_name]}`, Needs{}, "parameters names 1 values but the pt-BR catalog text has 2 placeholders; it writes amount, which parameters lacks"},
		{"a parameter the text never writes", `nudge: {name: x, language: pt_BR, parameters: [first_name, invoice]}`, Needs{}, "it never writes invoice (give the approved text in body: to use them)"},
		{"own body with a gap", `nudge: {name: x, language: pt_BR, parameters: [first_name, invoice], body: "Oi {{1}}, a fatura {{3}} venceu."}`, Needs{}, "the body has {{3}} but no {{2}}"},
		{"own body, count off", `nudge: {name: x, language: pt_BR, parameters: [first_name], body: "Oi {{1}}, a fatura {{2}} venceu."}`, Needs{}, "the body has 2 placeholders but parameters names 1 values"},
		{"own body starting with a placeholder", `nudge: {name: x, language: pt_BR, parameters: [first_name], body: "{{1}}, tudo bem?"}`, Needs{}, "the body starts with a placeholder"},
		{"own body with placeholders side by side", `nudge: {name: x, language: pt_BR, parameters: [first_name, invoice], body: "Oi {{1}} {{2}}, tudo bem?"}`, Needs{}, "side by side"},
		{"own body too long", `nudge: {name: x, language: pt_BR, body: "` + strings.Repeat("a", 1025) + `"}`, Needs{}, "1025 characters, Meta takes at most 1024"},
		{"button too long", `nudge: {name: x, buttons: [{text: "Quero falar com uma pessoa agora", intent: ask_human}]}`, Needs{}, "a quick-reply label has 1 to 25 characters"},
		{"button twice", `nudge: {name: x, buttons: [{text: Boleto, intent: ask_boleto}, {text: Boleto, intent: ask_pix}]}`, Needs{}, "appears twice"},
		{"button intent", `nudge: {name: x, buttons: [{text: Oi, intent: greeting}]}`, Needs{}, `intent "greeting" is not one a button can carry`},
		{"eleven buttons", `nudge: {name: x, buttons: [{text: a, intent: affirm}, {text: b, intent: affirm}, {text: c, intent: affirm}, {text: d, intent: affirm}, {text: e, intent: affirm}, {text: f, intent: affirm}, {text: g, intent: affirm}, {text: h, intent: affirm}, {text: i, intent: affirm}, {text: j, intent: affirm}, {text: k, intent: deny}]}`, Needs{}, "11 buttons: Meta takes at most 10"},
		{"bad SID", `nudge: {twilio_content_sid: HX123}`, Needs{}, `twilio_content_sid "HX123" is not a Content SID`},
		{"SID for an unknown language", `nudge: {twilio_content_sid: {fr: ` + sid + `}}`, Needs{}, `twilio_content_sid for "fr"`},
		{"not a catalog key", `reminder.soon.a: {name: x}`, Needs{}, "is not a catalog key"},
		{"a key never sent unasked", `menu.options: {name: x}`, Needs{}, "quita never sends it unasked"},
		{"a key the cadence needs", `reminder.due.a: {name: x}`, Needs{Keys: []string{"reminder.due.a", "reminder.due.b"}, CloudAPI: true},
			"creditor loja-exemplo: whatsapp_templates: reminder.due.b: the cadence can send it by WhatsApp, and there is no template for it"},
		{"Cloud API and only a SID", `reminder.due.a: {twilio_content_sid: ` + sid + `}`, Needs{Keys: []string{"reminder.due.a"}, CloudAPI: true}, "has no name, and the Cloud API sends templates by name"},
		{"Twilio and only a name", `reminder.due.a: {name: x}`, Needs{Keys: []string{"reminder.due.a"}, Twilio: true}, "has no twilio_content_sid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems := Check(loja, parse(t, tc.entry), tc.needs)
			if tc.want == "" {
				if len(problems) != 0 {
					t.Fatalf("problems %v", problems)
				}
				return
			}
			if len(problems) != 1 || !strings.Contains(problems[0].String(), tc.want) || problems[0].Warning {
				t.Fatalf("problems %v\nwant one error with %q", problems, tc.want)
			}
			if !strings.HasPrefix(problems[0].String(), "creditor loja-exemplo: whatsapp_templates: ") {
				t.Errorf("%q does not name the creditor and key", problems[0])
			}
		})
	}
}

// TestNoSectionIsAWarning: a creditor whose cadence can go by WhatsApp but
// who mapped no template yet gets one warning naming the keys and the way
// out; quita starts and those reminders take the fallback.
func TestNoSectionIsAWarning(t *testing.T) {
	problems := Check(loja, Map{}, Needs{Keys: []string{"reminder.due.a", "nudge"}, CloudAPI: true})
	if len(problems) != 1 || !problems[0].Warning || !strings.Contains(problems[0].Message, "reminder.due.a, nudge") ||
		!strings.Contains(problems[0].Message, "quita whatsapp templates export --creditor loja-exemplo") {
		t.Errorf("got %v", problems)
	}
	if p := Check(loja, Map{}, Needs{}); len(p) != 0 {
		t.Errorf("nothing needed, got %v", p)
	}
}

func TestBookFillsTemplates(t *testing.T) {
	b := NewBook()
	m := parse(t, `
reminder.before.a:
  name: lembrete_antes
  buttons: [{text: Segunda via, intent: ask_boleto}, {text: Falar com pessoa, intent: ask_human}]
  twilio_content_sid: {pt-BR: `+sid+`}
installment.due: {name: parcela, language: es_MX, category: utility}
reminder.due.a: {name: lembrete_hoje, parameters: [amount, first_name]}
`)
	if p := b.Add(loja, m); len(p) != 0 {
		t.Fatal(p)
	}
	values := map[string]string{dialogs.ValueFirstName: "Ana", dialogs.ValueAmount: "R$ 600,00", dialogs.ValueDueDate: "10/11",
		dialogs.ValueInstallment: "2", dialogs.ValueInstallments: "3"}
	got := b.Template("loja-exemplo", "reminder.before.a", "pt", values)
	if got == nil || got.Name != "lembrete_antes" || got.Language != "pt_BR" || got.Category != "utility" || got.ContentSID != sid ||
		!slices.Equal(got.Params, []string{"Ana", "R$ 600,00", "10/11"}) || !slices.Equal(got.Buttons, []string{"ask_boleto", "ask_human"}) {
		t.Errorf("pt: %+v", got)
	}
	if got := b.Template("loja-exemplo", "reminder.before.a", "en", values); got == nil || got.Language != "en_US" || got.ContentSID != "" {
		t.Errorf("en: %+v", got)
	}
	if got := b.Template("loja-exemplo", "reminder.due.a", "es", values); got == nil || !slices.Equal(got.Params, []string{"R$ 600,00", "Ana"}) {
		t.Errorf("explicit order: %+v", got)
	}
	if got := b.Template("loja-exemplo", "installment.due", "es", values); got == nil || got.Language != "es_MX" ||
		!slices.Equal(got.Params, []string{"Ana", "2", "3", "R$ 600,00", "10/11"}) {
		t.Errorf("installment: %+v", got)
	}
	for _, miss := range [][2]string{{"installment.due", "pt"}, {"reminder.due.b", "pt"}, {"nudge", "pt"}} {
		if got := b.Template("loja-exemplo", miss[0], miss[1], values); got != nil {
			t.Errorf("%s in %s has no template, got %+v", miss[0], miss[1], got)
		}
	}
	if got := b.Template("another", "reminder.before.a", "pt", values); got != nil {
		t.Errorf("another creditor's: %+v", got)
	}
	// Meta paused it: the Cloud API name is held back, Twilio's Content template still goes.
	b.SetStatus("lembrete_antes", "pt_BR", "PAUSED")
	if got := b.Template("loja-exemplo", "reminder.before.a", "pt", values); got == nil || got.Name != "" || got.ContentSID != sid {
		t.Errorf("paused: %+v", got)
	}
	if got := b.Template("loja-exemplo", "reminder.before.a", "en", values); got == nil || got.Name != "lembrete_antes" {
		t.Errorf("only the pt_BR translation is paused: %+v", got)
	}
	b.SetStatus("lembrete_antes", "pt_BR", "APPROVED")
	if got := b.Template("loja-exemplo", "reminder.before.a", "pt", values); got == nil || got.Name != "lembrete_antes" {
		t.Errorf("approved again: %+v", got)
	}
}

func TestButtonIntent(t *testing.T) {
	b := NewBook()
	b.Add(loja, parse(t, `nudge: {name: x, buttons: [{text: Segunda via, intent: ask_boleto}, {text: Falar com pessoa, intent: ask_human}]}`))
	for _, tc := range []struct{ payload, text, want string }{
		{"ask_human", "Falar com pessoa", "ask_human"}, // quita's own payload
		{"btn_2", "Segunda via", "ask_boleto"},         // a Twilio Content template's own id: the label tells
		{"Falar com pessoa", "Falar com pessoa", "ask_human"},
		{"btn_9", "Outra coisa", ""},
	} {
		if got := b.ButtonIntent("loja-exemplo", tc.payload, tc.text); got != tc.want {
			t.Errorf("%q %q: got %q, want %q", tc.payload, tc.text, got, tc.want)
		}
	}
}

// TestExportParsedBack: the export is valid JSON in Meta's create format;
// each body, its placeholders filled with its own samples, is the bot's
// catalog text for those values, with numbered placeholders and a sample
// for each.
func TestExportParsedBack(t *testing.T) {
	m := parse(t, `
reminder.before.a: {name: lembrete_antes, buttons: [{text: Segunda via, intent: ask_boleto}]}
reminder.due.a: {name: lembrete_hoje, language: pt_BR, parameters: [amount, first_name]}
`)
	keys := append(slices.Clone(dialogs.OpeningKeys()), "reminder.due.a", "reminder.after.first.b")
	subs, problems := Export(loja, m, keys)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	raw, err := json.MarshalIndent(requests(subs), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var back []CreateRequest
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	// every opening key in three languages, reminder.after.first.b too, reminder.before.a too, reminder.due.a in one
	if want := (len(dialogs.OpeningKeys())+2)*3 + 1; len(back) != want {
		t.Fatalf("%d templates, want %d", len(back), want)
	}
	numbered := regexp.MustCompile(`\{\{([0-9]+)\}\}`)
	for i, req := range back {
		s := subs[i]
		if !namePattern.MatchString(req.Name) || !MetaLanguage(req.Language) || req.Category != "UTILITY" || req.Components[0].Type != "BODY" {
			t.Errorf("%s %s: %+v", s.Key, s.Language, req)
		}
		body := req.Components[0]
		var samples []string
		if body.Example != nil {
			samples = body.Example.BodyText[0]
		}
		filled := numbered.ReplaceAllStringFunc(body.Text, func(p string) string {
			n, _ := strconv.Atoi(strings.Trim(p, "{}"))
			if n < 1 || n > len(samples) {
				t.Errorf("%s %s: %s has no sample", s.Key, s.Language, p)
				return p
			}
			return samples[n-1]
		})
		data := dialogs.CreditorData(loja)
		for _, v := range dialogs.TemplateValues() {
			if c, _ := dialogs.CatalogVariable(v); c != "" && c != "creditor" {
				data[c] = Sample(loja, v, s.Language)
			}
		}
		want, err := locales.Render(s.Language, s.Key, data)
		if err != nil {
			t.Fatal(err)
		}
		if filled != want {
			t.Errorf("%s %s:\n body %q\n filled %q\n bot says %q", s.Key, s.Language, body.Text, filled, want)
		}
	}
	first := back[slices.IndexFunc(subs, func(s Submission) bool { return s.Key == "reminder.before.a" && s.Language == "pt-BR" })]
	wantBody := "Oi, {{1}}! Aqui é Loja Exemplo, CNPJ 12.345.678/0001-95. Passando só para lembrar que a sua conta de {{2}} vence em {{3}}. Quer que eu mande o boleto (1) ou o PIX (2)?"
	if first.Name != "lembrete_antes" || first.Language != "pt_BR" || first.Components[0].Text != wantBody ||
		!reflect.DeepEqual(first.Components[0].Example.BodyText, [][]string{{"Ana", "R$ 150,00", "27/11"}}) ||
		!reflect.DeepEqual(first.Components[1], Component{Type: "BUTTONS", Buttons: []ButtonDefine{{Type: "QUICK_REPLY", Text: "Segunda via"}}}) {
		t.Errorf("reminder.before.a pt-BR: %+v", first)
	}
	due := back[slices.IndexFunc(subs, func(s Submission) bool { return s.Key == "reminder.due.a" })]
	if !strings.Contains(due.Components[0].Text, "conta de {{1}}") || due.Components[0].Example.BodyText[0][1] != "Ana" {
		t.Errorf("explicit parameter order: %+v", due)
	}
	dflt := back[slices.IndexFunc(subs, func(s Submission) bool { return s.Key == "nudge" && s.Language == "en" })]
	if dflt.Name != "loja_exemplo_nudge" || dflt.Language != "en_US" {
		t.Errorf("a key without an entry: %+v", dflt)
	}
}

func requests(subs []Submission) []CreateRequest {
	out := make([]CreateRequest, len(subs))
	for i, s := range subs {
		out[i] = s.Request
	}
	return out
}

func TestPlan(t *testing.T) {
	subs, _ := Export(loja, Map{}, []string{"reminder.due.a"})
	have := []Existing{
		{Name: "loja_exemplo_reminder_due_a", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY"},
		{Name: "loja_exemplo_reminder_due_a", Language: "es", Status: "REJECTED", Category: "UTILITY", Reason: "INVALID_FORMAT"},
	}
	create, rows := Plan(subs, have)
	if len(create) != 1 || create[0].Request.Language != "en_US" {
		t.Errorf("create %+v", create)
	}
	if len(rows) != 3 || rows[0].Status != "APPROVED" || rows[0].Problem != "" ||
		rows[1].Status != "REJECTED" || !strings.Contains(rows[1].Problem, "rejected by Meta (INVALID_FORMAT)") || rows[2].Status != "" {
		t.Errorf("rows %+v", rows)
	}
	_, rows = Plan(subs[:1], []Existing{{Name: "loja_exemplo_reminder_due_a", Language: "pt_BR", Status: "APPROVED", Category: "MARKETING"}})
	if !strings.Contains(rows[0].Problem, "Meta classified it MARKETING") {
		t.Errorf("recategorised: %+v", rows)
	}
}
