package templates

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/locales"
)

// Problem is one thing wrong with a creditor's whatsapp_templates: what and
// how to fix it. A warning is reported and lets quita start.
type Problem struct {
	Creditor string
	Key      string // the catalog key, "" for the whole section
	Language string // the debtor language of one translation, when it is about one
	Message  string
	Warning  bool
}

func (p Problem) String() string {
	where := "creditor " + p.Creditor + ": whatsapp_templates"
	if p.Key != "" {
		where += ": " + p.Key
	}
	if p.Language != "" {
		where += " (" + p.Language + ")"
	}
	return where + ": " + p.Message
}

// Needs says what the creditor's cadence and channels need templates for.
type Needs struct {
	Keys     []string // catalog keys that can go by a WhatsApp provider that needs templates
	CloudAPI bool     // the Cloud API is on: each needs a name
	Twilio   bool     // Twilio's WhatsApp sender is on: each needs a twilio_content_sid
}

var (
	namePattern = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	sidPattern  = regexp.MustCompile(`^HX[0-9a-fA-F]{32}$`)
)

// maxButtons and maxButtonText are Meta's limits on quick-reply buttons.
const (
	maxButtons    = 10
	maxButtonText = 25
)

// notice reports whether key must go as a utility template: reminders and
// payment notices (Meta's category rules; a marketing one costs more and
// may be blocked).
func notice(key string) bool {
	return strings.HasPrefix(key, "reminder.") || strings.HasPrefix(key, "installment.") || strings.HasPrefix(key, "paid.")
}

// opening reports whether quita ever sends key unasked.
func opening(key string) bool {
	return strings.HasPrefix(key, "reminder.") || slices.Contains(dialogs.OpeningKeys(), key)
}

// translation is one language of a compiled template.
type translation struct {
	code string // Meta's language code
	sid  string // Twilio Content SID, or ""
	body Body
}

// entry is a template compiled for sending.
type entry struct {
	tpl   Template
	langs map[string]translation // by debtor language
}

// Check reports everything wrong with a creditor's map, and the keys needs
// asks for that it lacks.
func Check(cr dialogs.Creditor, m Map, needs Needs) []Problem {
	_, problems := compile(cr, m)
	var lacking []string
	for _, k := range needs.Keys {
		t, ok := m[k]
		switch {
		case !ok:
			lacking = append(lacking, k)
		case needs.CloudAPI && t.Name == "":
			problems = append(problems, Problem{Creditor: cr.ID, Key: k, Message: "has no name, and the Cloud API sends templates by name: give it the name it was approved with"})
		case needs.Twilio && len(t.TwilioContentSID) == 0:
			problems = append(problems, Problem{Creditor: cr.ID, Key: k, Message: "has no twilio_content_sid, and Twilio's WhatsApp sender sends templates by Content SID: copy the HX… SID of its approved Content template"})
		}
	}
	if len(lacking) == 0 {
		return problems
	}
	export := "`quita whatsapp templates export --creditor " + cr.ID + "` writes their text to submit to Meta"
	if len(m) == 0 {
		return append(problems, Problem{Creditor: cr.ID, Warning: true, Message: fmt.Sprintf(
			"none: the cadence can send %d messages by WhatsApp (%s), and outside the 24-hour window each waits for the debtor to write or goes by the step's next channel; %s",
			len(lacking), strings.Join(lacking, ", "), export)})
	}
	for _, k := range lacking {
		problems = append(problems, Problem{Creditor: cr.ID, Key: k, Message: "the cadence can send it by WhatsApp, and there is no template for it: add " +
			k + ": {name: …, category: utility} once Meta approved it (" + export + "); until then it waits for the debtor to write or goes by the step's next channel"})
	}
	return problems
}

// compile checks each entry and builds what sending needs.
func compile(cr dialogs.Creditor, m Map) (map[string]entry, []Problem) {
	out := map[string]entry{}
	var problems []Problem
	for _, key := range m.Keys() {
		t := m[key]
		bad := func(lang, format string, args ...any) {
			problems = append(problems, Problem{Creditor: cr.ID, Key: key, Language: lang, Message: fmt.Sprintf(format, args...)})
		}
		if !locales.Has(locales.Default, key) {
			bad("", "is not a catalog key: use one of the keys quita sends unasked (%s, reminder.*)", strings.Join(dialogs.OpeningKeys(), ", "))
			continue
		}
		if !opening(key) {
			bad("", "quita never sends it unasked, so it needs no template: whatsapp_templates is for reminder.*, %s", strings.Join(dialogs.OpeningKeys(), ", "))
			continue
		}
		paramsOK := checkEntry(t, key, bad)
		sids := map[string]bool{} // each SID's format, checked once
		for lang, sid := range t.TwilioContentSID {
			if lang != "*" && !slices.Contains(catalogs, lang) {
				bad("", "twilio_content_sid for %q: give one SID, or one per pt-BR, es, en", lang)
			}
			if sids[sid] = sidPattern.MatchString(sid); !sids[sid] {
				bad("", "twilio_content_sid %q is not a Content SID: copy the HX… SID (34 characters) of the approved template from Twilio's Content Template Builder", sid)
			}
		}
		e := entry{tpl: t, langs: map[string]translation{}}
		langs := slices.Collect(maps.Keys(t.languages()))
		slices.Sort(langs)
		for _, lang := range langs {
			code := t.languages()[lang]
			if !slices.Contains(catalogs, lang) {
				bad("", "language %q: quita writes to debtors in pt-BR, es and en; map each to a Meta code, e.g. {pt-BR: pt_BR, es: es, en: en_US}", lang)
				continue
			}
			if !MetaLanguage(code) {
				msg := fmt.Sprintf("language %q is not one of Meta's template languages (https://developers.facebook.com/docs/whatsapp/api/messages/message-templates#supported-languages)", code)
				if s := suggestLanguage(code); s != "" {
					msg += ": write " + s
				}
				bad(lang, "%s", msg)
				continue
			}
			if !paramsOK {
				continue
			}
			body, ok := checkBody(cr, key, lang, t, bad)
			sid := t.TwilioContentSID.For(lang)
			if ok && (sid == "" || sids[sid]) {
				e.langs[lang] = translation{code: code, sid: sid, body: body}
			}
		}
		out[key] = e
	}
	return out, problems
}

