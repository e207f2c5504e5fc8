package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/billing/pixapi"
	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// Pix Automático for agreements (API Pix v2.9.0, openapi.yaml of
// github.com/bacen/pix-api: /locrec, /rec, /cobr, /webhookrec,
// /webhookcobr), for creditors whose `billing: pix_api:` has
// `recurring: true`. The scheduler (bot/autodebit.go) decides when; this
// file does it at the creditor's PSP. Each debit is a charge record
// (kind pix_automatico, provider pix_api, our id its txid) so that its Pix
// goes through the one payment path, billing.Apply, whoever saw it: the
// cobr webhook here, the /pix webhook, or the GET /pix backstop.

// pixAutoDebits implements bot.AutoDebits over the creditors' PSPs.
type pixAutoDebits struct{ s *service }

var _ bot.AutoDebits = pixAutoDebits{}

// recurring is a creditor's API Pix config when it offers Pix Automático.
func (p pixAutoDebits) recurring(creditorID string) (config.PixAPIConfig, bool) {
	bp, err := p.s.dir.BillingProvider(creditorID)
	if err != nil || bp.Provider != config.ProviderPixAPI || !bp.PixAPI.Recurring {
		return config.PixAPIConfig{}, false
	}
	return bp.PixAPI, true
}

func (p pixAutoDebits) client(creditorID string) (*pixapi.Client, config.PixAPIConfig, error) {
	cfg, ok := p.recurring(creditorID)
	if !ok {
		return nil, cfg, fmt.Errorf("creditor %s does not offer Pix Automático (billing.pix_api.recurring)", creditorID)
	}
	c, err := pixAPIClient(creditorID, cfg)
	return c, cfg, err
}

func (p pixAutoDebits) NoticeDays(creditorID string) int {
	cfg, ok := p.recurring(creditorID)
	if !ok {
		return 0
	}
	return cfg.NoticeDays()
}

