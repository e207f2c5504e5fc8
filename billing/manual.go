package billing

import (
	"context"
	"fmt"
	"strconv"

	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// ProviderAPI names payments reported by people and ERPs through
// `POST /api/v1/payments` (and the console).
const ProviderAPI = "api"

// ReportedPayment is a payment someone reports for a debt rather than a
// provider for a charge: an ERP, the finance team, a receipt checked by hand.
type ReportedPayment struct {
	DebtID      string
	Installment int   // 1-based agreement installment; 0: the whole debt
	AmountCents int64 // 0: all that the charge asks
	// OwedCents is what the debt (or installment) asks when it has no live
	// charge to pay.
	OwedCents int64
	Reference string // the reporter's id of the payment; the key that makes a repeat change nothing
}

// ApplyReported applies a reported payment through Apply, to the debt's
// live charge or, when it has none, to a charge of the amount owed recorded
// for it, so that reported payments are deduplicated, settled and counted
// exactly as a provider's.
func (s *Service) ApplyReported(ctx context.Context, creditorID string, r ReportedPayment) (Applied, error) {
	ref := r.Reference
	if ref == "" {
		ref = "debt:" + r.DebtID + ":" + strconv.Itoa(r.Installment)
	}
	rec, err := s.liveFor(ctx, r.DebtID, r.Installment)
	if err != nil {
		return Applied{}, err
	}
	if rec.ChargeID == "" {
		if r.OwedCents <= 0 {
			return Applied{}, fmt.Errorf("debt %s: nothing owed to pay", r.DebtID)
		}
		now := s.now().UTC()
		rec = storage.ChargeRecord{
			Charge: payments.Charge{ChargeID: NewChargeID(), Provider: ProviderAPI, Kind: payments.KindBoleto,
				State: payments.ChargeRegistered, AmountCents: r.OwedCents},
			CreditorID: creditorID, DebtID: r.DebtID, Installment: r.Installment, CreatedAt: now, UpdatedAt: now,
		}
		if err := s.Store.SaveCharge(ctx, rec); err != nil {
			return Applied{}, err
		}
	}
	cents := r.AmountCents
	if cents == 0 {
		cents = max(rec.AmountCents-rec.NetCents(), 0)
	}
	return s.Apply(ctx, payments.Payment{ID: ref, Provider: ProviderAPI, ChargeID: rec.ChargeID,
		Event: payments.PaymentReceived, AmountCents: cents, At: s.now()})
}

// liveFor is the live charge of a debt's slot, the boleto's before a PIX
// code's; zero when none.
func (s *Service) liveFor(ctx context.Context, debtID string, installment int) (storage.ChargeRecord, error) {
	for _, slot := range []int{installment, -1 - installment} {
		id, err := s.Store.LiveChargeID(ctx, debtID, slot)
		if err != nil {
			return storage.ChargeRecord{}, err
		}
		if id == "" {
			continue
		}
		rec, err := s.Store.Charge(ctx, id)
		if err != nil {
			return storage.ChargeRecord{}, err
		}
		if rec.Live() || rec.State == payments.ChargePaid {
			return rec, nil
		}
	}
	return storage.ChargeRecord{}, nil
}
