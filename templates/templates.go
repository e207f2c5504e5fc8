// Package templates maps the catalog keys quita sends unasked (reminders,
// installment notices, payment thanks, the nudge and the hand-back) to the
// WhatsApp message templates a creditor got approved: the creditor YAML's
// whatsapp_templates: section. It checks the map against Meta's rules and
// the locale catalog, writes the bodies to submit for approval (Graph API
// message_templates format), and fills a template for one message. Pure:
// no I/O; the Graph API client lives in channels/whatsappcloud.
package templates

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is one catalog key's approved template.
type Template struct {
	// Name is the template's name at Meta (Cloud API): ^[a-z0-9_]{1,512}$.
	Name string `yaml:"name"`
	// Language is the Meta code per debtor language; default pt_BR, es, en_US.
	Language Languages `yaml:"language"`
	// Category is utility (the default), marketing or authentication.
	Category string `yaml:"category"`
	// Parameters are the named values of {{1}}, {{2}}… in order; default
	// the values the catalog text writes, in the order it writes them.
	Parameters []string `yaml:"parameters"`
	// TwilioContentSID is the approved Content template (HX…) for Twilio's
	// WhatsApp sender: one for every language, or one per language.
	TwilioContentSID PerLanguage `yaml:"twilio_content_sid"`
	// Buttons are the template's quick-reply buttons, in order.
	Buttons []Button `yaml:"buttons"`
	// Body is the approved text with {{1}}… placeholders, when it is not
	// quita's catalog text (a template approved before quita): one for
	// every language, or one per language.
	Body PerLanguage `yaml:"body"`
}

// Button is a quick-reply button: its label as approved and the intent a
// tap on it means (dialogs.ButtonIntents).
type Button struct {
	Text   string `yaml:"text"`
	Intent string `yaml:"intent"`
}

// Map is a creditor's whatsapp_templates: catalog key → template.
type Map map[string]Template

// Parse reads a creditor's whatsapp_templates section; an empty node is an
// empty map. Only the YAML's shape is checked here (Check does the rest).
func Parse(n yaml.Node) (Map, error) {
	m := Map{}
	if n.Kind == 0 {
		return m, nil
	}
	if err := n.Decode(&m); err != nil {
		return nil, fmt.Errorf("whatsapp_templates: %w (write each catalog key with its name, category and parameters; see deploy/quita.example.yaml)", err)
	}
	return m, nil
}

// Languages maps a debtor's language (a catalog: pt-BR, es, en) to the
// Meta code its translation was approved in. In YAML it is one code
// (pt_BR), a list of codes ([pt_BR, es]) or a mapping (pt-BR: pt_BR).
type Languages map[string]string

// UnmarshalYAML reads the three forms, each code under its debtor language.
func (l *Languages) UnmarshalYAML(n *yaml.Node) error {
	*l = Languages{}
	var codes []string
	switch n.Kind {
	case yaml.ScalarNode:
		codes = []string{n.Value}
	case yaml.SequenceNode:
		if err := n.Decode(&codes); err != nil {
			return err
		}
	case yaml.MappingNode:
		var m map[string]string
		if err := n.Decode(&m); err != nil {
			return err
		}
		for k, v := range m {
			(*l)[debtorLanguage(k)] = v
		}
		return nil
	default:
		return fmt.Errorf("line %d: language: write pt_BR, a list [pt_BR, es] or a mapping {pt-BR: pt_BR}", n.Line)
	}
	for _, c := range codes {
		(*l)[debtorLanguage(c)] = c
	}
	return nil
}

// PerLanguage is one value for every debtor language ("*"), or one per
// debtor language.
type PerLanguage map[string]string

// UnmarshalYAML reads a scalar (every language) or a mapping by language.
func (p *PerLanguage) UnmarshalYAML(n *yaml.Node) error {
	*p = PerLanguage{}
	switch n.Kind {
	case yaml.ScalarNode:
		(*p)["*"] = n.Value
	case yaml.MappingNode:
		var m map[string]string
		if err := n.Decode(&m); err != nil {
			return err
		}
		for k, v := range m {
			(*p)[debtorLanguage(k)] = v
		}
	default:
		return fmt.Errorf("line %d: write one value, or one per language {pt-BR: …, es: …}", n.Line)
	}
	return nil
}

// For is the value for a debtor language: its own, else the one for all.
func (p PerLanguage) For(lang string) string {
	if v, ok := p[lang]; ok {
		return v
	}
	return p["*"]
}

// catalogs are the debtor languages quita speaks (locales.Languages).
var catalogs = []string{"pt-BR", "es", "en"}

// debtorLanguage names the catalog a language tag or Meta code belongs to
// (pt, pt_BR, pt-PT → pt-BR; es_MX → es; en_US → en); a language quita does
// not speak stays as written, for Check to report.
func debtorLanguage(tag string) string {
	l := strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	switch l {
	case "pt":
		return "pt-BR"
	case "es", "en":
		return l
	}
	return tag
}

// languages is the entry's Meta code per debtor language.
func (t Template) languages() Languages {
	if len(t.Language) == 0 {
		return DefaultLanguages
	}
	return t.Language
}

// Code is the Meta code of the translation a debtor speaking lang (pt,
// pt-BR, es, en…) gets; "" when the template has none in that language.
func (t Template) Code(lang string) string { return t.languages()[debtorLanguage(lang)] }

// category is the entry's category, utility when unset.
func (t Template) category() string {
	if t.Category == "" {
		return "utility"
	}
	return strings.ToLower(t.Category)
}

// debtorLanguages lists the entry's debtor languages, in catalog order.
func (t Template) debtorLanguages() []string {
	var out []string
	for _, l := range catalogs {
		if _, ok := t.languages()[l]; ok {
			out = append(out, l)
		}
	}
	return out
}

// Keys lists the map's catalog keys, sorted.
func (m Map) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
