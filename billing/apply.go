package billing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// Settler is what a settled or reopened charge changes outside billing: the
// debt or installment, its reminders, the debtor's thanks. Both calls must
// be idempotent (they are repeated when a delivery is retried).
type Settler interface {
	Settle(ctx context.Context, debtID string, installment int, cents int64, reference string) error
	Reopen(ctx context.Context, debtID string, installment int, reason string) error
}

// Applied says what one payment notification changed.
type Applied struct {
	ChargeID  string `json:"charge_id"`
	DebtID    string `json:"debt_id"`
	Duplicate bool   `json:"duplicate"` // seen before: nothing changed
	State     string `json:"state"`     // the charge's state now
	NetCents  int64  `json:"net_cents"` // paid and not refunded
	Settled   bool   `json:"settled"`   // the debt or installment is settled by this charge
	Partial   bool   `json:"partial"`   // money arrived but less than the charge
	Overpaid  int64  `json:"overpaid_cents,omitempty"`
}

// Apply is the one payment path: whatever saw the payment (a webhook, the
// reconciliation backstop, a CNAB retorno, the API) calls it, and it counts
// each payment id once. A charge paid in full settles its debt or
// installment (once); a partial payment is recorded and keeps the rest
// open; a refund that leaves less than the charge reopens it. Amounts add
// up by payment id, so a refund seen before its payment ends the same way.
func (s *Service) Apply(ctx context.Context, p payments.Payment) (Applied, error) {
	arrived := s.now()
	if p.ID == "" || (p.Event != payments.PaymentReceived && p.Event != payments.PaymentRefunded) {
		return Applied{}, fmt.Errorf("payment: an id and an event (received or refunded) are required, got id %q event %q", p.ID, p.Event)
	}
	rec, err := s.find(ctx, p)
	if err != nil {
		return Applied{}, err
	}
	unlock, err := s.Store.LockDebtCharges(ctx, rec.DebtID, 30*time.Second)
	if err != nil {
		return Applied{}, err
	}
	defer unlock()
	if rec, err = s.Store.Charge(ctx, rec.ChargeID); err != nil { // fresh, under the lock
		return Applied{}, err
	}
	first, err := s.Store.ClaimPayment(ctx, p.Provider, p.ID+":"+p.Event, rec.ChargeID)
	if err != nil {
		return Applied{}, err
	}
	if first && !slices.Contains(rec.Payments, p.ID+":"+p.Event) {
		if p.Event == payments.PaymentReceived {
			rec.ReceivedCents += p.AmountCents
		} else {
			rec.RefundedCents += p.AmountCents
		}
		rec.Payments = append(rec.Payments, p.ID+":"+p.Event)
		rec.State, rec.UpdatedAt = stateAfter(rec), s.now().UTC()
		if err := s.Store.SaveChargeWithPayment(ctx, rec, paymentRecord(rec, p, arrived)); err != nil {
			_ = s.Store.ReleasePayment(ctx, p.Provider, p.ID+":"+p.Event)
			return Applied{}, err
		}
		if s.Counter != nil {
			s.Counter(p.Provider, p.Event)
		}
		s.log().Info("payment applied", "provider", p.Provider, "payment", p.ID, "event", p.Event,
			"charge", rec.ChargeID, "debt", rec.DebtID, "cents", p.AmountCents, "state", rec.State)
	}
	// Settling runs on every delivery until it has happened, so a retried
	// webhook finishes what a failed one began.
	if err := s.settle(ctx, &rec, p, arrived); err != nil {
		return Applied{}, err
	}
	out := Applied{ChargeID: rec.ChargeID, DebtID: rec.DebtID, Duplicate: !first, State: rec.State,
		NetCents: rec.NetCents(), Settled: rec.Settled}
	out.Partial = !rec.Settled && rec.NetCents() > 0
	if over := rec.NetCents() - rec.AmountCents; over > 0 {
		out.Overpaid = over
	}
	return out, nil
}

// find locates the charge a payment is for: by our id, else by the provider's.
func (s *Service) find(ctx context.Context, p payments.Payment) (storage.ChargeRecord, error) {
	if p.ChargeID != "" {
		rec, err := s.Store.Charge(ctx, p.ChargeID)
		if err == nil || !errors.Is(err, storage.ErrNotFound) || p.ProviderID == "" {
			return rec, wrapUnknown(err, p)
		}
	}
	if p.ProviderID == "" {
		return storage.ChargeRecord{}, fmt.Errorf("payment %s names no charge: %w", p.ID, payments.ErrUnknownCharge)
	}
	rec, err := s.Store.ChargeByProviderID(ctx, p.Provider, p.ProviderID)
	return rec, wrapUnknown(err, p)
}

