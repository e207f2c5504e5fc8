// Package billing is where quita's charges meet the creditor's bank or
// payment institution: it keeps one live charge per debt (reusing it for a
// repeated request, cancelling a superseded one at the provider before
// issuing its replacement), and applies every payment, whoever saw it,
// through one idempotent path. The providers themselves live in
// billing/asaas, billing/pixapi and billing/local; the money math stays in
// package payments.
package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// Provider is a creditor's provider with the name its charges carry.
type Provider struct {
	Name string // local | asaas | pix_api
	payments.PaymentProvider
	// KindSlots is true for a provider that keeps a boleto and a PIX code
	// apart (local: a static PIX cannot be cancelled nor a boleto made to
	// carry one), so each kind has its own live charge.
	KindSlots bool
	// Hybrid is true for a provider whose boletos also carry a PIX payload
	// (boleto híbrido): a boleto is asked for as a hybrid, and serves a
	// request for a PIX code too.
	Hybrid bool
}

// Providers returns the provider that issues a creditor's charges of a
// kind (a creditor may take PIX from its PSP's API Pix and boletos from its
// bank by CNAB), or an error wrapping ErrNoProvider when it has none usable.
type Providers func(creditorID string, kind payments.ChargeKind) (Provider, error)

// ErrNoProvider means the creditor cannot issue charges (not configured).
var ErrNoProvider = errors.New("no billing provider")

// Service issues charges and applies payments. Safe for concurrent use.
type Service struct {
	Store     *storage.Store
	Providers Providers
	Settler   Settler
	Now       func() time.Time
	Log       *slog.Logger
	// Counter, when set, is told of each payment applied for the first time.
	Counter func(provider, event string)
	// Settled, when set, observes the time from a payment's arrival to the
	// debt's settlement (the debtor's thanks queued).
	Settled func(provider string, d time.Duration)
}

// Request asks for the charge a debtor should pay now.
type Request struct {
	payments.ChargeRequest
	Installment int // 1-based agreement installment; 0: the whole debt
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// NewChargeID is a fresh id for a charge: 29 letters and digits, valid as an
// API Pix txid ([a-zA-Z0-9]{26,35}) and an Asaas externalReference.
func NewChargeID() string { return "QT" + strings.ToUpper(storage.NewID()) + "Q" }

// Charge returns the live charge for the request: the one already issued
// when it has the same amount, due date and kind, else a new one, after the
// superseded one is cancelled at the provider, so that a debtor never holds
// two payable charges for one debt.
func (s *Service) Charge(ctx context.Context, req Request) (storage.ChargeRecord, error) {
	prov, err := s.Providers(req.CreditorID, req.Kind)
	if err != nil {
		return storage.ChargeRecord{}, err
	}
	if prov.Hybrid && req.Kind == payments.KindBoleto {
		req.Kind = payments.KindHybrid
	}
	unlock, err := s.Store.LockDebtCharges(ctx, req.DebtID, 30*time.Second)
	if err != nil {
		return storage.ChargeRecord{}, err
	}
	defer unlock()
	slot := req.Installment
	if prov.KindSlots && req.Kind == payments.KindPix {
		slot = -1 - req.Installment // a PIX code beside the boleto of the same slot
	}
	liveID, err := s.Store.LiveChargeID(ctx, req.DebtID, slot)
	if err != nil {
		return storage.ChargeRecord{}, err
	}
	var rec storage.ChargeRecord
	if liveID != "" {
		cur, err := s.Store.Charge(ctx, liveID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return storage.ChargeRecord{}, err
		case sameCharge(cur, req, prov.Name) && cur.Live():
			return cur, nil
		case sameCharge(cur, req, prov.Name) && cur.State == issuing:
			rec = cur // a crash between recording and issuing: issue again, same id
		case cur.Live() || cur.State == issuing:
			if err := s.cancel(ctx, prov, cur); err != nil {
				return storage.ChargeRecord{}, err
			}
		}
	}
	now := s.now().UTC()
	if rec.ChargeID == "" {
		req.ChargeID = NewChargeID()
		rec = storage.ChargeRecord{
			Charge: payments.Charge{ChargeID: req.ChargeID, Provider: prov.Name, Kind: req.Kind, State: issuing,
				AmountCents: req.AmountCents, DueDate: req.DueDate},
			CreditorID: req.CreditorID, DebtID: req.DebtID, Installment: req.Installment, CreatedAt: now, UpdatedAt: now,
		}
		// Recorded before the provider is called: a retry after a crash
		// reuses the id, and the provider's idempotency returns the same charge.
		if err := s.Store.SaveCharge(ctx, rec); err != nil {
			return storage.ChargeRecord{}, err
		}
		if err := s.Store.SetLiveCharge(ctx, req.DebtID, slot, rec.ChargeID); err != nil {
			return storage.ChargeRecord{}, err
		}
	}
	req.ChargeID = rec.ChargeID
	c, err := prov.Issue(ctx, req.ChargeRequest)
	if err != nil {
		rec.Problem, rec.UpdatedAt = err.Error(), now
		_ = s.Store.SaveCharge(ctx, rec)
		return storage.ChargeRecord{}, fmt.Errorf("%s: issue charge for debt %s: %w", prov.Name, req.DebtID, err)
	}
	c.ChargeID, c.Provider = rec.ChargeID, prov.Name
	if c.State == "" {
		c.State = payments.ChargeRegistered
	}
	rec.Charge, rec.Problem, rec.UpdatedAt = c, "", s.now().UTC()
	if err := s.Store.SaveCharge(ctx, rec); err != nil {
		return storage.ChargeRecord{}, err
	}
	s.log().Info("charge issued", "provider", prov.Name, "charge", rec.ChargeID, "debt", req.DebtID, "kind", c.Kind, "state", c.State)
	return rec, nil
}

// issuing is the state of a charge recorded but not yet confirmed by its provider.
const issuing = "issuing"

// sameCharge reports whether cur already is what req asks for.
func sameCharge(cur storage.ChargeRecord, req Request, provider string) bool {
	return cur.Provider == provider && cur.AmountCents == req.AmountCents &&
		cur.DueDate.Format(time.DateOnly) == req.DueDate.Format(time.DateOnly) &&
		(cur.Kind == req.Kind || cur.Kind == payments.KindHybrid)
}

// cancel withdraws a superseded charge at its provider, then records it.
// An error leaves it live: no second charge is issued while the first can
// still be paid.
func (s *Service) cancel(ctx context.Context, prov Provider, cur storage.ChargeRecord) error {
	if cur.ProviderID != "" && cur.State != payments.ChargeUnregistered {
		if err := prov.Cancel(ctx, cur.ProviderID); err != nil {
			return fmt.Errorf("%s: cancel superseded charge %s (no new charge issued while it can be paid): %w", prov.Name, cur.ChargeID, err)
		}
	}
	cur.State, cur.UpdatedAt = payments.ChargeCancelled, s.now().UTC()
	return s.Store.SaveCharge(ctx, cur)
}

// Cancel withdraws a debt's live charges (the debt was settled another way,
// disputed, or written off).
func (s *Service) Cancel(ctx context.Context, creditorID, debtID string) error {
	recs, err := s.Store.DebtCharges(ctx, debtID)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range recs {
		if r.Live() || r.State == issuing {
			prov, err := s.Providers(creditorID, r.Kind)
			if err == nil && prov.Name != r.Provider {
				err = fmt.Errorf("charge %s was issued by %s, the creditor now uses %s: cancel it there by hand", r.ChargeID, r.Provider, prov.Name)
			}
			if err == nil {
				err = s.cancel(ctx, prov, r)
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
