package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// AutoDebits is Pix Automático for agreements, where the creditor's PSP
// offers it (cmd/quita wires it to billing/pixapi). The scheduler offers
// the one-time authorisation after an agreement in installments, replaces
// the reminders of authorised installments by one courtesy notice, issues
// each debit before its due date and falls back to ordinary reminders when
// one fails.
type AutoDebits interface {
	// NoticeDays is how many days before each debit its notice goes and the
	// debit is issued; 0 when the creditor does not offer Pix Automático.
	NoticeDays(creditorID string) int
	// Authorise creates the authorisation of count monthly debits of cents
	// (0: amounts that vary) from first to last (YYYY-MM-DD), returning its
	// id and the code the debtor authorises with.
	Authorise(ctx context.Context, debt dialogs.Debt, debtor dialogs.Debtor, cents int64, count int, first, last string) (recID, code string, err error)
	// Status is the authorisation's state now: storage.AutoDebitOffered,
	// AutoDebitApproved or AutoDebitEnded (with why).
	Status(ctx context.Context, creditorID, recID string) (state, reason string, err error)
	// Debit issues installment n's (1-based) debit and returns its id.
	Debit(ctx context.Context, debt dialogs.Debt, debtor dialogs.Debtor, ag storage.AgreementRecord, n int) (txid string, err error)
	// CheckDebit reads a debit back: a payment found is applied through the
	// one payment path; failed says why the debit will not happen.
	CheckDebit(ctx context.Context, creditorID, txid string) (failed string, err error)
	// End cancels the authorisation and every debit issued and not paid: a
	// disputed debt is never debited. Ending one already ended is no error.
	End(ctx context.Context, creditorID string, ag storage.AgreementRecord) error
}

// endAutoDebit ends the Pix Automático of a debt whose agreement stops
// being collected (a dispute): at the PSP first, then in the agreement.
// An error leaves the action to be retried, so no debit is forgotten.
func (s *Scheduler) endAutoDebit(ctx context.Context, debtID, reason string) error {
	if s.autoDebits == nil {
		return nil
	}
	st := s.b.store
	ag, err := st.Agreement(ctx, debtID)
	if err != nil || ag.AutoDebit == nil || ag.AutoDebit.State == storage.AutoDebitEnded {
		return ignoreNotFound(err)
	}
	debt, err := st.Debt(ctx, debtID)
	if err != nil {
		return ignoreNotFound(err)
	}
	if err := s.autoDebits.End(ctx, debt.CreditorID, ag); err != nil {
		return fmt.Errorf("pix automático of %s not ended (%s): %w", debtID, reason, err)
	}
	_, err = st.UpdateAgreement(ctx, debtID, func(a *storage.AgreementRecord) error {
		if a.AutoDebit != nil {
			a.AutoDebit.State, a.AutoDebit.Reason, a.AutoDebit.UpdatedAt = storage.AutoDebitEnded, reason, s.b.now().UTC()
		}
		return nil
	})
	return err
}

// SetAutoDebits enables Pix Automático offers (nil disables them).
func (s *Scheduler) SetAutoDebits(a AutoDebits) { s.autoDebits = a }

// planAutoDebit marks, on a new agreement, the installments an
// authorisation can cover (those due at least noticeDays from now, at
// least two, to the end of the plan) and leaves the authorisation pending.
func planAutoDebit(rec *storage.AgreementRecord, noticeDays int, now time.Time) {
	n := len(rec.Installments)
	if noticeDays <= 0 || n < 2 {
		return
	}
	earliest := now.AddDate(0, 0, noticeDays).Format(time.DateOnly)
	first := n
	for i := n - 1; i >= 0 && rec.Installments[i].DueDate > earliest && rec.Installments[i].Cents > 0; i-- {
		first = i
	}
	if n-first < 2 {
		return
	}
	for i := first; i < n; i++ {
		rec.Installments[i].AutoDebit = true
	}
	rec.AutoDebit = &storage.AutoDebit{State: storage.AutoDebitPending, UpdatedAt: now.UTC()}
}

// fixedAmount is the plan's installment amount when every one is the
// same, else 0: a plan whose last installment carries the rounding cents
// is authorised as a variable amount.
func fixedAmount(plan []storage.Installment) int64 {
	for _, in := range plan[1:] {
		if in.Cents != plan[0].Cents {
			return 0
		}
	}
	return plan[0].Cents
}

