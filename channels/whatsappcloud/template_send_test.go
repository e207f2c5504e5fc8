package whatsappcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
)

// metaExample is a documented request body (testdata/README.md) with its
// placeholders filled in order and the JSON compacted, as it goes on the wire.
func metaExample(t *testing.T, name string, fill ...string) string {
	t.Helper()
	s := string(fixture(t, name))
	for i := 0; i+1 < len(fill); i += 2 {
		if !strings.Contains(s, fill[i]) {
			t.Fatalf("%s has no placeholder %s", name, fill[i])
		}
		s = strings.Replace(s, fill[i], fill[i+1], 1)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestTemplateSendsMatchMetasExamples: outside the window the reminder goes
// as its approved template, byte for byte the body Meta's guide documents.
func TestTemplateSendsMatchMetasExamples(t *testing.T) {
	tests := []struct {
		name     string
		template channels.Template
		want     string
	}{
		{"body parameters", channels.Template{Name: "lembrete_vencimento", Language: "pt_BR", Params: []string{"Ana", "R$ 150,00"}},
			metaExample(t, "send_template_text.json", "PHONE_NUMBER", "5511987650001", "TEMPLATE_NAME", "lembrete_vencimento",
				"LANGUAGE_AND_LOCALE_CODE", "pt_BR", "text-string", "Ana", "text-string", "R$ 150,00")},
		{"body parameters and quick-reply buttons", channels.Template{Name: "loja_exemplo_reminder_before_a", Language: "es",
			Params: []string{"Ana"}, Buttons: []string{"ask_boleto", "ask_human"}},
			metaExample(t, "send_template_interactive.json", "PHONE_NUMBER", "5511987650001", "TEMPLATE_NAME", "loja_exemplo_reminder_before_a",
				"LANGUAGE_AND_LOCALE_CODE", "es", "TEXT_STRING", "Ana", "PAYLOAD", "ask_boleto", "PAYLOAD", "ask_human")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, g := newSendCloud(t, wroteAgo(30*time.Hour))
			tpl := tc.template
			res, err := c.Send(context.Background(), channels.Outbound{ID: "o1", To: ana, Text: "Oi, Ana!", Template: &tpl})
			if err != nil {
				t.Fatal(err)
			}
			msgs, _ := g.sent()
			if len(msgs) != 1 || msgs[0] != tc.want {
				t.Errorf("posted\n %s\nwant\n %s", strings.Join(msgs, "\n "), tc.want)
			}
			if res.Template == nil || res.Template.Name != tpl.Name {
				t.Errorf("result %+v does not say the template went", res)
			}
		})
	}
}

// TestTemplateParametersMetaTakes: Meta refuses parameters with new lines,
// tabs, runs of spaces or nothing at all (132018); quita folds them.
func TestTemplateParametersMetaTakes(t *testing.T) {
	c, g := newSendCloud(t, nil)
	tpl := &channels.Template{Name: "aviso", Language: "pt_BR", Params: []string{"Ana\nMaria", "Rua A,\t100      fundos", ""}}
	if _, err := c.Send(context.Background(), channels.Outbound{To: ana, Template: tpl}); err != nil {
		t.Fatal(err)
	}
	msgs, _ := g.sent()
	want := `"parameters":[{"type":"text","text":"Ana Maria"},{"type":"text","text":"Rua A, 100 fundos"},{"type":"text","text":"-"}]`
	if len(msgs) != 1 || !strings.Contains(msgs[0], want) {
		t.Errorf("posted %v, want parameters %s", msgs, want)
	}
	if tpl.Params[0] != "Ana\nMaria" {
		t.Errorf("the caller's template changed: %q", tpl.Params)
	}
}

// TestNoTemplateNothingSent: outside the window a message whose key has
// no template, or whose template has no Cloud API name (a Twilio-only
// entry), is refused as template_needed before anything reaches Meta.
func TestNoTemplateNothingSent(t *testing.T) {
	for _, tpl := range []*channels.Template{nil, {Key: "reminder.due.a", ContentSID: "HX0123456789abcdef0123456789abcdef"}} {
		c, g := newSendCloud(t, wroteAgo(25*time.Hour))
		_, err := c.Send(context.Background(), channels.Outbound{To: ana, Text: "Hoje vence a sua conta.", Template: tpl})
		var perm *channels.PermanentError
		if !errors.As(err, &perm) || perm.Code != channels.CodeTemplateNeeded || !channels.TemplateNeeded(perm.Code) {
			t.Errorf("template %+v: got %v, want %s", tpl, err, channels.CodeTemplateNeeded)
		}
		if msgs, _ := g.sent(); len(msgs) != 0 {
			t.Errorf("template %+v: %d requests reached Meta", tpl, len(msgs))
		}
	}
}
