package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/billing/local"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// newBilling is the charge service over the creditors' configured providers.
func newBilling(s *service, now func() time.Time) *billing.Service {
	return &billing.Service{Store: s.store, Providers: providersFor(s.dir, s.store), Now: now, Log: s.log}
}

func init() { mounts = append(mounts, mountBilling) }

// mountBilling installs the payment providers' webhooks.
func mountBilling(_ context.Context, s *service) error {
	s.app.Post("/webhooks/asaas/:creditor", s.asaasWebhook)
	s.app.Post("/webhooks/pix-api/:creditor/pix", s.pixAPIWebhook)
	s.app.Post("/webhooks/pix-api/:creditor/rec", s.pixAPIRecWebhook)   // Pix Automático: authorisations
	s.app.Post("/webhooks/pix-api/:creditor/cobr", s.pixAPICobRWebhook) // Pix Automático: debits
	s.backstop = &billing.Backstop{Service: s.billing, Listers: func() map[string]billing.Lister {
		return pixAPIListers(s.dir, s.store, s.log.Warn)
	}}
	s.starters = append(s.starters, func(ctx context.Context) error {
		go s.backstop.Run(ctx) // a lost webhook delays a payment by a pass, never loses it
		return nil
	})
	return nil
}

// providersFor builds each creditor's provider from its billing: section,
// never another creditor's: a creditor whose provider cannot work gets an
// error wrapping billing.ErrNoProvider, and its debtor a person.
func providersFor(dir *config.Directory, store *storage.Store) billing.Providers {
	var remote sync.Map // creditor id → billing.Provider: one client each, its token and caches kept
	return func(creditorID string, kind payments.ChargeKind) (billing.Provider, error) {
		bp, err := dir.BillingProvider(creditorID)
		if err != nil {
			return billing.Provider{}, fmt.Errorf("%w: %w", billing.ErrNoProvider, err)
		}
		switch bp.Provider {
		case config.ProviderLocal:
			return localProvider(dir, store, creditorID, kind)
		case config.ProviderAsaas:
			if p, ok := remote.Load(creditorID); ok {
				return p.(billing.Provider), nil
			}
			p, err := asaasProvider(creditorID, bp.Asaas)
			if err == nil {
				remote.Store(creditorID, p)
			}
			return p, err
		case config.ProviderPixAPI:
			return pixAPIProvider(dir, store, creditorID, kind, bp.PixAPI)
		}
		return billing.Provider{}, fmt.Errorf("creditor %s: billing provider %q is not available: %w", creditorID, bp.Provider, billing.ErrNoProvider)
	}
}

// localProvider computes charges from the creditor's own boleto account and
// PIX key, refusing when the kind asked for has none.
func localProvider(dir *config.Directory, store *storage.Store, creditorID string, kind payments.ChargeKind) (billing.Provider, error) {
	b, err := dir.Billing(creditorID)
	if err != nil {
		return billing.Provider{}, fmt.Errorf("%w: %w", billing.ErrNoProvider, err)
	}
	if kind == payments.KindPix && b.PixProblem != "" {
		return billing.Provider{}, fmt.Errorf("creditor %s: %s: %w", creditorID, b.PixProblem, billing.ErrNoProvider)
	}
	if kind != payments.KindPix && b.BoletoProblem != "" {
		return billing.Provider{}, fmt.Errorf("creditor %s: %s: %w", creditorID, b.BoletoProblem, billing.ErrNoProvider)
	}
	return billing.Provider{Name: local.Name, KindSlots: true, PaymentProvider: &local.Provider{
		Account: b.Account, PixKey: b.Pix.Key, PixName: b.Pix.Name, PixCity: b.Pix.City,
		NossoNumero: func(ctx context.Context) (string, error) {
			n, err := store.NextNossoNumero(ctx, creditorID)
			return strconv.FormatInt(n, 10), err
		},
	}}, nil
}