// syncAutoDebit does the PSP's part of an agreement's automatic debit
// before its reminders are planned: creates a pending authorisation, reads
// back one not yet answered, issues the debits whose notice day came, and
// reads back the debits past their date (the backstop of a lost webhook).
// A PSP that fails is logged and tried again at the next dispatch.
func (s *Scheduler) syncAutoDebit(ctx context.Context, debt dialogs.Debt, debtor dialogs.Debtor, days int, loc *time.Location, now time.Time) {
	st := s.b.store
	ag, err := st.Agreement(ctx, debt.ID)
	if err != nil || ag.AutoDebit == nil {
		return
	}
	logErr := func(what string, err error) {
		s.b.log.Warn("pix automático: "+what, "debt", debt.ID, "err", err)
	}
	update := func(f func(*storage.AgreementRecord)) {
		if _, err := st.UpdateAgreement(ctx, debt.ID, func(a *storage.AgreementRecord) error { f(a); return nil }); err != nil {
			logErr("saving the agreement", err)
		}
	}
	switch ag.AutoDebit.State {
	case storage.AutoDebitPending:
		var plan []storage.Installment
		for _, in := range ag.Installments {
			if in.AutoDebit {
				plan = append(plan, in)
			}
		}
		if len(plan) < 2 {
			update(func(a *storage.AgreementRecord) { a.AutoDebit.State = storage.AutoDebitEnded })
			return
		}
		recID, code, err := s.autoDebits.Authorise(ctx, debt, debtor, fixedAmount(plan), len(plan), plan[0].DueDate, plan[len(plan)-1].DueDate)
		if err != nil {
			// Not offered: the ordinary reminders go on as without it.
			logErr("authorisation not created; the agreement is reminded as usual", err)
			update(func(a *storage.AgreementRecord) {
				a.AutoDebit.State, a.AutoDebit.Reason, a.AutoDebit.UpdatedAt = storage.AutoDebitEnded, err.Error(), now.UTC()
			})
			return
		}
		update(func(a *storage.AgreementRecord) {
			a.AutoDebit.State, a.AutoDebit.RecID, a.AutoDebit.Code, a.AutoDebit.UpdatedAt = storage.AutoDebitOffered, recID, code, now.UTC()
		})
	case storage.AutoDebitOffered:
		state, reason, err := s.autoDebits.Status(ctx, debt.CreditorID, ag.AutoDebit.RecID)
		if err != nil {
			logErr("reading the authorisation", err)
			return
		}
		if state != storage.AutoDebitOffered {
			update(func(a *storage.AgreementRecord) { setAutoDebitState(a, state, reason, now) })
		}
	case storage.AutoDebitApproved:
		today := now.In(loc).Format(time.DateOnly)
		for i, in := range ag.Installments {
			if in.Paid || !ag.Debited(i) {
				continue
			}
			n := i + 1
			noticeAt, err := s.CadenceFor(debt.CreditorID).at(in.DueDate, -days, loc)
			if err != nil {
				continue
			}
			switch {
			case in.DebitTxid == "" && !now.Before(noticeAt):
				txid, err := s.autoDebits.Debit(ctx, debt, debtor, ag, n)
				if err != nil {
					logErr(fmt.Sprintf("installment %d's debit not issued; it is reminded as usual", n), err)
					update(func(a *storage.AgreementRecord) { a.Installments[i].DebitFailed = "not issued: " + err.Error() })
					continue
				}
				update(func(a *storage.AgreementRecord) { a.Installments[i].DebitTxid = txid })
			case in.DebitTxid != "" && in.DueDate < today:
				failed, err := s.autoDebits.CheckDebit(ctx, debt.CreditorID, in.DebitTxid)
				if err != nil {
					logErr("reading a debit back", err)
					continue
				}
				if failed != "" {
					update(func(a *storage.AgreementRecord) { a.Installments[i].DebitFailed = failed })
				}
			}
		}
	}
}

// setAutoDebitState records what the PSP says of the authorisation.
func setAutoDebitState(a *storage.AgreementRecord, state, reason string, now time.Time) {
	if a.AutoDebit == nil || a.AutoDebit.State == state || a.AutoDebit.State == storage.AutoDebitEnded {
		return
	}
	a.AutoDebit.State, a.AutoDebit.Reason, a.AutoDebit.UpdatedAt = state, reason, now.UTC()
	if state == storage.AutoDebitApproved {
		a.AutoDebit.ApprovedAt = now.UTC()
	}
}

