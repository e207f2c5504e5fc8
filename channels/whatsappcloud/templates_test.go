package whatsappcloud

import (
	"context"
	"strings"
	"testing"

	"github.com/quita-bot/quita/channels/whatsappcloud/graphtest"
	"github.com/quita-bot/quita/templates"
)

const testWABA = "102290129340398"

func TestNewTemplateAPINamesTheVariables(t *testing.T) {
	for _, tc := range []struct{ token, url, waba, want string }{
		{"", "", testWABA, "WHATSAPP_CLOUD_TOKEN is empty"},
		{testToken, "", "", "WHATSAPP_CLOUD_WABA_ID is empty"},
		{testToken, "", "+5511933330000", "WHATSAPP_CLOUD_WABA_ID \"+5511933330000\" is not an account ID"},
		{testToken, "ftp://graph", testWABA, "WHATSAPP_CLOUD_API_URL"},
	} {
		if _, err := NewTemplateAPI(tc.token, tc.url, tc.waba); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc, err, tc.want)
		}
	}
}

// TestTemplateAPI: templates are created as submitted, listed across
// pages with the status Meta's review gave them.
func TestTemplateAPI(t *testing.T) {
	g := graphtest.New(t, testToken, testWABA, func(name, _ string) (string, string) {
		if name == "rejeitado" {
			return "REJECTED", "INVALID_FORMAT"
		}
		return "APPROVED", ""
	})
	g.Add("antigo", "pt_BR", "UTILITY", "PAUSED")
	api, err := NewTemplateAPI(testToken, g.APIURL(), testWABA)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"aprovado", "rejeitado", "outro"} {
		c, err := api.Create(ctx, templates.CreateRequest{Name: name, Language: "pt_BR", Category: "UTILITY",
			Components: []templates.Component{{Type: "BODY", Text: "Oi, {{1}}!", Example: &templates.BodyExample{BodyText: [][]string{{"Ana"}}}}}})
		if err != nil || c.Status != "PENDING" || c.ID == "" {
			t.Fatalf("create %s: %+v %v", name, c, err)
		}
	}
	if _, err := api.Create(ctx, templates.CreateRequest{Name: "aprovado", Language: "pt_BR", Category: "UTILITY",
		Components: []templates.Component{{Type: "BODY", Text: "Oi"}}}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second aprovado in pt_BR: %v", err)
	}
	got, err := api.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range got {
		lines = append(lines, e.Name+" "+e.Language+" "+e.Status+" "+e.Reason)
	}
	want := "antigo pt_BR PAUSED |aprovado pt_BR APPROVED |rejeitado pt_BR REJECTED INVALID_FORMAT|outro pt_BR APPROVED "
	if strings.Join(lines, "|") != want {
		t.Errorf("listed %q\nwant   %q", strings.Join(lines, "|"), want)
	}
	bad, _ := NewTemplateAPI("another-token", g.APIURL(), testWABA)
	if _, err := bad.List(ctx); err == nil || !strings.Contains(err.Error(), "WHATSAPP_CLOUD_TOKEN") {
		t.Errorf("wrong token: %v", err)
	}
}
