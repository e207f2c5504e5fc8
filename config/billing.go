package config

import (
	"fmt"

	"github.com/quita-bot/quita/payments"
)

// Pix is a creditor's PIX receiving key, from its `pix:` section.
type Pix struct {
	Key  string `yaml:"key"`
	Name string `yaml:"name"` // merchant name on the BR Code; the creditor's name when empty
	City string `yaml:"city"`
}

// Billing is what a creditor needs to issue boletos, PIX codes and plans.
type Billing struct {
	Policy  payments.Policy
	Account payments.Account
	Pix     Pix
}

// demoAccount is the demo creditor's boleto account (Itaú, carteira 109).
var demoAccount = payments.Account{Bank: "341", Agency: "1234", Account: "12345", Carteira: "109",
	BeneficiaryName: "Loja Exemplo Ltda", CNPJ: "12.345.678/0001-95", Address: "Rua das Flores, 100, São Paulo - SP"}

// Billing decodes a creditor's payments, boleto and pix sections; missing
// sections take the defaults (payments.DefaultPolicy, the demo account).
func (d *Directory) Billing(creditorID string) (Billing, error) {
	c, ok := d.Section(creditorID)
	if !ok {
		c = d.file.Creditors[0]
	}
	b := Billing{Policy: payments.DefaultPolicy(), Account: demoAccount,
		Pix: Pix{Key: "pix@loja-exemplo.com.br", City: "Sao Paulo"}}
	if c.Payments.Kind != 0 {
		if err := c.Payments.Decode(&b.Policy); err != nil {
			return b, fmt.Errorf("creditor %s: payments: %w", c.ID, err)
		}
	}
	if c.Boleto.Kind != 0 {
		b.Account = payments.Account{}
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
	return b, nil
}
