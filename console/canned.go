package console

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/quita-bot/quita/locales"
)

// canned.json holds the agents' canned responses and the texts of the
// one-click documents, per language. The locales package is the debtor-facing
// catalog of the bot; these are the agents' own words, kept next to the
// console that offers them.
//
//go:embed canned.json
var cannedJSON []byte

// Canned is one canned response.
type Canned struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Text  string `json:"text"`
}

type cannedLang struct {
	Canned []Canned
	Texts  map[string]*template.Template
}

var cannedByLang = mustCanned()

func mustCanned() map[string]cannedLang {
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(cannedJSON, &raw); err != nil {
		panic("console: canned.json: " + err.Error())
	}
	out := map[string]cannedLang{}
	for lang, entries := range raw {
		cl := cannedLang{Texts: map[string]*template.Template{}}
		for key, v := range entries {
			if key == "canned" {
				if err := json.Unmarshal(v, &cl.Canned); err != nil {
					panic("console: canned.json " + lang + ": " + err.Error())
				}
				continue
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				panic("console: canned.json " + lang + "." + key + ": " + err.Error())
			}
			cl.Texts[key] = template.Must(template.New(key).Option("missingkey=error").Parse(s))
		}
		out[lang] = cl
	}
	return out
}

// cannedFor returns the canned responses in a language, filled in for the
// debtor's first name and the agent's name.
func cannedFor(lang, first, agent string) []Canned {
	cl := cannedByLang[locales.Normalize(lang)]
	out := make([]Canned, 0, len(cl.Canned))
	for _, c := range cl.Canned {
		t := template.Must(template.New(c.Key).Parse(c.Text))
		var b strings.Builder
		if err := t.Execute(&b, map[string]string{"First": first, "Agent": agent}); err == nil {
			c.Text = b.String()
		}
		out = append(out, c)
	}
	return out
}

// docText renders one of the document texts.
func docText(lang, key string, data map[string]any) (string, error) {
	t, ok := cannedByLang[locales.Normalize(lang)].Texts[key]
	if !ok {
		t, ok = cannedByLang[locales.Default].Texts[key]
	}
	if !ok {
		return "", fmt.Errorf("console: no text %q", key)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