func (p pixAutoDebits) Authorise(ctx context.Context, debt dialogs.Debt, debtor dialogs.Debtor, cents int64, count int, first, last string) (string, string, error) {
	c, cfg, err := p.client(debt.CreditorID)
	if err != nil {
		return "", "", err
	}
	f, err1 := time.Parse(time.DateOnly, first)
	l, err2 := time.Parse(time.DateOnly, last)
	if err := errors.Join(err1, err2); err != nil {
		return "", "", fmt.Errorf("agreement of %s: %w", debt.ID, err)
	}
	object := "Acordo"
	if cr, ok := p.s.dir.Creditor(debt.CreditorID); ok {
		object = "Acordo " + cr.Name
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// vinculo.contrato is the debt's id: the agreement's key, and what a
	// rec read back from the PSP is matched with.
	r, err := c.CreateRecurrence(ctx, pixapi.Recurrence{Contract: debt.ID, Object: object,
		Payer: payments.Payer{Name: debtor.Name, CPF: debtor.CPF}, First: f, Last: l, AmountCents: cents, Retry: cfg.RecurringRetry})
	if err != nil {
		return "", "", err
	}
	p.s.log.Info("pix automático: authorisation created", "creditor", debt.CreditorID, "debt", debt.ID, "rec", r.ID, "installments", count, "journey", r.Journey)
	return r.ID, r.Code, nil
}

// autoDebitState maps a RecStatus to the agreement's.
func autoDebitState(r pixapi.Rec) string {
	switch {
	case r.Approved():
		return storage.AutoDebitApproved
	case r.Ended():
		return storage.AutoDebitEnded
	}
	return storage.AutoDebitOffered
}

func (p pixAutoDebits) Status(ctx context.Context, creditorID, recID string) (string, string, error) {
	c, _, err := p.client(creditorID)
	if err != nil {
		return "", "", err
	}
	r, err := c.Recurrence(ctx, recID)
	if err != nil {
		return "", "", err
	}
	return autoDebitState(r), strings.TrimSpace(r.Status + " " + r.Reason), nil
}

func (p pixAutoDebits) Debit(ctx context.Context, debt dialogs.Debt, debtor dialogs.Debtor, ag storage.AgreementRecord, n int) (string, error) {
	c, cfg, err := p.client(debt.CreditorID)
	if err != nil {
		return "", err
	}
	if ag.AutoDebit == nil || ag.AutoDebit.RecID == "" || n < 1 || n > len(ag.Installments) {
		return "", fmt.Errorf("debt %s: installment %d has no authorised automatic debit", debt.ID, n)
	}
	in := ag.Installments[n-1]
	due, err := time.Parse(time.DateOnly, in.DueDate)
	if err != nil {
		return "", err
	}
	// The charge is recorded before the PSP is called: a retry after a
	// crash finds it and issues the same txid (PUT is idempotent at the PSP).
	txid, err := p.debitCharge(ctx, debt, n, in.Cents, due)
	if err != nil {
		return "", err
	}
	acct := cfg.RecurringAccount
	cr, err := c.IssueRecurring(ctx, pixapi.RecurringCharge{Txid: txid, RecID: ag.AutoDebit.RecID, DueDate: due, AmountCents: in.Cents,
		Info: fmt.Sprintf("Parcela %d de %d", n, len(ag.Installments)), Email: debtor.Email,
		Receiver: pixapi.Account{Branch: acct.Branch, Number: acct.Number, Type: acct.Type}})
	if err != nil {
		return "", err
	}
	if _, err := p.s.billing.MarkChargeState(ctx, txid, payments.ChargeRegistered, ""); err != nil {
		return "", err
	}
	p.s.log.Info("pix automático: debit issued", "creditor", debt.CreditorID, "debt", debt.ID, "installment", n, "txid", txid, "status", cr.Status)
	return txid, nil
}

// debitCharge is installment n's debit charge record: the one already
// recorded, else a new one. It is never the installment's live charge, so
// that a debtor who asks for a PIX code still gets a cobv of their own.
func (p pixAutoDebits) debitCharge(ctx context.Context, debt dialogs.Debt, n int, cents int64, due time.Time) (string, error) {
	st := p.s.store
	recs, err := st.DebtCharges(ctx, debt.ID)
	if err != nil {
		return "", err
	}
	for _, r := range recs {
		if r.Kind == payments.KindPixAutomatic && r.Installment == n && r.Live() {
			return r.ChargeID, nil
		}
	}
	now := time.Now().UTC()
	id := billing.NewChargeID()
	rec := storage.ChargeRecord{Charge: payments.Charge{ChargeID: id, Provider: config.ProviderPixAPI, ProviderID: id,
		Kind: payments.KindPixAutomatic, State: payments.ChargeUnregistered, AmountCents: cents, DueDate: due},
		CreditorID: debt.CreditorID, DebtID: debt.ID, Installment: n, CreatedAt: now, UpdatedAt: now}
	return id, st.SaveCharge(ctx, rec)
}

// End cancels the rec and each debit issued and not paid (both cancels
// are idempotent at the client), and marks those debits cancelled.
func (p pixAutoDebits) End(ctx context.Context, creditorID string, ag storage.AgreementRecord) error {
	if ag.AutoDebit == nil {
		return nil
	}
	c, _, err := p.client(creditorID)
	if err != nil {
		return err
	}
	if ag.AutoDebit.RecID != "" {
		if err := c.CancelRecurrence(ctx, ag.AutoDebit.RecID); err != nil {
			return err
		}
	}
	for _, in := range ag.Installments {
		if in.DebitTxid == "" || in.Paid {
			continue
		}
		if err := c.CancelRecurring(ctx, in.DebitTxid); err != nil {
			return err
		}
		if _, err := p.s.billing.MarkChargeState(ctx, in.DebitTxid, payments.ChargeCancelled, "pix automático ended"); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}

func (p pixAutoDebits) CheckDebit(ctx context.Context, creditorID, txid string) (string, error) {
	c, _, err := p.client(creditorID)
	if err != nil {
		return "", err
	}
	cr, err := c.Recurring(ctx, txid)
	if err != nil {
		return "", err
	}
	return p.s.applyCobR(ctx, creditorID, cr)
}

// applyCobR applies what the PSP says of a debit: each Pix through the one
// payment path; a debit given up (REJEITADA, EXPIRADA) or cancelled is
// recorded and its reason returned.
func (s *service) applyCobR(ctx context.Context, creditor string, cr pixapi.CobR) (string, error) {
	for _, pm := range cr.Payments {
		if _, err := s.applyPixAPI(ctx, creditor, pm); err != nil && !errors.Is(err, payments.ErrUnknownCharge) {
			return "", err
		}
	}
	switch cr.Status {
	case pixapi.CobRRejected, pixapi.CobRExpired, pixapi.CobRCancelled:
		if _, err := s.billing.MarkChargeState(ctx, cr.Txid, payments.ChargeCancelled, strings.TrimSpace("cobr "+cr.Status+" "+cr.Reason)); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return "", err
		}
		return strings.TrimSpace(cr.Status + " " + cr.Reason), nil
	}
	return "", nil
}

// recurringProvider lets billing cancel a debit like any charge (a debt
// settled another way): PATCH /cobr/{txid}. Debits are issued by
// pixAutoDebits, never by billing.Charge.
type recurringProvider struct{ c *pixapi.Client }

func (r recurringProvider) Issue(context.Context, payments.ChargeRequest) (payments.Charge, error) {
	return payments.Charge{}, errors.New("pix_api: a Pix Automático debit is issued by the agreement's scheduler, not on request")
}

func (r recurringProvider) Lookup(ctx context.Context, providerID string) (payments.ChargeStatus, error) {
	cr, err := r.c.Recurring(ctx, providerID)
	if err != nil {
		return payments.ChargeStatus{}, err
	}
	st := payments.ChargeStatus{ProviderID: providerID, State: payments.ChargeRegistered, Payments: cr.Payments}
	switch cr.Status {
	case pixapi.CobRConcluded:
		st.State = payments.ChargePaid
	case pixapi.CobRRejected, pixapi.CobRExpired, pixapi.CobRCancelled:
		st.State = payments.ChargeCancelled
	}
	return st, nil
}

func (r recurringProvider) Cancel(ctx context.Context, providerID string) error {
	return r.c.CancelRecurring(ctx, providerID)
}

// pixAPIRecWebhook receives {webhookUrl}/rec ({"recs":[…]}): each idRec is
// read back with GET /rec/{idRec} at the creditor's PSP, and only what the
// PSP answers, for a rec of this creditor's agreement, changes anything.
func (s *service) pixAPIRecWebhook(c *fiber.Ctx) error {
	creditor := c.Params("creditor")
	p := pixAutoDebits{s}
	client, _, err := p.client(creditor)
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no Pix Automático for creditor "+creditor)
	}
	ids, err := pixapi.ParseRecWebhook(c.Body())
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 20*time.Second)
	defer cancel()
	changed, ignored := 0, 0
	for _, id := range ids {
		r, err := client.Recurrence(ctx, id)
		if errors.Is(err, payments.ErrUnknownCharge) {
			s.log.Warn("pix_api rec webhook names a rec the PSP does not know: ignored", "creditor", creditor, "rec", id, "ip", c.IP())
			ignored++
			continue
		}
		if err != nil {
			s.log.Error("pix_api rec webhook: reading the rec", "creditor", creditor, "rec", id, "err", err)
			return fiber.NewError(fiber.StatusServiceUnavailable, "could not read the rec at the PSP; retry later")
		}
		ag, err := s.store.Agreement(ctx, r.Contract)
		debt, derr := s.store.Debt(ctx, r.Contract)
		if err != nil || derr != nil || debt.CreditorID != creditor || ag.AutoDebit == nil || ag.AutoDebit.RecID != r.ID {
			ignored++ // not one of this creditor's agreements
			continue
		}
		if err := s.scheduler.AutoDebitChanged(ctx, debt.ID, autoDebitState(r), strings.TrimSpace(r.Status+" "+r.Reason)); err != nil {
			return err
		}
		changed++
	}
	return c.JSON(fiber.Map{"ok": true, "changed": changed, "ignored": ignored})
}

