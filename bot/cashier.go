package bot

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
)

// BillingFor returns a creditor's payment policy, boleto account and PIX key.
type BillingFor func(creditorID string) (payments.Policy, payments.Account, PixAccount, error)

// PixAccount is a creditor's PIX receiving key.
type PixAccount struct{ Key, Name, City string }

// Cashier adapts package payments to the dialog engine (dialogs.Cashier).
// With Charges, every boleto and PIX code is a charge of the creditor's
// billing provider, kept one live per debt (package billing); without it
// (tests, `quita boleto`) they are computed here, deterministic for a given
// debt and day.
type Cashier struct {
	Billing BillingFor
	Charges *billing.Service
}

var _ dialogs.Cashier = Cashier{}

func date(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

// nossoNumero derives a stable 8-digit nosso número for one debt, amount and
// due date, so that asking twice on one day gives the same boleto.
func nossoNumero(debtID string, cents int64, due string) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d|%s", debtID, cents, due)
	return fmt.Sprintf("%08d", h.Sum64()%100_000_000)
}

// account is the creditor's policy and boleto account; an error wrapping
// dialogs.ErrBillingNotConfigured when it has none (never another's).
func (c Cashier) account(creditorID string) (payments.Policy, payments.Account, error) {
	pol, acct, _, err := c.Billing(creditorID)
	if err == nil && acct.Bank == "" {
		err = fmt.Errorf("creditor %s has no usable boleto account: %w", creditorID, dialogs.ErrBillingNotConfigured)
	}
	return pol, acct, err
}

// SegundaVia implements dialogs.Cashier.
func (c Cashier) SegundaVia(cs dialogs.Case, d dialogs.Debt, now time.Time) (dialogs.Boleto, error) {
	if c.Charges != nil {
		return c.chargedBoleto(cs, d, 0, "", now)
	}
	pol, acct, err := c.account(d.CreditorID)
	if err != nil {
		return dialogs.Boleto{}, err
	}
	due, err := date(d.DueDate)
	if err != nil {
		return dialogs.Boleto{}, fmt.Errorf("debt %s due date: %w", d.ID, err)
	}
	up, err := payments.SegundaVia(pol, acct, payments.Debt{AmountCents: d.AmountCents, DueDate: due,
		NossoNumero: nossoNumero(d.ID, d.AmountCents, now.Format(time.DateOnly))}, now)
	if err != nil {
		return dialogs.Boleto{}, err
	}
	return c.document(cs, d, acct, up.Boleto, now)
}

// Boleto implements dialogs.Cashier.
func (c Cashier) Boleto(cs dialogs.Case, d dialogs.Debt, cents int64, dueDate string, now time.Time) (dialogs.Boleto, error) {
	if c.Charges != nil {
		return c.chargedBoleto(cs, d, cents, dueDate, now)
	}
	_, acct, err := c.account(d.CreditorID)
	if err != nil {
		return dialogs.Boleto{}, err
	}
	due, err := date(dueDate)
	if err != nil {
		return dialogs.Boleto{}, fmt.Errorf("due date %q: %w", dueDate, err)
	}
	b, err := payments.NewBoleto(acct, nossoNumero(d.ID, cents, dueDate), cents, due)
	if err != nil {
		return dialogs.Boleto{}, err
	}
	return c.document(cs, d, acct, b, now)
}

func (c Cashier) document(cs dialogs.Case, d dialogs.Debt, acct payments.Account, b payments.Boleto, now time.Time) (dialogs.Boleto, error) {
	doc := payments.BoletoDocument{Boleto: b, Beneficiary: acct, DocumentNumber: d.Invoice, ProcessingDate: now,
		Instructions: []string{"Segunda via emitida a pedido do pagador.", "Não receber após o vencimento."}}
	if cs.Debtor != nil {
		doc.PayerName, doc.PayerCPF = cs.Debtor.Name, cs.Debtor.CPF
	}
	if pd, err := date(d.PurchaseDate); err == nil {
		doc.DocumentDate = pd
	}
	pdf, err := payments.BoletoPDF(doc)
	if err != nil {
		return dialogs.Boleto{}, err
	}
	return dialogs.Boleto{Linha: b.Linha, AmountCents: b.AmountCents, DueDate: b.DueDate.Format(time.DateOnly),
		Beneficiary: acct.BeneficiaryName, PDF: pdf}, nil
}

