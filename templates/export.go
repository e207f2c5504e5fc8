package templates

import (
	"slices"
	"strings"

	"github.com/quita-bot/quita/dialogs"
)

// CreateRequest is the body of POST /{whatsapp-business-account-id}/message_templates,
// as Meta's "Create and manage templates" documents it
// (https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates):
// name, language, category, and the components: the BODY text with
// positional {{1}}… placeholders and an example value for each, and the
// quick-reply BUTTONS.
type CreateRequest struct {
	Name       string      `json:"name"`
	Language   string      `json:"language"`
	Category   string      `json:"category"` // UTILITY, MARKETING, AUTHENTICATION
	Components []Component `json:"components"`
}

// Component is one part of a template: BODY or BUTTONS.
type Component struct {
	Type    string         `json:"type"`
	Text    string         `json:"text,omitempty"`
	Example *BodyExample   `json:"example,omitempty"`
	Buttons []ButtonDefine `json:"buttons,omitempty"`
}

// BodyExample holds the sample values of the body's placeholders, {{1}}
// first (one list: Meta's format allows several sets).
type BodyExample struct {
	BodyText [][]string `json:"body_text"`
}

// ButtonDefine is a button of a template being created.
type ButtonDefine struct {
	Type string `json:"type"` // QUICK_REPLY
	Text string `json:"text"`
}

// Submission is one translation to submit: the request and what it is for.
type Submission struct {
	Key      string // catalog key
	Language string // debtor language
	Request  CreateRequest
}

// Export writes what to submit to Meta for the keys (those the cadence can
// send, say) and every key of the map: each translation's body generated
// from the locale catalog with {{1}}… placeholders and sample values, or
// the entry's own body. A key without an entry gets DefaultName, category
// utility and the default languages, so that the output is complete
// before anything was approved. Entries with problems are left out and
// their problems returned.
func Export(cr dialogs.Creditor, m Map, keys []string) ([]Submission, []Problem) {
	all := slices.Clone(keys)
	for _, k := range m.Keys() {
		if !slices.Contains(all, k) {
			all = append(all, k)
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	full := Map{}
	for _, k := range all {
		t, ok := m[k]
		if !ok {
			t = Template{Name: DefaultName(cr.ID, k)}
		}
		if t.Name == "" {
			t.Name = DefaultName(cr.ID, k) // a Twilio-only entry: its Meta submission still needs a name
		}
		full[k] = t
	}
	entries, problems := compile(cr, full)
	var out []Submission
	for _, k := range all {
		e, ok := entries[k]
		if !ok {
			continue
		}
		for _, lang := range e.tpl.debtorLanguages() {
			tr, ok := e.langs[lang]
			if !ok {
				continue
			}
			body := Component{Type: "BODY", Text: tr.body.Text}
			if len(tr.body.Values) > 0 {
				sample := make([]string, len(tr.body.Values))
				for i, v := range tr.body.Values {
					sample[i] = Sample(cr, v, lang)
				}
				body.Example = &BodyExample{BodyText: [][]string{sample}}
			}
			req := CreateRequest{Name: e.tpl.Name, Language: tr.code, Category: strings.ToUpper(e.tpl.category()), Components: []Component{body}}
			if len(e.tpl.Buttons) > 0 {
				btns := Component{Type: "BUTTONS"}
				for _, b := range e.tpl.Buttons {
					btns.Buttons = append(btns.Buttons, ButtonDefine{Type: "QUICK_REPLY", Text: b.Text})
				}
				req.Components = append(req.Components, btns)
			}
			out = append(out, Submission{Key: k, Language: lang, Request: req})
		}
	}
	return out, problems
}

// Existing is a template as GET /{waba-id}/message_templates lists it.
type Existing struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Status   string `json:"status"`   // APPROVED, PENDING, REJECTED, PAUSED, DISABLED…
	Category string `json:"category"` // as Meta classified it
	ID       string `json:"id"`
	Reason   string `json:"rejected_reason,omitempty"`
}

// Row is one translation in a sync report.
type Row struct {
	Key, Language     string // catalog key and debtor language
	Name, Code        string // Meta's name and language code
	Status            string // Meta's status; "" when not submitted
	Category, Problem string // Meta's category; what needs the operator
	Created           bool   // submitted by this sync
}

// Plan compares what export would submit with what Meta has: the
// submissions to create (none exist under that name and language) and a
// row per translation with its status. A rejected or paused template is a
// row with its problem; it blocks nothing else. A category Meta changed
// (it reclassifies templates it reads as marketing) is a problem too.
func Plan(subs []Submission, have []Existing) (create []Submission, rows []Row) {
	byKey := map[string]Existing{}
	for _, e := range have {
		byKey[e.Name+"|"+e.Language] = e
	}
	for _, s := range subs {
		r := Row{Key: s.Key, Language: s.Language, Name: s.Request.Name, Code: s.Request.Language}
		e, ok := byKey[r.Name+"|"+r.Code]
		if !ok {
			create = append(create, s)
			rows = append(rows, r)
			continue
		}
		r.Status, r.Category = strings.ToUpper(e.Status), strings.ToUpper(e.Category)
		switch {
		case r.Status == "REJECTED":
			r.Problem = "rejected by Meta"
			if e.Reason != "" && e.Reason != "NONE" {
				r.Problem += " (" + e.Reason + ")"
			}
			r.Problem += ": its messages go by the fallback; fix the text, submit it under a new name and put that name in whatsapp_templates"
		case Unusable(r.Status):
			r.Problem = strings.ToLower(r.Status) + " at Meta: its messages go by the fallback until Meta lets it go again"
		case r.Category != "" && r.Category != s.Request.Category:
			r.Problem = "Meta classified it " + r.Category + ", quita's config says " + s.Request.Category + ": set category to " + strings.ToLower(r.Category) + " (and, for a reminder, rewrite it as a plain notice and submit it again)"
		}
		rows = append(rows, r)
	}
	return create, rows
}
