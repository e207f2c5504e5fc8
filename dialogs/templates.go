package dialogs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/quita-bot/quita/locales"
)

// Named values a WhatsApp template's body parameters are drawn from (the
// creditor's whatsapp_templates: parameters). Every message whose catalog
// key can open a conversation carries them (Message.Values), so that the
// channel can fill an approved template outside the 24-hour window.
const (
	ValueFirstName    = "first_name"
	ValueCreditorName = "creditor_name"
	ValueAmount       = "amount"   // as the language writes money: R$ 150,00
	ValueDueDate      = "due_date" // as the language writes a day: 27/11
	ValueInvoice      = "invoice"  // the debt's invoice number
	ValueShortLink    = "short_link"
	ValueInstallment  = "installment"  // which agreement installment: 2
	ValueInstallments = "installments" // of how many: 3
)

// templateValues maps each named value to the catalog placeholder that
// writes it ({{.name}} for first_name); "" for values no catalog text
// writes, usable only with a body of the operator's own.
var templateValues = []struct{ value, catalog string }{
	{ValueFirstName, "name"},
	{ValueCreditorName, "creditor"},
	{ValueAmount, "amount"},
	{ValueDueDate, "due"},
	{ValueInvoice, ""},
	{ValueShortLink, ""},
	{ValueInstallment, "n"},
	{ValueInstallments, "of"},
}

// TemplateValues lists the named values, in a stable order.
func TemplateValues() []string {
	out := make([]string, len(templateValues))
	for i, v := range templateValues {
		out[i] = v.value
	}
	return out
}

// CatalogVariable is the catalog placeholder that writes a named value
// ("name" for first_name), "" when no catalog text writes it; ok is false
// for a name that is not a named value.
func CatalogVariable(value string) (variable string, ok bool) {
	for _, v := range templateValues {
		if v.value == value {
			return v.catalog, true
		}
	}
	return "", false
}

// CreditorData is the catalog data that only depends on the creditor: what
// every message may write besides the named values (CNPJ, phone, site…).
// A template's body has these written out, the same in every message.
func CreditorData(cr Creditor) map[string]any {
	return map[string]any{
		"creditor": cr.Name, "cnpj": cr.CNPJ, "phone": cr.Phone, "site": cr.Site,
		"address": cr.Address, "hours": cr.BusinessHours,
	}
}

// openingKeys are the catalog keys the bot sends without being asked, so
// that they may have to go as a template: what ReminderKeys gives, plus
// these (an agreement installment, the thanks for a payment, the nudge
// after silence, the hand-back after a person held the conversation).
var openingKeys = []string{"handback", "handback.verify", "installment.due", "nudge",
	"paid.confirmed", "paid.confirmed_amount", "reminder.locked.a"}

// OpeningKeys lists the catalog keys, other than a cadence step's, that the
// bot can send to a debtor who has not written for a day or more.
func OpeningKeys() []string { return slices.Clone(openingKeys) }

// ReminderKeys lists the catalog keys a cadence step can send (as reminder
// picks them): by the step's kind, each variant, whether the debtor
// verified on this number, and whether it is their first delay. A variant
// without its own text sends variant a's.
func ReminderKeys(step string, variants []string) ([]string, error) {
	kind, err := reminderKind(step)
	if err != nil {
		return nil, err
	}
	families := []string{"reminder.locked", "reminder." + kind}
	if kind == "after" {
		families = []string{"reminder.locked", "reminder.after.first", "reminder.after.again"}
	}
	if len(variants) == 0 {
		variants = []string{"a"}
	}
	var keys []string
	for _, f := range families {
		for _, v := range variants {
			key := f + "." + v
			if !locales.Has(locales.Default, key) {
				key = f + ".a"
			}
			if !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// opens reports whether key is one the bot sends unasked.
func opens(key string) bool {
	return strings.HasPrefix(key, "reminder.") || slices.Contains(openingKeys, key)
}

// ButtonIntents are the intents a template's quick-reply button may stand
// for: what a debtor can mean with one tap.
var ButtonIntents = []string{IntentAskBoleto, IntentAskPix, IntentNegotiate, IntentPayInFull, IntentPromiseToPay,
	IntentAlreadyPaid, IntentDispute, IntentAskHuman, IntentOptOut, IntentWrongPerson, IntentDebtInfo, IntentAffirm, IntentDeny}

// withValues puts the named values on the message just said when its key
// opens a conversation; kv are the pairs it was rendered with.
func (t *turn) withValues(key string, kv ...any) {
	if !opens(key) || len(t.acts) == 0 || t.acts[len(t.acts)-1].Message == nil {
		return
	}
	data := t.data(kv...)
	vals := make(map[string]string, len(templateValues))
	for _, v := range templateValues {
		if d, ok := data[v.catalog]; ok && v.catalog != "" {
			vals[v.value] = fmt.Sprint(d)
		}
	}
	if t.debt != nil && t.debt.Invoice != "" {
		vals[ValueInvoice] = t.debt.Invoice
	}
	if site := t.cs.Creditor.Site; site != "" {
		vals[ValueShortLink] = site
	}
	t.acts[len(t.acts)-1].Message.Values = vals
}
