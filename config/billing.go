package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/quita-bot/quita/payments"
)

// Pix is a creditor's PIX receiving key, from its `pix:` section.
type Pix struct {
	Key  string `yaml:"key"`
	Name string `yaml:"name"` // merchant name on the BR Code; the creditor's name when empty
	City string `yaml:"city"`
}

// Billing is what a creditor needs to issue boletos, PIX codes and plans.
// A part that is not configured, or not usable here, is left zero and its
// problem says why: no code path ever falls back to another account.
type Billing struct {
	Policy  payments.Policy
	Account payments.Account // zero when BoletoProblem != ""
	Pix     Pix              // zero when PixProblem != ""
	// BoletoProblem and PixProblem say why the creditor cannot issue that
	// kind of charge; "" when it can.
	BoletoProblem, PixProblem string
}

// Billing decodes a creditor's payments, boleto and pix sections. The policy
// takes payments.DefaultPolicy where the section is missing; the boleto
// account and the PIX key never take a default: a creditor without them gets
// no payment document (the debtor is told a person will send it).
func (d *Directory) Billing(creditorID string) (Billing, error) {
	c, ok := d.Section(creditorID)
	if !ok {
		return Billing{}, fmt.Errorf("creditor %q is not in QUITA_CONFIG: add it under creditors:", creditorID)
	}
	b := Billing{Policy: payments.DefaultPolicy()}
	if c.Payments.Kind != 0 {
		if err := c.Payments.Decode(&b.Policy); err != nil {
			return b, fmt.Errorf("creditor %s: payments: %w", c.ID, err)
		}
	}
	if c.Boleto.Kind != 0 {
		if err := c.Boleto.Decode(&b.Account); err != nil {
			return b, fmt.Errorf("creditor %s: boleto: %w", c.ID, err)
		}
	}
	if c.Pix.Kind != 0 {
		if err := c.Pix.Decode(&b.Pix); err != nil {
			return b, fmt.Errorf("creditor %s: pix: %w", c.ID, err)
		}
	}
	if b.Account.BeneficiaryName == "" {
		b.Account.BeneficiaryName = c.Name
	}
	if b.Account.CNPJ == "" {
		b.Account.CNPJ = c.CNPJ
	}
	if b.Account.Address == "" {
		b.Account.Address = c.Address
	}
	if b.Pix.Name == "" {
		b.Pix.Name = c.Name
	}
	b.BoletoProblem = d.boletoProblem(c, b.Account)
	b.PixProblem = d.pixProblem(c, b.Pix)
	if b.BoletoProblem != "" {
		b.Account = payments.Account{}
	}
	if b.PixProblem != "" {
		b.Pix = Pix{}
	}
	return b, nil
}

// probeDay is a fixed day for the trial charges that check an account.
var probeDay = time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)

func (d *Directory) boletoProblem(c Creditor, a payments.Account) string {
	switch {
	case c.Boleto.Kind == 0 || a.Bank == "":
		return "no boleto: section: add the bank account boletos are issued on (bank, agency, account, carteira), or register charges through a billing provider"
	case a.Example && !d.examples:
		return "boleto: is marked example: true (a made-up account); it is refused outside embedded demo mode: put the creditor's own account here"
	}
	if _, err := payments.NewBoleto(a, "00000001", 100, probeDay); err != nil {
		return "boleto: " + err.Error()
	}
	return ""
}

func (d *Directory) pixProblem(c Creditor, p Pix) string {
	switch {
	case c.Pix.Kind == 0 || p.Key == "":
		return "no pix: key: add the creditor's own chave Pix (pix: key:)"
	case strings.TrimSpace(p.City) == "":
		return "pix: city: missing: add the city the creditor receives in (the BR Code's merchant city)"
	case reservedDomain(p.Key) != "" && !d.examples:
		return fmt.Sprintf("pix: key %q is under the reserved domain %s, which can never receive money; it is refused outside embedded demo mode: put the creditor's own chave Pix here", p.Key, reservedDomain(p.Key))
	}
	if _, err := payments.PixPayload(payments.Pix{Key: p.Key, Name: p.Name, City: p.City, AmountCents: 100}); err != nil {
		return "pix: " + strings.TrimPrefix(err.Error(), "pix: ")
	}
	return ""
}
