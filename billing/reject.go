package billing

import (
	"context"

	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// Reject records that the bank refused to register a charge (a CNAB
// retorno's entrada rejeitada), with the bank's reason: the charge is no
// longer payable, so the debtor's next request issues a new one, and the
// reason shows on the debt (GET /api/v1/debts/{id}, the console). A charge
// already paid or cancelled keeps its state.
func (s *Service) Reject(ctx context.Context, chargeID, reason string) (storage.ChargeRecord, error) {
	before, err := s.Store.Charge(ctx, chargeID)
	if err != nil {
		return before, err
	}
	rec, err := s.MarkChargeState(ctx, chargeID, payments.ChargeRejected, reason)
	if err == nil && before.State != rec.State {
		s.log().Warn("charge rejected by the bank", "provider", rec.Provider, "charge", rec.ChargeID, "debt", rec.DebtID, "reason", reason)
	}
	return rec, err
}