// AutoDebitChanged records what the PSP said of an agreement's
// authorisation (read back from the PSP, never from a webhook's body
// alone) and reconsiders its reminders now.
func (s *Scheduler) AutoDebitChanged(ctx context.Context, debtID, state, reason string) error {
	if _, err := s.b.store.UpdateAgreement(ctx, debtID, func(a *storage.AgreementRecord) error {
		setAutoDebitState(a, state, reason, s.b.now())
		return nil
	}); err != nil {
		return err
	}
	return s.b.store.ScheduleReminder(ctx, debtID, s.b.now())
}

// DebitFailed records that installment n's debit will not happen (read
// back from the PSP) and reminds it as usual from now.
func (s *Scheduler) DebitFailed(ctx context.Context, debtID string, n int, reason string) error {
	if _, err := s.b.store.UpdateAgreement(ctx, debtID, func(a *storage.AgreementRecord) error {
		if n < 1 || n > len(a.Installments) {
			return fmt.Errorf("installment %d of %d: %w", n, len(a.Installments), storage.ErrNotFound)
		}
		if in := &a.Installments[n-1]; !in.Paid && in.DebitFailed == "" {
			in.DebitFailed = reason
		}
		return nil
	}); err != nil {
		return err
	}
	return s.b.store.ScheduleReminder(ctx, debtID, s.b.now())
}

// autoDebitJob is the automatic-debit message due now, if any (the offer,
// a courtesy notice, a failed debit), and when the next is due.
func (s *Scheduler) autoDebitJob(ag storage.AgreementRecord, creditor string, chans []string, loc *time.Location, now time.Time) (*job, time.Time) {
	var next time.Time
	soonest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	ad := ag.AutoDebit
	if ad == nil || s.autoDebits == nil {
		return nil, next
	}
	if ad.State == storage.AutoDebitOffered && !ad.Offered && ad.Code != "" {
		var first *storage.Installment
		count := 0
		for i := range ag.Installments {
			if ag.Installments[i].AutoDebit {
				if first == nil {
					first = &ag.Installments[i]
				}
				count++
			}
		}
		if first != nil {
			f := *first
			// The offer follows the agreement the debtor just made, in the same conversation.
			return &job{key: "a:offer", kind: dialogs.EventAutoDebit, step: dialogs.AutoDebitOffer, channels: chans, inst: &f, of: count, code: ad.Code, inFlow: true,
				agree: func(a *storage.AgreementRecord) {
					if a.AutoDebit != nil {
						a.AutoDebit.Offered = true
					}
				}}, now
		}
	}
	if ad.State == storage.AutoDebitOffered {
		soonest(now.Add(6 * time.Hour)) // read the authorisation back, should its webhook be lost
	}
	days := s.autoDebits.NoticeDays(creditor)
	for i, in := range ag.Installments {
		if in.Paid || !in.AutoDebit || ad.State != storage.AutoDebitApproved {
			continue
		}
		i, in := i, in
		switch {
		case in.DebitFailed != "" && !in.FailNoticed:
			return &job{key: fmt.Sprintf("a:%d:failed", i+1), kind: dialogs.EventAutoDebit, step: dialogs.AutoDebitFailed, channels: chans,
				inst: &in, n: i + 1, of: len(ag.Installments),
				agree: func(a *storage.AgreementRecord) { a.Installments[i].FailNoticed = true }}, now
		case in.DebitFailed != "":
			continue
		}
		noticeAt, err := s.CadenceFor(creditor).at(in.DueDate, -days, loc)
		if err != nil {
			continue
		}
		if now.Before(noticeAt) {
			soonest(noticeAt)
			continue
		}
		if in.DebitTxid == "" {
			soonest(now.Add(time.Hour)) // the debit is issued first (syncAutoDebit)
			continue
		}
		if !in.Noticed {
			return &job{key: fmt.Sprintf("a:%d:notice", i+1), kind: dialogs.EventAutoDebit, step: dialogs.AutoDebitNotice, channels: chans,
				inst: &in, n: i + 1, of: len(ag.Installments),
				agree: func(a *storage.AgreementRecord) { a.Installments[i].Noticed = true }}, now
		}
		// After its date, the debit is read back daily until paid or failed.
		if due, err := s.CadenceFor(creditor).at(in.DueDate, 1, loc); err == nil && due.After(now) {
			soonest(due)
		} else {
			soonest(now.Add(24 * time.Hour))
		}
	}
	return nil, next
}
