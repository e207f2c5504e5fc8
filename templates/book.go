package templates

import (
	"strings"
	"sync"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
)

// Book holds every creditor's compiled templates for sending: which
// approved template a message goes as outside the 24-hour window, and
// what a tapped button means. Safe for concurrent use.
type Book struct {
	mu        sync.RWMutex
	creditors map[string]map[string]entry
	unusable  map[string]string // "name|code" → Meta's status, for templates Meta refused or paused
}

// NewBook is an empty book.
func NewBook() *Book {
	return &Book{creditors: map[string]map[string]entry{}, unusable: map[string]string{}}
}

// Add compiles a creditor's map into the book and returns its problems
// (Check without the needs); entries with problems are left out.
func (b *Book) Add(cr dialogs.Creditor, m Map) []Problem {
	entries, problems := compile(cr, m)
	b.mu.Lock()
	b.creditors[cr.ID] = entries
	b.mu.Unlock()
	return problems
}

// SetStatus records a template's review status at Meta (quita whatsapp
// templates sync): a rejected, paused or disabled translation is not sent,
// so its messages take the fallback instead of failing one by one; any
// other status (approved, pending…) lets it go.
func (b *Book) SetStatus(name, code, status string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if Unusable(status) {
		b.unusable[name+"|"+code] = strings.ToUpper(status)
	} else {
		delete(b.unusable, name+"|"+code)
	}
}

// Unusable reports whether a Meta template status means it cannot be sent.
func Unusable(status string) bool {
	switch strings.ToUpper(status) {
	case "REJECTED", "PAUSED", "DISABLED", "DELETED", "PENDING_DELETION", "ARCHIVED", "LIMIT_EXCEEDED":
		return true
	}
	return false
}

// Template is the template a message of creditor with catalog key goes as
// to a debtor speaking lang, its parameters filled from values; nil when
// there is none (no entry, no translation in that language, or one Meta
// refused or paused). On the Cloud API it needs Name, on Twilio ContentSID.
func (b *Book) Template(creditor, key, lang string, values map[string]string) *channels.Template {
	b.mu.RLock()
	defer b.mu.RUnlock()
	e, ok := b.creditors[creditor][key]
	if !ok {
		return nil
	}
	dl := debtorLanguage(lang)
	if lang == "" {
		dl = "pt-BR"
	}
	tr, ok := e.langs[dl]
	if !ok {
		return nil
	}
	name := e.tpl.Name
	if name != "" && b.unusable[name+"|"+tr.code] != "" {
		name = "" // refused or paused at Meta: only Twilio's Content template, if any, may go
	}
	if name == "" && tr.sid == "" {
		return nil
	}
	t := &channels.Template{Key: key, Name: name, Language: tr.code, Category: e.tpl.category(), ContentSID: tr.sid}
	for _, v := range tr.body.Values {
		t.Params = append(t.Params, values[v])
	}
	for _, btn := range e.tpl.Buttons {
		t.Buttons = append(t.Buttons, btn.Intent)
	}
	return t
}

// ButtonIntent is the intent a tapped quick-reply button of creditor's
// templates means: its payload when that is an intent (quita sends each
// button's intent as its payload), else the button whose label or
// configured intent matches; "" when it is none of theirs.
func (b *Book) ButtonIntent(creditor, payload, text string) string {
	for _, in := range dialogs.ButtonIntents {
		if payload == in {
			return in
		}
	}
	if payload == "" && text == "" {
		return ""
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, e := range b.creditors[creditor] {
		for _, btn := range e.tpl.Buttons {
			if (text != "" && strings.EqualFold(btn.Text, strings.TrimSpace(text))) || (payload != "" && strings.EqualFold(btn.Text, payload)) {
				return btn.Intent
			}
		}
	}
	return ""
}