// checkEntry reports what is wrong with an entry whatever its language;
// false when its parameters are wrong (their count means nothing then).
func checkEntry(t Template, key string, bad func(lang, format string, args ...any)) (paramsOK bool) {
	paramsOK = true
	switch {
	case t.Name == "" && len(t.TwilioContentSID) == 0:
		bad("", "needs the name it was approved with at Meta (Cloud API) or a twilio_content_sid (Twilio)")
	case t.Name != "" && !namePattern.MatchString(t.Name):
		bad("", "name %q: Meta takes only lowercase letters, digits and underscores, at most 512 (^[a-z0-9_]{1,512}$): write %q", t.Name, suggestName(t.Name))
	}
	switch c := t.category(); {
	case c != "utility" && c != "marketing" && c != "authentication":
		bad("", "category %q: use utility, marketing or authentication", t.Category)
	case c != "utility" && notice(key):
		bad("", "category %s: reminders and payment notices must be utility templates (a %s template costs more and Meta may block it); submit it as utility", c, c)
	case c == "authentication":
		bad("", "category authentication is for one-time passwords: use utility")
	}
	for i, p := range t.Parameters {
		if _, ok := dialogs.CatalogVariable(p); !ok {
			bad("", "parameter %q is not a named value: use %s", p, strings.Join(dialogs.TemplateValues(), ", "))
			paramsOK = false
		} else if slices.Index(t.Parameters, p) != i {
			bad("", "parameter %s is named twice: name each value once, a body may write {{N}} twice", p)
			paramsOK = false
		}
	}
	if len(t.Buttons) > maxButtons {
		bad("", "%d buttons: Meta takes at most %d quick replies", len(t.Buttons), maxButtons)
	}
	var texts []string
	for _, b := range t.Buttons {
		switch n := utf8.RuneCountInString(b.Text); {
		case n == 0 || n > maxButtonText:
			bad("", "button %q: a quick-reply label has 1 to %d characters", b.Text, maxButtonText)
		case slices.Contains(texts, b.Text):
			bad("", "button %q appears twice: Meta wants each label once", b.Text)
		}
		texts = append(texts, b.Text)
		if !slices.Contains(dialogs.ButtonIntents, b.Intent) {
			bad("", "button %q: intent %q is not one a button can carry: use %s", b.Text, b.Intent, strings.Join(dialogs.ButtonIntents, ", "))
		}
	}
	return paramsOK
}

// checkBody builds one translation's body and reports what does not match
// its parameters or Meta's rules.
func checkBody(cr dialogs.Creditor, key, lang string, t Template, bad func(lang, format string, args ...any)) (Body, bool) {
	if own := t.Body.For(lang); own != "" {
		body, problems := ownBody(own, t.Parameters)
		for _, p := range append(problems, metaRules(body.Text)...) {
			bad(lang, "%s", p)
		}
		return body, len(problems) == 0
	}
	body, missing, unused, err := catalogBody(cr, key, lang, t.Parameters)
	if err != nil {
		bad(lang, "%v", err)
		return Body{}, false
	}
	ok := true
	if len(missing) > 0 || len(unused) > 0 {
		written := len(body.Values) - len(unused) + len(missing)
		msg := fmt.Sprintf("parameters names %d values but the %s catalog text has %d placeholders", len(t.Parameters), lang, written)
		if len(missing) > 0 {
			msg += "; it writes " + strings.Join(missing, ", ") + ", which parameters lacks"
		}
		if len(unused) > 0 {
			msg += "; it never writes " + strings.Join(unused, ", ") + " (give the approved text in body: to use them)"
		}
		bad(lang, "%s: fix parameters, or leave it out to take the catalog's own order", msg)
		ok = false
	}
	for _, p := range metaRules(body.Text) {
		bad(lang, "%s", p)
	}
	return body, ok
}

// suggestName turns a name Meta would refuse into one it takes.
func suggestName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case r == '.' || r == '-' || r == ' ':
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" {
		out = "lembrete"
	}
	return out[:min(len(out), 512)]
}

// DefaultName is the name export gives a key with no entry: the creditor's
// id and the key, so that creditors sharing one WhatsApp Business Account
// (where names are unique) never collide.
func DefaultName(creditorID, key string) string {
	return suggestName(creditorID + "_" + key)
}