func wrapUnknown(err error, p payments.Payment) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("payment %s of %s charge %q: %w", p.ID, p.Provider, p.ChargeID+p.ProviderID, payments.ErrUnknownCharge)
	}
	return err
}

// stateAfter is a charge's state once its money is counted.
func stateAfter(r storage.ChargeRecord) string {
	switch {
	case r.NetCents() >= r.AmountCents && r.AmountCents > 0:
		return payments.ChargePaid
	case r.RefundedCents > 0 && r.NetCents() <= 0:
		return payments.ChargeRefunded
	case r.State == payments.ChargePaid || r.State == payments.ChargeRefunded:
		return payments.ChargeRegistered // partly given back: payable again for the rest
	}
	return r.State
}

// settle brings the debt in line with the charge: settled when paid in
// full, reopened when a refund took it below.
func (s *Service) settle(ctx context.Context, rec *storage.ChargeRecord, p payments.Payment, arrived time.Time) error {
	paid := rec.AmountCents > 0 && rec.NetCents() >= rec.AmountCents
	switch {
	case paid && !rec.Settled:
		if err := s.Settler.Settle(ctx, rec.DebtID, rec.Installment, rec.NetCents(), rec.Provider+":"+p.ID); err != nil {
			return fmt.Errorf("settle debt %s for charge %s: %w", rec.DebtID, rec.ChargeID, err)
		}
		if s.Settled != nil {
			s.Settled(rec.Provider, s.now().Sub(arrived))
		}
	case !paid && rec.Settled:
		if err := s.Settler.Reopen(ctx, rec.DebtID, rec.Installment, "refund of "+rec.Provider+" payment "+p.ID); err != nil {
			return fmt.Errorf("reopen debt %s after a refund of charge %s: %w", rec.DebtID, rec.ChargeID, err)
		}
	default:
		return nil
	}
	rec.Settled, rec.UpdatedAt = paid, s.now().UTC()
	return s.Store.SaveCharge(ctx, *rec)
}

// MarkState records a state a provider reports without money moving: a
// charge overdue, or deleted at the provider (no longer payable, so a new
// request issues a new one). A paid, refunded or cancelled charge keeps its state.
func (s *Service) MarkState(ctx context.Context, provider, providerID, state string) (storage.ChargeRecord, error) {
	rec, err := s.Store.ChargeByProviderID(ctx, provider, providerID)
	if err != nil {
		return rec, wrapUnknown(err, payments.Payment{Provider: provider, ProviderID: providerID})
	}
	return s.MarkChargeState(ctx, rec.ChargeID, state, "")
}

// MarkChargeState is MarkState for a charge named by our id; problem, when
// set, records why (a bank's rejection).
func (s *Service) MarkChargeState(ctx context.Context, chargeID, state, problem string) (storage.ChargeRecord, error) {
	rec, err := s.Store.Charge(ctx, chargeID)
	if err != nil {
		return rec, err
	}
	unlock, err := s.Store.LockDebtCharges(ctx, rec.DebtID, 30*time.Second)
	if err != nil {
		return rec, err
	}
	defer unlock()
	if rec, err = s.Store.Charge(ctx, chargeID); err != nil { // fresh, under the lock
		return rec, err
	}
	if !rec.Live() || (rec.State == state && (problem == "" || rec.Problem == problem)) {
		return rec, nil
	}
	rec.State, rec.UpdatedAt = state, s.now().UTC()
	if problem != "" {
		rec.Problem = problem
	}
	return rec, s.Store.SaveCharge(ctx, rec)
}

// paymentRecord is the archive's record of a payment applied to a charge;
// when the provider gave no date it is when the notification arrived.
func paymentRecord(rec storage.ChargeRecord, p payments.Payment, arrived time.Time) *storage.PaymentRecord {
	at := p.At
	if at.IsZero() {
		at = arrived
	}
	return &storage.PaymentRecord{ID: p.Provider + ":" + p.ID + ":" + p.Event, ChargeID: rec.ChargeID, DebtID: rec.DebtID,
		CreditorID: rec.CreditorID, Installment: rec.Installment, Provider: p.Provider, Event: p.Event, Kind: string(rec.Kind),
		AmountCents: p.AmountCents, At: at.UTC()}
}
