package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Settler applies what package billing decides about a charge to the debt:
// settled (MarkPaid: reminders stop or move on, the debtor is thanked once)
// or reopened after a refund. It implements billing.Settler.
type Settler struct{ Scheduler *Scheduler }

// Settle marks the debt, or one installment of its agreement, paid.
func (s Settler) Settle(ctx context.Context, debtID string, installment int, cents int64, reference string) error {
	_, err := s.Scheduler.MarkPaid(ctx, Payment{DebtID: debtID, Installment: installment, AmountCents: cents, Reference: reference})
	return err
}

// Reopen undoes a settlement whose money was given back: the installment
// is unpaid again, the debt open (or back under its agreement), and its
// reminders resume now.
func (s Settler) Reopen(ctx context.Context, debtID string, installment int, reason string) error {
	st := s.Scheduler.b.store
	status := dialogs.DebtOpen
	if installment > 0 {
		ag, err := st.Agreement(ctx, debtID)
		if err != nil {
			return fmt.Errorf("reopen installment %d of %s: %w", installment, debtID, err)
		}
		if installment <= len(ag.Installments) && ag.Installments[installment-1].Paid {
			ag.Installments[installment-1].Paid = false
			if err := st.SaveAgreement(ctx, ag); err != nil {
				return err
			}
		}
		status = dialogs.DebtAgreement
	}
	if _, err := st.SetDebtStatus(ctx, debtID, status); err != nil {
		return fmt.Errorf("reopen %s: %w", debtID, err)
	}
	if _, err := st.UpdateReminderState(ctx, debtID, func(r *storage.ReminderState) error {
		if r.Stopped == "paid" {
			r.Stopped = ""
		}
		r.PaidAt = time.Time{}
		return nil
	}); err != nil {
		return err
	}
	s.Scheduler.b.log.Warn("debt reopened", "debt", debtID, "installment", installment, "reason", reason)
	return st.ScheduleReminder(ctx, debtID, s.Scheduler.b.now())
}
