package portfolio

import (
	"strconv"

	"github.com/quita-bot/quita/storage"
)

// PreviewRows is how many rows a preview shows.
const PreviewRows = 20

// Preview is what importing a file would do, before anything is written:
// every error, and the first rows as quita read them.
type Preview struct {
	Summary
	Columns []string     `json:"columns"` // the file's columns, in the order of Columns
	First   []PreviewRow `json:"preview"`
}

// PreviewRow is one row as read: a valid row's values as they will be
// stored (CPF and phone normalized, the amount in reais, dates as
// dd/mm/aaaa), a refused row's as they are in the file, with its errors.
type PreviewRow struct {
	Line   int               `json:"line"`
	Values map[string]string `json:"values"`
	Errors []FieldError      `json:"errors,omitempty"`
}

// Preview validates every row of f as an import would, writing nothing,
// and keeps the first n rows.
func (im *Importer) Preview(f *File, n int) Preview {
	t := newTally()
	p := Preview{Columns: f.Columns(), First: []PreviewRow{}}
	for r := range f.Rows() {
		before := len(t.sum.Errors)
		v, ok := t.row(im, r)
		if len(p.First) >= n {
			continue
		}
		pr := PreviewRow{Line: r.Line, Values: map[string]string{}}
		for _, c := range p.Columns {
			pr.Values[c] = r.Get(c)
		}
		if ok {
			readValues(pr.Values, v.Row)
		} else {
			pr.Errors = append(pr.Errors, t.sum.Errors[before:]...)
		}
		p.First = append(p.First, pr)
	}
	p.Summary = t.close(f.Errors)
	p.Notes = f.Notes()
	return p
}

// readValues overwrites the values a valid row's validation normalized.
func readValues(vals map[string]string, r storage.ImportRow) {
	vals["cpf"] = formatCPF(r.CPF)
	for i, c := range []string{"phone", "phone2"} {
		if _, ok := vals[c]; ok && i < len(r.Phones) {
			vals[c] = formatPhone(r.Phones[i])
		}
	}
	if cents, err := strconv.ParseInt(r.Debt[storage.DebtAttrAmount], 10, 64); err == nil {
		vals["amount"] = "R$ " + formatAmount(cents)
	}
	for c, attr := range map[string]string{"due_date": r.Debt[storage.DebtAttrDue], "purchase_date": r.Debt[storage.DebtAttrPurchase],
		"birth_date": r.Debtor[storage.DebtorAttrBirth]} {
		if _, ok := vals[c]; ok {
			vals[c] = formatDate(attr)
		}
	}
	if _, ok := vals["vip"]; ok {
		vals["vip"] = formatVIP(r.Debtor[storage.DebtorAttrVIP] == "1")
	}
}
