// Package local is the provider of a creditor whose bank is not reached by
// an API: boletos are computed here from the creditor's own account and
// registered at the bank by a CNAB 240 remessa (package billing/cnab, `quita
// cnab remessa`); until the bank confirms the entry a boleto is
// "unregistered" and the bank will refuse it. PIX codes are static BR Codes
// on the creditor's own key: payable at once, but their payment is seen only
// through a bank statement, a CNAB retorno or the API.
package local

import (
	"context"
	"errors"
	"fmt"

	"github.com/quita-bot/quita/payments"
)

// Name is the provider name local charges carry.
const Name = "local"

// Provider issues local charges. NossoNumero gives each boleto a number
// unique for the creditor's account (a Redis counter in production).
type Provider struct {
	Account     payments.Account // zero when the creditor has no usable boleto account
	PixKey      string           // "" when it has no usable key
	PixName     string
	PixCity     string
	NossoNumero func(ctx context.Context) (string, error)
}

var _ payments.PaymentProvider = (*Provider)(nil)

// ErrCannotSee is returned by Lookup: nothing local can see a bank.
var ErrCannotSee = errors.New("local provider: payments are seen by a CNAB retorno or the payments API, not looked up")

// Issue computes the boleto or the static PIX code.
func (p *Provider) Issue(ctx context.Context, req payments.ChargeRequest) (payments.Charge, error) {
	c := payments.Charge{ChargeID: req.ChargeID, Provider: Name, Kind: req.Kind, AmountCents: req.AmountCents, DueDate: req.DueDate}
	switch req.Kind {
	case payments.KindBoleto, payments.KindHybrid:
		if p.Account.Bank == "" {
			return c, errors.New("local provider: the creditor has no boleto account")
		}
		nn, err := p.NossoNumero(ctx)
		if err != nil {
			return c, fmt.Errorf("local provider: nosso número: %w", err)
		}
		b, err := payments.NewBoleto(p.Account, nn, req.AmountCents, req.DueDate)
		if err != nil {
			return c, err
		}
		c.Kind, c.ProviderID, c.Linha, c.Barcode, c.State = payments.KindBoleto, nn, b.Linha, b.Barcode, payments.ChargeUnregistered
	case payments.KindPix:
		if p.PixKey == "" {
			return c, errors.New("local provider: the creditor has no PIX key")
		}
		txid := req.ChargeID
		if len(txid) > 25 { // a static BR Code's txid holds at most 25 characters
			txid = txid[:25]
		}
		payload, err := payments.PixPayload(payments.Pix{Key: p.PixKey, Name: p.PixName, City: p.PixCity, AmountCents: req.AmountCents, TxID: txid})
		if err != nil {
			return c, err
		}
		c.ProviderID, c.PixPayload, c.State = txid, payload, payments.ChargeRegistered
	default:
		return c, fmt.Errorf("local provider: unknown charge kind %q", req.Kind)
	}
	return c, nil
}

// Lookup cannot see the bank.
func (p *Provider) Lookup(context.Context, string) (payments.ChargeStatus, error) {
	return payments.ChargeStatus{}, ErrCannotSee
}

// Cancel has nothing to withdraw before a remessa; a boleto a remessa
// carried is written off by the bank on a pedido de baixa, which the next
// `quita cnab remessa` carries (storage.WriteOffLocalCharges).
func (p *Provider) Cancel(context.Context, string) error { return nil }
