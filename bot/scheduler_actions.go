package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// registerActions wires the dialog actions that change reminders. Each
// handler is idempotent: an action may be delivered twice after a crash.
func (s *Scheduler) registerActions() {
	st := s.b.store
	s.b.OnAction(dialogs.ActPauseReminders, func(ctx context.Context, conv string, a dialogs.Action) error {
		return s.eachDebt(ctx, conv, a.DebtID, func(id string) error {
			if _, err := st.UpdateReminderState(ctx, id, func(r *storage.ReminderState) error {
				r.PauseUntil = a.Until.UTC()
				return nil
			}); err != nil {
				return err
			}
			return st.ScheduleReminder(ctx, id, a.Until)
		})
	})
	s.b.OnAction(dialogs.ActRecordPromise, func(ctx context.Context, conv string, a dialogs.Action) error {
		return s.eachDebt(ctx, conv, a.DebtID, func(id string) error {
			_, err := st.UpdateReminderState(ctx, id, func(r *storage.ReminderState) error {
				r.PromiseDate = a.Date
				return nil
			})
			return err
		})
	})
	s.b.OnAction(dialogs.ActStopReminders, func(ctx context.Context, conv string, a dialogs.Action) error {
		return s.eachDebt(ctx, conv, a.DebtID, func(id string) error {
			switch a.Reason {
			case dialogs.OutcomeAgreement: // the agreement's installments take over
				_, err := st.UpdateReminderState(ctx, id, func(r *storage.ReminderState) error {
					r.Next = 1 << 20
					return nil
				})
				return err
			case "paid":
				d, err := st.Debt(ctx, id)
				if err != nil || d.Status != dialogs.DebtPaid {
					return ignoreNotFound(err) // an installment was paid: the plan goes on
				}
			}
			return s.stop(ctx, id, a.Reason)
		})
	})
	s.b.OnAction(dialogs.ActSuspendDebt, func(ctx context.Context, conv string, a dialogs.Action) error {
		return s.eachDebt(ctx, conv, a.DebtID, func(id string) error {
			if _, err := st.SetDebtStatus(ctx, id, dialogs.DebtDisputed); err != nil {
				return ignoreNotFound(err)
			}
			if err := s.endAutoDebit(ctx, id, "dispute"); err != nil {
				return err
			}
			return s.stop(ctx, id, "dispute")
		})
	})
	s.b.OnAction(dialogs.ActWrongNumber, func(ctx context.Context, conv string, a dialogs.Action) error {
		d, err := st.DebtorByPhone(ctx, conv)
		if err != nil {
			return ignoreNotFound(err)
		}
		s.b.log.Info("number marked as not the debtor's; reminders use the debtor's other numbers, if any", "to", channels.MaskPhone(conv))
		return st.MarkWrongNumber(ctx, d.ID, conv)
	})
	s.b.OnAction(dialogs.ActCreateAgreement, func(ctx context.Context, conv string, a dialogs.Action) error {
		if a.Agreement == nil {
			return nil
		}
		ag := a.Agreement
		id := ag.DebtID
		if id == "" {
			id = a.DebtID
		}
		if _, err := st.Agreement(ctx, id); err == nil {
			return nil // already recorded (a redelivered action)
		}
		rec := storage.AgreementRecord{DebtID: id, CreatedAt: s.b.now().UTC()}
		for i, due := range ag.DueDates {
			var cents int64
			if i < len(ag.InstallmentCents) {
				cents = ag.InstallmentCents[i]
			}
			rec.Installments = append(rec.Installments, storage.Installment{DueDate: due, Cents: cents})
		}
		if s.autoDebits != nil {
			if d, err := st.Debt(ctx, id); err == nil {
				planAutoDebit(&rec, s.autoDebits.NoticeDays(d.CreditorID), s.b.now())
			}
		}
		if err := st.SaveAgreement(ctx, rec); err != nil {
			return err
		}
		if _, err := st.SetDebtStatus(ctx, id, dialogs.DebtAgreement); err != nil {
			return ignoreNotFound(err)
		}
		if _, err := st.UpdateReminderState(ctx, id, func(r *storage.ReminderState) error {
			r.Next, r.NextInst = 1<<20, 0
			return nil
		}); err != nil {
			return err
		}
		return st.ScheduleReminder(ctx, id, s.b.now())
	})
	s.b.OnAction(dialogs.ActOutcome, func(ctx context.Context, conv string, a dialogs.Action) error {
		if a.DebtID == "" {
			return nil
		}
		d, err := st.Debt(ctx, a.DebtID)
		if err != nil {
			return ignoreNotFound(err)
		}
		_, err = st.CountVariantOutcome(ctx, d.ID, d.CreditorID, a.Step, a.Variant, a.Reason)
		return err
	})
}

func ignoreNotFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// eachDebt runs f for one debt, or, when id is empty, for every open debt of
// the debtor behind the conversation.
func (s *Scheduler) eachDebt(ctx context.Context, conv, id string, f func(string) error) error {
	if id != "" {
		return f(id)
	}
	d, err := s.b.store.DebtorByPhone(ctx, conv)
	if err != nil {
		return ignoreNotFound(err)
	}
	debts, err := s.b.store.DebtsOf(ctx, d.ID)
	if err != nil {
		return err
	}
	var errs []error
	for _, debt := range debts {
		if debt.Status == dialogs.DebtOpen || debt.Status == dialogs.DebtAgreement {
			errs = append(errs, f(debt.ID))
		}
	}
	return errors.Join(errs...)
}

// Payment is a payment reported by an ERP or PSP.
type Payment struct {
	DebtID      string `json:"debt_id"`
	Installment int    `json:"installment,omitempty"` // 1-based agreement installment; 0: the whole debt
	AmountCents int64  `json:"amount_cents,omitempty"`
	Reference   string `json:"reference,omitempty"`
}

// PaymentResult says what a payment changed.
type PaymentResult struct {
	DebtID     string `json:"debt_id"`
	Status     string `json:"status"`            // the debt's status now
	Changed    bool   `json:"changed"`           // false: already recorded
	Thanked    string `json:"thanked,omitempty"` // masked number thanked
	DebtClosed bool   `json:"debt_closed"`
}

// MarkPaid records a payment: the debt (or one agreement installment) is
// paid, its reminders stop, the variant that last reminded it gets the
// "paid" outcome when recent, and the debtor is thanked. A repeated payment
// changes nothing and thanks no one twice.
func (s *Scheduler) MarkPaid(ctx context.Context, p Payment) (PaymentResult, error) {
	st := s.b.store
	debt, err := st.Debt(ctx, p.DebtID)
	if err != nil {
		return PaymentResult{}, err
	}
	res := PaymentResult{DebtID: debt.ID, Status: debt.Status}
	closeDebt := p.Installment == 0
	if p.Installment > 0 {
		ag, err := st.Agreement(ctx, debt.ID)
		if err != nil {
			return res, fmt.Errorf("installment %d: debt %s has no agreement: %w", p.Installment, debt.ID, err)
		}
		if p.Installment > len(ag.Installments) {
			return res, fmt.Errorf("installment %d: the agreement has %d: %w", p.Installment, len(ag.Installments), storage.ErrNotFound)
		}
		if ag, err = st.UpdateAgreement(ctx, debt.ID, func(a *storage.AgreementRecord) error {
			// Atomic: the automatic debit's webhook and the scheduler touch it too.
			res.Changed = false // a retried transaction decides again
			in := &a.Installments[p.Installment-1]
			if !in.Paid {
				in.Paid, res.Changed = true, true
				if p.AmountCents == 0 {
					p.AmountCents = in.Cents
				}
			}
			return nil
		}); err != nil {
			return res, err
		}
		closeDebt = true
		for _, in := range ag.Installments {
			closeDebt = closeDebt && in.Paid
		}
	}
	if closeDebt {
		changed, err := st.SetDebtStatus(ctx, debt.ID, dialogs.DebtPaid)
		if err != nil {
			return res, err
		}
		res.Changed = res.Changed || changed
		res.Status, res.DebtClosed = dialogs.DebtPaid, true
		rs, err := st.ReminderState(ctx, debt.ID)
		if err != nil {
			return res, err
		}
		if changed && !rs.LastAt.IsZero() && s.b.now().Sub(rs.LastAt) <= time.Duration(s.CadenceFor(debt.CreditorID).PaidWithinDays)*24*time.Hour {
			if _, err := st.CountVariantOutcome(ctx, debt.ID, debt.CreditorID, rs.LastStep, rs.LastVariant, "paid"); err != nil {
				return res, err
			}
		}
		if changed {
			if _, err := st.UpdateReminderState(ctx, debt.ID, func(r *storage.ReminderState) error {
				r.PaidAt = s.b.now().UTC()
				return nil
			}); err != nil {
				return res, err
			}
		}
		if err := s.stop(ctx, debt.ID, "paid"); err != nil {
			return res, err
		}
	}
	if !res.Changed {
		return res, nil
	}
	debtor, err := st.Debtor(ctx, debt.DebtorID)
	if err != nil {
		return res, ignoreNotFound(err)
	}
	phone, channel, _, err := s.contact(ctx, debtor, defaultChannels)
	if err != nil || phone == "" {
		return res, err
	}
	ev := dialogs.Event{Kind: dialogs.EventPaymentConfirmed, DebtID: debt.ID, Amount: p.AmountCents, Channel: channel}
	if err := s.b.Deliver(ctx, phone, ev); err != nil {
		return res, fmt.Errorf("thank the debtor: %w", err)
	}
	res.Thanked = channels.MaskPhone(phone)
	return res, nil
}
