package templates

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/locales"
)

// maxBody is the longest template body Meta takes, in characters.
const maxBody = 1024

// Body is a template's text in one language, as submitted to Meta.
type Body struct {
	Text   string   // with {{1}}, {{2}}… placeholders
	Values []string // the named value of each placeholder, {{1}} first
}

// sentinel stands for a named value while a catalog text is rendered.
func sentinel(value string) string { return "\x00" + value + "\x00" }

var sentinels = regexp.MustCompile("\x00([a-z_]+)\x00")

// catalogBody is key's catalog text in a debtor language as a template
// body: the creditor's facts (CNPJ, phone, site…) written out, as they are
// the same in every message, and each value that changes per message a
// placeholder numbered by params. With params nil they are numbered in the
// order the text writes them. missing are values the text writes that
// params lacks; unused are params the text does not write.
func catalogBody(cr dialogs.Creditor, key, lang string, params []string) (b Body, missing, unused []string, err error) {
	data := dialogs.CreditorData(cr)
	for _, v := range dialogs.TemplateValues() {
		c, _ := dialogs.CatalogVariable(v)
		// the creditor's name is a fact like the CNPJ unless it is asked for as a parameter
		if c != "" && (v != dialogs.ValueCreditorName || slices.Contains(params, v)) {
			data[c] = sentinel(v)
		}
	}
	if !locales.Has(lang, key) {
		return Body{}, nil, nil, fmt.Errorf("the catalog has no %s text for %s", lang, key)
	}
	text, err := locales.Render(lang, key, data)
	if err != nil {
		return Body{}, nil, nil, err
	}
	var written []string
	for _, m := range sentinels.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(written, m[1]) {
			written = append(written, m[1])
		}
	}
	if params == nil {
		params = written
	}
	for _, v := range written {
		if !slices.Contains(params, v) {
			missing = append(missing, v)
		}
	}
	for _, p := range params {
		if !slices.Contains(written, p) {
			unused = append(unused, p)
		}
	}
	text = sentinels.ReplaceAllStringFunc(text, func(s string) string {
		v := strings.Trim(s, "\x00")
		if i := slices.Index(params, v); i >= 0 {
			return "{{" + strconv.Itoa(i+1) + "}}"
		}
		return "{{" + v + "}}" // reported as missing; never submitted
	})
	return Body{Text: text, Values: slices.Clone(params)}, missing, unused, nil
}

var placeholder = regexp.MustCompile(`\{\{\s*([0-9]+)\s*\}\}`)

// ownBody reads an operator's own body: its placeholders must be {{1}}…{{N}}
// without a gap, and params must name N values.
func ownBody(text string, params []string) (Body, []string) {
	var problems []string
	seen := map[int]bool{}
	high := 0
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		seen[n], high = true, max(high, n)
	}
	for i := 1; i <= high; i++ {
		if !seen[i] {
			return Body{}, []string{fmt.Sprintf("the body has {{%d}} but no {{%d}}: Meta wants the placeholders numbered from 1 without a gap", high, i)}
		}
	}
	if len(params) != high {
		problems = append(problems, fmt.Sprintf("the body has %d placeholders but parameters names %d values: give one named value per placeholder, {{1}} first", high, len(params)))
	}
	return Body{Text: text, Values: slices.Clone(params)}, problems
}

// metaRules are the body rules that get a template rejected at review
// ("Template review guidelines": length, and a variable may not start or
// end the body nor stand next to another).
func metaRules(text string) []string {
	var out []string
	if n := utf8.RuneCountInString(text); n > maxBody {
		out = append(out, fmt.Sprintf("the body has %d characters, Meta takes at most %d", n, maxBody))
	}
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "{{") {
		out = append(out, "the body starts with a placeholder, which Meta rejects: start it with a word")
	}
	if strings.HasSuffix(t, "}}") {
		out = append(out, "the body ends with a placeholder, which Meta rejects: end it with a word or punctuation")
	}
	if regexp.MustCompile(`\}\}\s*\{\{`).MatchString(t) {
		out = append(out, "two placeholders stand side by side, which Meta rejects: put words between them")
	}
	return out
}

// sampleDay is the due date of the samples: a weekday a few days ahead of
// any review.
var sampleDay = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// Sample is a realistic example of a named value in a debtor language, as
// Meta's review asks for each placeholder (never a real person's data).
func Sample(cr dialogs.Creditor, value, lang string) string {
	switch value {
	case dialogs.ValueFirstName:
		return "Ana"
	case dialogs.ValueCreditorName:
		return cr.Name
	case dialogs.ValueAmount:
		return locales.Money(lang, 15000)
	case dialogs.ValueDueDate:
		return locales.Date(lang, sampleDay)
	case dialogs.ValueInvoice:
		return "NF-000123"
	case dialogs.ValueShortLink:
		if cr.Site != "" {
			return cr.Site
		}
		return "https://pague.example/abc123"
	case dialogs.ValueInstallment:
		return "2"
	case dialogs.ValueInstallments:
		return "3"
	}
	return value
}