// Pix implements dialogs.Cashier: a static BR Code for the amount (the
// debt's updated amount when 0) and its QR code.
func (c Cashier) Pix(cs dialogs.Case, d dialogs.Debt, cents int64, now time.Time) (dialogs.Pix, error) {
	if c.Charges != nil {
		return c.chargedPix(cs, d, cents, now)
	}
	pol, _, pix, err := c.Billing(d.CreditorID)
	if err != nil {
		return dialogs.Pix{}, err
	}
	if pix.Key == "" {
		return dialogs.Pix{}, fmt.Errorf("creditor %s has no usable PIX key: %w", d.CreditorID, dialogs.ErrBillingNotConfigured)
	}
	if cents == 0 {
		due, err := date(d.DueDate)
		if err != nil {
			return dialogs.Pix{}, fmt.Errorf("debt %s due date: %w", d.ID, err)
		}
		up, err := payments.UpdatedAmount(pol, payments.Debt{AmountCents: d.AmountCents, DueDate: due}, now)
		if err != nil {
			return dialogs.Pix{}, err
		}
		cents = up.TotalCents
	}
	txid := strings.ToUpper(fmt.Sprintf("Q%s%s", alnum(d.ID), now.Format("060102")))
	if len(txid) > 25 {
		txid = txid[:25]
	}
	payload, err := payments.PixPayload(payments.Pix{Key: pix.Key, Name: pix.Name, City: pix.City, AmountCents: cents, TxID: txid})
	if err != nil {
		return dialogs.Pix{}, err
	}
	png, err := payments.PixQRPNG(payload, 512)
	if err != nil {
		return dialogs.Pix{}, err
	}
	return dialogs.Pix{Payload: payload, AmountCents: cents, QRPNG: png}, nil
}

func alnum(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Offers implements dialogs.Cashier.
func (c Cashier) Offers(cs dialogs.Case, d dialogs.Debt, now time.Time) []dialogs.Offer {
	pol, _, _, err := c.Billing(d.CreditorID)
	if err != nil {
		return nil
	}
	first := payments.AddBusinessDays(now, max(pol.SegundaViaDays, 1))
	plans, err := payments.OffersFor(pol, d.AmountCents, daysOverdue(d, now), first)
	if err != nil {
		return nil
	}
	out := make([]dialogs.Offer, 0, len(plans))
	for _, p := range plans {
		out = append(out, offerOf(p))
	}
	return out
}

// Nearest implements dialogs.Cashier.
func (c Cashier) Nearest(cs dialogs.Case, d dialogs.Debt, req dialogs.PlanRequest, now time.Time) (dialogs.Offer, error) {
	pol, _, _, err := c.Billing(d.CreditorID)
	if err != nil {
		return dialogs.Offer{}, err
	}
	first := payments.AddBusinessDays(now, max(pol.SegundaViaDays, 1))
	if req.FirstDue != "" {
		if fd, err := date(req.FirstDue); err == nil && fd.After(first) {
			first = fd
		}
	}
	if req.Installments == 0 && req.MonthlyCents == 0 {
		p, err := payments.FullPlan(pol, d.AmountCents, daysOverdue(d, now), first)
		return offerOf(p), err
	}
	if req.Installments > 0 && req.MonthlyCents > 0 {
		req.MonthlyCents = 0 // a count is the more precise wish
	}
	n, err := payments.NearestPlan(pol, d.AmountCents, daysOverdue(d, now), req.Installments, req.MonthlyCents, first)
	if err != nil {
		return dialogs.Offer{}, err
	}
	return offerOf(n.Plan), nil
}

func daysOverdue(d dialogs.Debt, now time.Time) int {
	due, err := date(d.DueDate)
	if err != nil {
		return 0
	}
	today, _ := date(now.Format(time.DateOnly))
	return max(0, int(today.Sub(due).Hours()/24))
}

func offerOf(p payments.Plan) dialogs.Offer {
	o := dialogs.Offer{Installments: p.Count(), DownPaymentCents: p.DownPaymentCents, TotalCents: p.TotalCents, DiscountCents: p.DiscountCents}
	for _, in := range p.Installments {
		o.InstallmentCents = append(o.InstallmentCents, in.AmountCents)
		o.DueDates = append(o.DueDates, in.DueDate.Format(time.DateOnly))
	}
	switch {
	case p.DownPaymentCents > 0:
		o.FirstDue = p.DownPaymentDue.Format(time.DateOnly)
	case len(o.DueDates) > 0:
		o.FirstDue = o.DueDates[0]
	}
	return o
}
