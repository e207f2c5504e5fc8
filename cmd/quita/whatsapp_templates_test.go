package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels/whatsappcloud/graphtest"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
	"github.com/quita-bot/quita/templates"
)

// creditorYAML is a config file with one creditor whose cadence has two
// steps by WhatsApp (then SMS), and the given whatsapp_templates section.
func creditorYAML(t *testing.T, section string) string {
	t.Helper()
	src := `creditors:
  - id: loja
    name: Loja Exemplo
    cnpj: 12.345.678/0001-95
    cadence:
      steps:
        - {at: D0, channels: [whatsapp, sms]}
        - {at: D+5, channels: [sms]}
      installment_offsets: [0]
` + section
	path := filepath.Join(t.TempDir(), "quita.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadDir reads a config file as serve does.
func loadDir(t *testing.T, path string) *config.Directory {
	t.Helper()
	f, err := config.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return config.NewDirectory(f)
}

const goodTemplates = `    whatsapp_templates:
      reminder.due.a: {name: loja_vence_hoje, category: utility}
      reminder.locked.a: {name: loja_recado, category: utility, buttons: [{text: Falar com pessoa, intent: ask_human}]}
      reminder.promise.a: {name: loja_promessa}
      installment.due: {name: loja_parcela}
      paid.confirmed: {name: loja_obrigado}
      paid.confirmed_amount: {name: loja_obrigado_valor}
      nudge: {name: loja_cutucada}
      handback: {name: loja_voltei}
      handback.verify: {name: loja_voltei_verificar}
`

// TestTemplateProblems: what serve checks at start (and config check prints).
func TestTemplateProblems(t *testing.T) {
	cloud := config.Config{CloudToken: "EAAG"}
	twilio := config.Config{TwilioAccountSID: "AC0123456789abcdef0123456789abcdef", TwilioWhatsAppFrom: "whatsapp:+14155238886"}
	tests := []struct {
		name    string
		section string
		cfg     config.Config
		want    []string // one per problem, in order
		warning bool
	}{
		{"everything the cadence sends has a template", goodTemplates, cloud, nil, false},
		{"no WhatsApp provider needing templates: nothing needed", "", config.Config{}, nil, false},
		{"whatsmeow first: nothing needed", "", config.Config{CloudToken: "EAAG", WhatsApp: true}, nil, false},
		{"no section: one warning", "", cloud, []string{"creditor loja: whatsapp_templates: none: the cadence can send 9 messages by WhatsApp"}, true},
		{"a key lacking", strings.Replace(goodTemplates, "      nudge: {name: loja_cutucada}\n", "", 1), cloud,
			[]string{"creditor loja: whatsapp_templates: nudge: the cadence can send it by WhatsApp, and there is no template for it"}, false},
		{"a marketing reminder", strings.Replace(goodTemplates, "{name: loja_vence_hoje, category: utility}", "{name: loja_vence_hoje, category: marketing}", 1), cloud,
			[]string{"reminder.due.a: category marketing: reminders and payment notices must be utility templates"}, false},
		{"Twilio needs Content SIDs", goodTemplates, twilio, []string{"handback: has no twilio_content_sid"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems, err := whatsAppTemplateProblems(loadDir(t, creditorYAML(t, tc.section)), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 {
				if len(problems) != 0 {
					t.Fatalf("problems %v", problems)
				}
				return
			}
			if len(problems) < len(tc.want) {
				t.Fatalf("problems %v, want %q", problems, tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(problems[i].String(), w) || problems[i].Warning != tc.warning {
					t.Errorf("problem %d: %q (warning %v), want %q (warning %v)", i, problems[i], problems[i].Warning, w, tc.warning)
				}
			}
		})
	}
}

// TestServeRefusesBrokenTemplates: quita serve does not start with a
// reminder mapped to a marketing template, and says which and how to fix.
func TestServeRefusesBrokenTemplates(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.ConfigFile = creditorYAML(t, strings.Replace(goodTemplates, "category: utility}", "category: marketing}", 1))
	cfg.CloudToken, cfg.CloudPhoneID, cfg.CloudAppSecret, cfg.CloudVerifyToken = "EAAG", "106540352242922", "secret", "verify"
	_, err := newService(context.Background(), cfg, slog.New(slog.DiscardHandler), time.Now)
	if err == nil || !strings.Contains(err.Error(), "creditor loja: whatsapp_templates: reminder.due.a: category marketing") {
		t.Fatalf("newService: %v", err)
	}
	cfg.ConfigFile = creditorYAML(t, goodTemplates)
	s, err := newService(context.Background(), cfg, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatalf("with good templates: %v", err)
	}
	s.shutdownStorage()
}

func TestTemplatesExport(t *testing.T) {
	var out, errOut bytes.Buffer
	path := creditorYAML(t, goodTemplates)
	if err := templatesMain(context.Background(), []string{"export", "--creditor", "loja", "--config", path}, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	var reqs []templates.CreateRequest
	if err := json.Unmarshal(out.Bytes(), &reqs); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out.String())
	}
	if len(reqs) != 9*3 {
		t.Fatalf("%d templates, want 9 keys in 3 languages", len(reqs))
	}
	var locked *templates.CreateRequest
	for i, r := range reqs {
		if r.Name == "loja_recado" && r.Language == "pt_BR" {
			locked = &reqs[i]
		}
	}
	if locked == nil || locked.Category != "UTILITY" || len(locked.Components) != 2 ||
		locked.Components[0].Text != "Oi, {{1}}! Aqui é Loja Exemplo, CNPJ 12.345.678/0001-95. Temos um recado sobre a sua conta. Quando puder, me responde por aqui?" ||
		locked.Components[1].Buttons[0].Text != "Falar com pessoa" {
		t.Errorf("reminder.locked.a pt_BR: %+v", locked)
	}
	for _, bad := range [][]string{{"export"}, {"export", "--creditor", "nobody", "--config", path}} {
		if err := templatesMain(context.Background(), bad, &out, &errOut); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestTemplatesSync: against a fake Graph API whose review approves one
// template and rejects another, sync submits what Meta lacks, reports the
// statuses, saves them; quita status shows the rejection, and a running
// serve sends nothing by the rejected one while the approved one goes.
func TestTemplatesSync(t *testing.T) {
	const token, waba = "EAAGsynctoken", "102290129340398"
	g := graphtest.New(t, token, waba, func(name, lang string) (string, string) {
		if name == "loja_vence_hoje" && lang == "pt_BR" {
			return "REJECTED", "INVALID_FORMAT"
		}
		return "APPROVED", ""
	})
	t.Setenv("WHATSAPP_CLOUD_TOKEN", token)
	t.Setenv("WHATSAPP_CLOUD_WABA_ID", waba)
	t.Setenv("WHATSAPP_CLOUD_API_URL", g.APIURL())
	t.Setenv("WHATSAPP_CLOUD_PHONE_ID", "106540352242922") // the rest of the serve environment
	t.Setenv("WHATSAPP_CLOUD_APP_SECRET", "secret")
	r := redistest.New(t)
	path := creditorYAML(t, goodTemplates)
	sync := func() string {
		var out, errOut bytes.Buffer
		if err := templatesMain(context.Background(), []string{"sync", "--creditor", "loja", "--config", path, "--redis", r.URL, "--prefix", r.Prefix}, &out, &errOut); err != nil {
			t.Fatalf("sync: %v\n%s", err, errOut.String())
		}
		return out.String()
	}
	first := sync()
	if n := len(g.Templates()); n != 27 || !strings.Contains(first, "PENDING  submitted now") {
		t.Fatalf("%d templates at Meta after the first sync, want 27:\n%s", n, first)
	}
	second := sync()
	if len(g.Templates()) != 27 {
		t.Errorf("the second sync submitted again: %d", len(g.Templates()))
	}
	row := func(out, key, code string) string {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[0] == key && f[1] == code {
				return l
			}
		}
		t.Fatalf("no row %s %s in\n%s", key, code, out)
		return ""
	}
	if l := row(second, "reminder.due.a", "pt_BR"); !strings.Contains(l, "REJECTED") || !strings.Contains(l, "rejected by Meta (INVALID_FORMAT)") {
		t.Errorf("rejected: %q", l)
	}
	if l := row(second, "reminder.locked.a", "pt_BR"); !strings.Contains(l, "APPROVED") {
		t.Errorf("approved: %q", l)
	}
	if !strings.Contains(second, "loja: 1 templates need you; their messages go by the fallback, nothing else is held") {
		t.Errorf("summary:\n%s", second)
	}
	saved, err := storage.New(r.Client, r.Prefix).TemplateStatuses(context.Background())
	if err != nil || len(saved) != 27 {
		t.Fatalf("saved %d statuses, %v", len(saved), err)
	}
	out, err := runStatusCmd(t, r)
	if err == nil || !strings.Contains(statusRow(t, out, templatesItem), "26 approved, 1 rejected") ||
		!strings.Contains(err.Error(), "whatsapp templates loja reminder.due.a (pt_BR): rejected by Meta (INVALID_FORMAT)") {
		t.Errorf("quita status: %v\n%s", err, out)
	}
	// serve reads the statuses: the rejected translation is not sent, the others are
	book := templates.NewBook()
	dir := loadDir(t, path)
	c, _ := dir.Section("loja")
	m, _ := templates.Parse(c.WhatsAppTemplates)
	book.Add(c.Creditor, m)
	if err := applyTemplateStatuses(context.Background(), storage.New(r.Client, r.Prefix), book); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"first_name": "Ana", "amount": "R$ 1,00"}
	if got := book.Template("loja", "reminder.due.a", "pt", values); got != nil {
		t.Errorf("the rejected template would go: %+v", got)
	}
	if got := book.Template("loja", "reminder.due.a", "es", values); got == nil || got.Name != "loja_vence_hoje" {
		t.Errorf("its approved Spanish translation: %+v", got)
	}
	if got := book.Template("loja", "reminder.locked.a", "pt", values); got == nil {
		t.Error("an approved template is held back")
	}
}

// TestExampleConfigTemplates: the example file maps every message its
// cadence can send on the Cloud API, and every entry passes the checks.
func TestExampleConfigTemplates(t *testing.T) {
	problems, err := whatsAppTemplateProblems(loadDir(t, "../../deploy/quita.example.yaml"), config.Config{CloudToken: "EAAG"})
	if err != nil || len(problems) != 0 {
		t.Fatalf("deploy/quita.example.yaml: %v %v", err, problems)
	}
}
