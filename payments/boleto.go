package payments

import (
	"fmt"
	"time"
)

// Boleto is a generated boleto de cobrança.
type Boleto struct {
	Bank        string    `json:"bank"`
	Barcode     string    `json:"barcode"`         // 44 digits
	Linha       string    `json:"linha_digitavel"` // 47 digits, formatted
	DueDate     time.Time `json:"due_date"`        // zero when the boleto has no due date (factor 0000)
	AmountCents int64     `json:"amount_cents"`
	NossoNumero string    `json:"nosso_numero"` // as printed, with the bank's check digit
	AgencyCode  string    `json:"agency_code"`  // "agência / código do beneficiário" as printed
	CampoLivre  string    `json:"campo_livre"`
}

// NewBoleto builds the barcode and linha digitável of a boleto for one of the
// banks in BankHelp. A zero due date encodes factor 0000 (no due date);
// amountCents 0 leaves the amount to be filled in at payment.
func NewBoleto(acct Account, nossoNumero string, amountCents int64, due time.Time) (Boleto, error) {
	spec, ok := banks[acct.Bank]
	if !ok {
		return Boleto{}, fmt.Errorf("bank %q is not supported; supported: 001, 033, 104, 237, 341", acct.Bank)
	}
	factor := 0
	if !due.IsZero() {
		f, err := DueFactor(due)
		if err != nil {
			return Boleto{}, err
		}
		factor, due = f, dateOf(due)
	}
	cl, nn, agencyCode, err := spec.campo(acct, nossoNumero)
	if err != nil {
		return Boleto{}, err
	}
	bc, err := buildBarcode(spec.Code, factor, amountCents, cl)
	if err != nil {
		return Boleto{}, err
	}
	linha := linhaDigits(bc)
	// Check what we generate with the same parser that checks what we read.
	if err := checkLinha(linha); err != nil {
		return Boleto{}, fmt.Errorf("internal error: generated linha %s fails its own check: %w", linha, err)
	}
	return Boleto{
		Bank:        spec.Code,
		Barcode:     bc,
		Linha:       FormatLinha(linha),
		DueDate:     due,
		AmountCents: amountCents,
		NossoNumero: nn,
		AgencyCode:  agencyCode,
		CampoLivre:  cl,
	}, nil
}
