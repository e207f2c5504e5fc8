package payments

import (
	"fmt"
	"strconv"
	"time"
)

// Parsed is what a linha digitável or barcode says.
type Parsed struct {
	Bank        string            `json:"bank"`
	BankName    string            `json:"bank_name,omitempty"`
	Barcode     string            `json:"barcode"`
	Linha       string            `json:"linha_digitavel"`
	Factor      int               `json:"factor"`
	DueDate     time.Time         `json:"due_date,omitzero"` // zero when Factor is 0
	AmountCents int64             `json:"amount_cents"`
	CampoLivre  string            `json:"campo_livre"`
	Fields      map[string]string `json:"fields,omitempty"`  // bank-specific, when the campo livre decodes with its own digits
	Warning     string            `json:"warning,omitempty"` // why Fields is empty for a bank we know
}

// ParseBoleto reads a linha digitável (47 digits) or a barcode (44 digits),
// with or without dots, spaces or hyphens, and checks every check digit: the
// three modulo 10 digits of a linha and the general modulo 11 digit. A
// failing digit is reported as a *CheckDigitError that names it.
//
// The due-date factor repeats every 9000 days (it rolled over on 2025-02-22),
// so the due date is the one nearest ref; pass the day the boleto was read.
// For banks we know, the campo livre is decoded into Fields; a campo livre
// that does not follow our layout (another carteira) only sets Warning.
func ParseBoleto(s string, ref time.Time) (Parsed, error) {
	d := onlyDigits(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9') && c != ' ' && c != '.' && c != '-' && c != '\t' && c != '\n' && c != '\r' {
			return Parsed{}, fmt.Errorf("unexpected character %q: a boleto has only digits, dots and spaces", c)
		}
	}
	var bc string
	switch len(d) {
	case linhaLen:
		if d[0] == '8' {
			return Parsed{}, fmt.Errorf("a line starting with 8 is a utility (arrecadação) slip, not a boleto de cobrança")
		}
		if err := checkLinha(d); err != nil {
			return Parsed{}, err
		}
		bc = barcodeFromLinha(d)
	case barcodeLen:
		if d[0] == '8' {
			return Parsed{}, fmt.Errorf("a code starting with 8 is a utility (arrecadação) slip, not a boleto de cobrança")
		}
		if err := checkBarcode(d); err != nil {
			return Parsed{}, err
		}
		bc = d
	case 48:
		return Parsed{}, fmt.Errorf("48 digits is a utility (arrecadação) slip, not a boleto de cobrança")
	default:
		return Parsed{}, fmt.Errorf("expected a 47-digit linha digitável or a 44-digit barcode, got %d digits", len(d))
	}
	factor, _ := strconv.Atoi(bc[5:9])
	amount, _ := strconv.ParseInt(bc[9:19], 10, 64)
	due, _, err := FactorDate(factor, ref)
	if err != nil {
		return Parsed{}, err
	}
	p := Parsed{
		Bank:        bc[0:3],
		BankName:    BankName(bc[0:3]),
		Barcode:     bc,
		Linha:       FormatLinha(linhaDigits(bc)),
		Factor:      factor,
		DueDate:     due,
		AmountCents: amount,
		CampoLivre:  bc[19:44],
	}
	if spec, ok := banks[p.Bank]; ok {
		if f, err := spec.decode(p.CampoLivre); err != nil {
			p.Warning = err.Error()
		} else {
			p.Fields = f
		}
	}
	return p, nil
}
