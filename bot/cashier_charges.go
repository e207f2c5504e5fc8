package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// providerTimeout bounds one call to a bank's or PSP's API from a
// conversation: past it the debtor is told a person will follow up.
const providerTimeout = 10 * time.Second

// charge asks billing for the live charge of a debt: the provider's,
// registered, and the same one for a repeated request.
func (c Cashier) charge(cs dialogs.Case, d dialogs.Debt, kind payments.ChargeKind, cents int64, due time.Time, pol payments.Policy, now time.Time) (storage.ChargeRecord, error) {
	ctx, cancel := context.WithTimeout(context.Background(), providerTimeout)
	defer cancel()
	req := billing.Request{ChargeRequest: payments.ChargeRequest{
		CreditorID: d.CreditorID, DebtID: d.ID, Kind: kind, AmountCents: cents, DueDate: due,
		FinePercent: pol.FinePercent, MonthlyInterest: pol.MonthlyInterest,
		Description: "Fatura " + d.Invoice, IssuedOn: now,
	}, Installment: c.installmentOf(ctx, d.ID, cents, due)}
	if cs.Debtor != nil {
		req.Payer = payments.Payer{Name: cs.Debtor.Name, CPF: cs.Debtor.CPF, Email: cs.Debtor.Email}
	}
	rec, err := c.Charges.Charge(ctx, req)
	if errors.Is(err, billing.ErrNoProvider) {
		return rec, fmt.Errorf("%w: %w", dialogs.ErrBillingNotConfigured, err)
	}
	return rec, err
}

// installmentOf is the agreement installment an amount and due date pay;
// 0 (the whole debt) when it matches none.
func (c Cashier) installmentOf(ctx context.Context, debtID string, cents int64, due time.Time) int {
	ag, err := c.Charges.Store.Agreement(ctx, debtID)
	if err != nil {
		return 0
	}
	first := 0
	for k, in := range ag.Installments {
		if in.Paid || in.Cents != cents {
			continue
		}
		if in.DueDate == due.Format(time.DateOnly) {
			return k + 1
		}
		if first == 0 {
			first = k + 1 // a PIX for an installment carries no due date of its own
		}
	}
	return first
}

// amountDue is what a charge asks for: cents and dueDate when given (an
// agreement payment), else the debt's updated amount on its segunda via date.
func (c Cashier) amountDue(d dialogs.Debt, cents int64, dueDate string, now time.Time) (payments.Policy, int64, time.Time, error) {
	pol, _, _, err := c.Billing(d.CreditorID)
	if err != nil {
		return pol, 0, time.Time{}, err
	}
	if cents > 0 {
		due, err := date(dueDate)
		if err != nil {
			due = payments.AddBusinessDays(now, max(pol.SegundaViaDays, 1))
		}
		return pol, cents, due, nil
	}
	orig, err := date(d.DueDate)
	if err != nil {
		return pol, 0, time.Time{}, fmt.Errorf("debt %s due date: %w", d.ID, err)
	}
	up, err := payments.UpdatedAmount(pol, payments.Debt{AmountCents: d.AmountCents, DueDate: orig}, now)
	return pol, up.TotalCents, up.DueDate, err
}

func (c Cashier) chargedBoleto(cs dialogs.Case, d dialogs.Debt, cents int64, dueDate string, now time.Time) (dialogs.Boleto, error) {
	pol, cents, due, err := c.amountDue(d, cents, dueDate, now)
	if err != nil {
		return dialogs.Boleto{}, err
	}
	_, acct, _, _ := c.Billing(d.CreditorID)
	return c.boletoCharge(cs, d, cents, due, pol, acct, now)
}

func (c Cashier) chargedPix(cs dialogs.Case, d dialogs.Debt, cents int64, now time.Time) (dialogs.Pix, error) {
	pol, cents, due, err := c.amountDue(d, cents, "", now)
	if err != nil {
		return dialogs.Pix{}, err
	}
	return c.pixCharge(cs, d, cents, due, pol, now)
}

// boletoCharge is a boleto through billing: its PDF drawn here for a local
// one, the bank's link for a provider's, and the PIX of a boleto híbrido.
func (c Cashier) boletoCharge(cs dialogs.Case, d dialogs.Debt, cents int64, due time.Time, pol payments.Policy, acct payments.Account, now time.Time) (dialogs.Boleto, error) {
	rec, err := c.charge(cs, d, payments.KindBoleto, cents, due, pol, now)
	if err != nil {
		return dialogs.Boleto{}, err
	}
	out := dialogs.Boleto{Linha: rec.Linha, AmountCents: rec.AmountCents, DueDate: rec.DueDate.Format(time.DateOnly),
		Beneficiary: acct.BeneficiaryName, PDFURL: rec.PDFURL, PixPayload: rec.PixPayload,
		Unregistered: rec.State == payments.ChargeUnregistered}
	if rec.Linha == "" && rec.PixPayload != "" { // a PIX with a due date stands for the boleto (API Pix)
		png, err := payments.PixQRPNG(rec.PixPayload, 512)
		if err != nil {
			return dialogs.Boleto{}, err
		}
		out.PixQRPNG = png
	}
	if rec.Provider == "local" && acct.Bank != "" {
		b, err := payments.NewBoleto(acct, rec.ProviderID, rec.AmountCents, rec.DueDate)
		if err != nil {
			return dialogs.Boleto{}, err
		}
		doc, err := c.document(cs, d, acct, b, now)
		if err != nil {
			return dialogs.Boleto{}, err
		}
		out.PDF, out.Beneficiary = doc.PDF, doc.Beneficiary
	}
	return out, nil
}

// pixCharge is a PIX code through billing, with its QR drawn here.
func (c Cashier) pixCharge(cs dialogs.Case, d dialogs.Debt, cents int64, due time.Time, pol payments.Policy, now time.Time) (dialogs.Pix, error) {
	rec, err := c.charge(cs, d, payments.KindPix, cents, due, pol, now)
	if err != nil {
		return dialogs.Pix{}, err
	}
	if rec.PixPayload == "" {
		return dialogs.Pix{}, fmt.Errorf("%s charge %s came back without a PIX payload", rec.Provider, rec.ChargeID)
	}
	png, err := payments.PixQRPNG(rec.PixPayload, 512)
	if err != nil {
		return dialogs.Pix{}, err
	}
	return dialogs.Pix{Payload: rec.PixPayload, AmountCents: rec.AmountCents, QRPNG: png}, nil
}
