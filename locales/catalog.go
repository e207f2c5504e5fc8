// Package locales holds quita's message catalogs (pt-BR, the default, es and
// en) as JSON files embedded in the binary, and renders them. Every text the
// bot sends lives here, so tone is reviewed in one place and every language
// has every key (see catalog_test.go).
package locales

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/template"
)

// Default is the catalog used when a language is unknown or a key is missing.
const Default = "pt-BR"

//go:embed *.json
var files embed.FS

// catalog is one language: each key's template, parsed once.
type catalog map[string]*template.Template

// SMS names the SMS form of the catalogs (<lang>.sms.json): a shorter text
// for the keys whose main form would cost more than its share of segments
// by SMS (see RenderForm).
const SMS = "sms"

var (
	catalogs = mustLoad("")  // language → the main form (WhatsApp, the simulator)
	smsForms = mustLoad(SMS) // language → the SMS form of the keys that have one
)

// mustLoad reads each language's catalog of a form ("" for the main one,
// <lang>.json; else <lang>.<form>.json).
func mustLoad(form string) map[string]catalog {
	out := map[string]catalog{}
	for _, lang := range Languages() {
		name := lang + ".json"
		if form != "" {
			name = lang + "." + form + ".json"
		}
		raw, err := files.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("locales: %s is not embedded: %v", name, err))
		}
		var texts map[string]string
		if err := json.Unmarshal(raw, &texts); err != nil {
			panic(fmt.Sprintf("locales: %s: %v", name, err))
		}
		cat := make(catalog, len(texts))
		for key, text := range texts {
			tpl, err := template.New(key).Option("missingkey=error").Parse(text)
			if err != nil {
				panic(fmt.Sprintf("locales: %s key %q: %v", name, key, err))
			}
			cat[key] = tpl
		}
		out[lang] = cat
	}
	return out
}

// Languages lists the catalogs, the default first.
func Languages() []string { return []string{"pt-BR", "es", "en"} }

// Normalize maps a language tag as people and detectors write it (pt, pt_BR,
// es-AR, EN) to the name of a catalog; anything else gets the default.
func Normalize(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	switch l {
	case "es":
		return "es"
	case "en":
		return "en"
	}
	return Default
}

// Keys lists the keys of a language's catalog, sorted.
func Keys(lang string) []string {
	cat := catalogs[Normalize(lang)]
	keys := make([]string, 0, len(cat))
	for k := range cat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether the language's own catalog has the key.
func Has(lang, key string) bool {
	_, ok := catalogs[Normalize(lang)][key]
	return ok
}

// Render fills the key's template in the language with data. A key missing
// in that language falls back to the default catalog; a key missing there
// too, or a placeholder without data, is an error.
func Render(lang, key string, data map[string]any) (string, error) {
	tpl, ok := catalogs[Normalize(lang)][key]
	if !ok {
		tpl, ok = catalogs[Default][key]
	}
	if !ok {
		return "", fmt.Errorf("locales: no message %q in %s or %s", key, Normalize(lang), Default)
	}
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("locales: message %q in %s: %w", key, Normalize(lang), err)
	}
	return b.String(), nil
}

// RenderForm is Render in a form of the catalogs (SMS): the key's text in
// that form and language when it has one, else its main text.
func RenderForm(form, lang, key string, data map[string]any) (string, error) {
	if form == SMS {
		if tpl, ok := smsForms[Normalize(lang)][key]; ok {
			var b strings.Builder
			if err := tpl.Execute(&b, data); err != nil {
				return "", fmt.Errorf("locales: SMS form of %q in %s: %w", key, Normalize(lang), err)
			}
			return b.String(), nil
		}
	}
	return Render(lang, key, data)
}

// HasForm reports whether the key has its own text in that form and language.
func HasForm(form, lang, key string) bool {
	_, ok := smsForms[Normalize(lang)][key]
	return form == SMS && ok
}

// TForm is RenderForm for callers that must always have a text, as T.
func TForm(form, lang, key string, data map[string]any) string {
	s, err := RenderForm(form, lang, key, data)
	if err != nil {
		return key
	}
	return s
}

// T is Render for callers that must always have a text: on error it returns
// the key itself, which the catalog tests guarantee never reaches a debtor.
func T(lang, key string, data map[string]any) string {
	s, err := Render(lang, key, data)
	if err != nil {
		return key
	}
	return s
}