// pixAPICobRWebhook receives {webhookUrl}/cobr ({"cobsr":[…]}): each txid
// is read back with GET /cobr/{txid}; its Pix go through billing.Apply,
// and a debit the PSP gave up on falls back to the installment's reminder.
func (s *service) pixAPICobRWebhook(c *fiber.Ctx) error {
	creditor := c.Params("creditor")
	p := pixAutoDebits{s}
	client, _, err := p.client(creditor)
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no Pix Automático for creditor "+creditor)
	}
	txids, err := pixapi.ParseCobRWebhook(c.Body())
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 20*time.Second)
	defer cancel()
	seen, ignored := 0, 0
	for _, txid := range txids {
		rec, err := s.store.Charge(ctx, txid)
		if err != nil || rec.CreditorID != creditor || rec.Kind != payments.KindPixAutomatic {
			ignored++ // not a debit quita issued for this creditor
			continue
		}
		cr, err := client.Recurring(ctx, txid)
		if errors.Is(err, payments.ErrUnknownCharge) {
			ignored++
			continue
		}
		if err != nil {
			s.log.Error("pix_api cobr webhook: reading the cobr", "creditor", creditor, "txid", txid, "err", err)
			return fiber.NewError(fiber.StatusServiceUnavailable, "could not read the cobr at the PSP; retry later")
		}
		failed, err := s.applyCobR(ctx, creditor, cr)
		if err != nil {
			return err
		}
		if failed != "" && cr.Status != pixapi.CobRCancelled {
			if err := s.scheduler.DebitFailed(ctx, rec.DebtID, rec.Installment, failed); err != nil {
				return err
			}
		}
		seen++
	}
	return c.JSON(fiber.Map{"ok": true, "read": seen, "ignored": ignored})
}
