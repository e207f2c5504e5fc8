package portfolio

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// ReportedPaymentResult is what POST /api/v1/payments answers through billing.
type ReportedPaymentResult struct {
	DebtID     string `json:"debt_id"`
	Status     string `json:"status"`  // the debt's status now
	Changed    bool   `json:"changed"` // false: this payment was already recorded
	DebtClosed bool   `json:"debt_closed"`
	billing.Applied
}

func (a *API) reportPayment(c *fiber.Ctx, p PaymentRequest) error {
	ctx := c.UserContext()
	debt, err := a.Store.Debt(ctx, p.DebtID)
	if errors.Is(err, storage.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("debt %s: not found", p.DebtID))
	}
	if err != nil {
		return err
	}
	owed := debt.AmountCents
	if p.Installment > 0 {
		ag, err := a.Store.Agreement(ctx, debt.ID)
		if err != nil || p.Installment > len(ag.Installments) {
			return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("installment %d: debt %s has no such agreement installment", p.Installment, debt.ID))
		}
		owed = ag.Installments[p.Installment-1].Cents
	}
	applied, err := a.Billing.ApplyReported(ctx, debt.CreditorID, billing.ReportedPayment{
		DebtID: debt.ID, Installment: p.Installment, AmountCents: p.AmountCents, OwedCents: owed, Reference: p.Reference})
	if err != nil {
		return err
	}
	now, err := a.Store.Debt(ctx, debt.ID)
	if err != nil {
		return err
	}
	return c.JSON(ReportedPaymentResult{DebtID: debt.ID, Status: now.Status, Changed: !applied.Duplicate,
		DebtClosed: now.Status == dialogs.DebtPaid, Applied: applied})
}
