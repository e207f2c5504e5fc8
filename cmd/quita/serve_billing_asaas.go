package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/billing/asaas"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/payments"
)

// asaasProvider is a creditor's Asaas account, its key read from the
// environment variable its billing: section names.
func asaasProvider(creditorID string, cfg config.AsaasConfig) (billing.Provider, error) {
	key := os.Getenv(cfg.APIKeyEnv)
	if key == "" {
		return billing.Provider{}, fmt.Errorf("creditor %s: billing: asaas: %s is not set: %w", creditorID, cfg.APIKeyEnv, billing.ErrNoProvider)
	}
	c, err := asaas.New(asaas.Config{APIURL: cfg.APIURL, APIKey: key}, nil)
	if err != nil {
		return billing.Provider{}, fmt.Errorf("creditor %s: billing: asaas: %w: %w", creditorID, err, billing.ErrNoProvider)
	}
	return billing.Provider{Name: config.ProviderAsaas, PaymentProvider: c, Hybrid: true}, nil
}

// asaasWebhook receives Asaas's payment events at POST /webhooks/asaas/{creditor}:
// the asaas-access-token header must be the creditor's webhook token
// (401 otherwise, nothing changes); each event's payments go through the
// one payment path, which counts a redelivered event once.
func (s *service) asaasWebhook(c *fiber.Ctx) error {
	creditor := c.Params("creditor")
	bp, err := s.dir.BillingProvider(creditor)
	if err != nil || bp.Provider != config.ProviderAsaas {
		return fiber.NewError(fiber.StatusNotFound, "no Asaas billing for creditor "+creditor)
	}
	if !asaas.VerifyToken(c.Get(asaas.TokenHeader), os.Getenv(bp.Asaas.WebhookTokenEnv)) {
		s.log.Warn("asaas webhook refused: bad token", "creditor", creditor, "ip", c.IP())
		return fiber.NewError(fiber.StatusUnauthorized, "asaas-access-token does not match this creditor's webhook token")
	}
	ev, err := asaas.ParseWebhook(c.Body())
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	if !ev.Handled {
		return c.JSON(fiber.Map{"ignored": ev.Type})
	}
	ctx := c.UserContext()
	if err := s.applyAsaasEvent(ctx, ev); err != nil {
		if errors.Is(err, payments.ErrUnknownCharge) {
			// Not a charge quita issued (made in Asaas by hand): acknowledged,
			// or Asaas would pause the creditor's whole webhook queue.
			s.log.Info("asaas webhook for a charge quita did not issue", "creditor", creditor, "event", ev.ID, "payment", ev.PaymentID)
			return c.JSON(fiber.Map{"ignored": "unknown charge"})
		}
		return err
	}
	return c.JSON(fiber.Map{"ok": true, "event": ev.ID})
}

func (s *service) applyAsaasEvent(ctx context.Context, ev asaas.Event) error {
	for _, p := range ev.Payments() {
		p.Provider, p.ProviderID = config.ProviderAsaas, ev.PaymentID
		if p.ChargeID == "" {
			p.ChargeID = ev.ChargeID
		}
		if _, err := s.billing.Apply(ctx, p); err != nil {
			return fmt.Errorf("asaas event %s: %w", ev.ID, err)
		}
	}
	if ev.State == payments.ChargeOverdue || ev.State == payments.ChargeCancelled {
		_, err := s.billing.MarkState(ctx, config.ProviderAsaas, ev.PaymentID, ev.State)
		return err
	}
	return nil
}
