package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/billing/pixapi"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
)

// pixAPIClients holds one API Pix client per creditor and configuration,
// shared by its charges, its webhook and the backstop, so that one token
// (and one TLS session) serves them all.
var pixAPIClients sync.Map // pixAPIClientKey → *pixapi.Client

type pixAPIClientKey struct {
	creditor string
	cfg      config.PixAPIConfig
	secrets  [32]byte // of the id and secret the variables held: a rotated secret makes a new client
}

// pixAPIClient is a creditor's API Pix client, its id and secret read from
// the environment variables its billing: section names.
func pixAPIClient(creditorID string, cfg config.PixAPIConfig) (*pixapi.Client, error) {
	id, secret := os.Getenv(cfg.ClientIDEnv), os.Getenv(cfg.ClientSecretEnv)
	if id == "" || secret == "" {
		return nil, fmt.Errorf("creditor %s: billing: pix_api: %s and %s must be set: %w", creditorID, cfg.ClientIDEnv, cfg.ClientSecretEnv, billing.ErrNoProvider)
	}
	key := pixAPIClientKey{creditor: creditorID, cfg: cfg, secrets: sha256.Sum256([]byte(id + "\x00" + secret))}
	if c, ok := pixAPIClients.Load(key); ok {
		return c.(*pixapi.Client), nil
	}
	c, err := pixapi.New(pixapi.Config{BaseURL: cfg.BaseURL, TokenURL: cfg.TokenURL, ClientID: id, ClientSecret: secret,
		CertFile: cfg.CertFile, KeyFile: cfg.KeyFile, CAFile: cfg.CAFile, Key: cfg.Key, Recurring: cfg.Recurring})
	if err != nil {
		return nil, fmt.Errorf("creditor %s: billing: %w: %w", creditorID, err, billing.ErrNoProvider)
	}
	actual, _ := pixAPIClients.LoadOrStore(key, c)
	return actual.(*pixapi.Client), nil
}

// pixAPIProvider issues a creditor's PIX codes as cobranças com
// vencimento at its PSP. A creditor with a boleto: account keeps its
// boletos, computed here as with local (a PSP's API Pix registers no
// boleto), the cobv beside them; one without is paid only by PIX, and a
// segunda via is a cobv too, one charge serving both requests.
func pixAPIProvider(dir *config.Directory, store *storage.Store, creditorID string, kind payments.ChargeKind, cfg config.PixAPIConfig) (billing.Provider, error) {
	b, err := dir.Billing(creditorID)
	if err != nil {
		return billing.Provider{}, fmt.Errorf("%w: %w", billing.ErrNoProvider, err)
	}
	withBoletos := b.BoletoProblem == ""
	if kind == payments.KindPixAutomatic {
		c, err := pixAPIClient(creditorID, cfg)
		if err != nil {
			return billing.Provider{}, err
		}
		return billing.Provider{Name: config.ProviderPixAPI, PaymentProvider: recurringProvider{c}}, nil
	}
	if kind != payments.KindPix && withBoletos {
		return localProvider(dir, store, creditorID, kind)
	}
	c, err := pixAPIClient(creditorID, cfg)
	if err != nil {
		return billing.Provider{}, err
	}
	if withBoletos {
		// KindSlots: the cobv lives beside the creditor's local boleto of the same debt.
		return billing.Provider{Name: config.ProviderPixAPI, PaymentProvider: c, KindSlots: true}, nil
	}
	// Hybrid: a segunda via is asked for as a hybrid, and serves a PIX request too.
	return billing.Provider{Name: config.ProviderPixAPI, PaymentProvider: c, Hybrid: true}, nil
}

// pixAPIWebhook receives the PSP's notifications at
// POST /webhooks/pix-api/{creditor}/pix (the PSP appends /pix to the
// webhookUrl registered by `quita payments webhook`). In production the
// PSP authenticates itself by mutual TLS, which the TLS terminator in
// front of quita must check (README, Getting paid); here the body is not
// believed at all: each endToEndId is confirmed with GET /pix/{e2eid} at
// the creditor's PSP, and only what the PSP answers goes through the one
// payment path. An id the PSP does not know changes nothing.
func (s *service) pixAPIWebhook(c *fiber.Ctx) error {
	creditor := c.Params("creditor")
	bp, err := s.dir.BillingProvider(creditor)
	if err != nil || bp.Provider != config.ProviderPixAPI {
		return fiber.NewError(fiber.StatusNotFound, "no API Pix billing for creditor "+creditor)
	}
	notices, err := pixapi.ParseWebhook(c.Body())
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	client, err := pixAPIClient(creditor, bp.PixAPI)
	if err != nil {
		s.log.Error("pix_api webhook: no client", "creditor", creditor, "err", err)
		return fiber.NewError(fiber.StatusServiceUnavailable, "this creditor's API Pix is not configured")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 20*time.Second)
	defer cancel()
	applied, unconfirmed, ignored := 0, []string{}, 0
	for _, n := range notices {
		ps, err := client.Confirm(ctx, n.EndToEndID)
		if errors.Is(err, pixapi.ErrUnconfirmed) {
			s.log.Warn("pix_api webhook names a Pix the PSP does not know: ignored", "creditor", creditor, "e2eid", n.EndToEndID, "ip", c.IP())
			unconfirmed = append(unconfirmed, n.EndToEndID)
			continue
		}
		if err != nil {
			// The PSP retries; the backstop finds it meanwhile anyway.
			s.log.Error("pix_api webhook: confirming a Pix", "creditor", creditor, "e2eid", n.EndToEndID, "err", err)
			return fiber.NewError(fiber.StatusServiceUnavailable, "could not confirm the Pix with the PSP; retry later")
		}
		for _, p := range ps {
			a, err := s.applyPixAPI(ctx, creditor, p)
			switch {
			case errors.Is(err, payments.ErrUnknownCharge):
				ignored++ // a cob or cobv quita did not issue
			case err != nil:
				return err
			case !a.Duplicate:
				applied++
			}
		}
	}
	return c.JSON(fiber.Map{"ok": true, "applied": applied, "unconfirmed": unconfirmed, "ignored": ignored})
}

// applyPixAPI applies one confirmed movement of a creditor's account, only
// to a charge of that creditor.
func (s *service) applyPixAPI(ctx context.Context, creditor string, p payments.Payment) (billing.Applied, error) {
	if err := chargeOf(ctx, s.store, creditor, p); err != nil {
		return billing.Applied{}, err
	}
	return s.billing.Apply(ctx, p)
}

// chargeOf checks that a movement is for a charge of creditor: a txid of
// another creditor's charge (or none of quita's) is not applied.
func chargeOf(ctx context.Context, store *storage.Store, creditor string, p payments.Payment) error {
	if p.ChargeID == "" {
		return fmt.Errorf("pix %s has no txid: %w", p.ID, payments.ErrUnknownCharge)
	}
	rec, err := store.Charge(ctx, p.ChargeID)
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("pix %s for txid %s: %w", p.ID, p.ChargeID, payments.ErrUnknownCharge)
	}
	if err != nil {
		return err
	}
	if rec.CreditorID != creditor || rec.Provider != config.ProviderPixAPI {
		return fmt.Errorf("pix %s names charge %s, which is not a pix_api charge of %s: %w", p.ID, p.ChargeID, creditor, payments.ErrUnknownCharge)
	}
	return nil
}

// pixAPIListers are the backstop's sources: GET /pix of every creditor
// billed through the API Pix.
func pixAPIListers(dir *config.Directory, store *storage.Store, logf func(msg string, args ...any)) map[string]billing.Lister {
	out := map[string]billing.Lister{}
	for _, cr := range dir.Creditors() {
		bp, err := dir.BillingProvider(cr.ID)
		if err != nil || bp.Provider != config.ProviderPixAPI {
			continue
		}
		c, err := pixAPIClient(cr.ID, bp.PixAPI)
		if err != nil {
			logf("payment reconciliation: creditor skipped", "creditor", cr.ID, "err", err)
			continue
		}
		out[cr.ID] = creditorLister{creditor: cr.ID, client: c, store: store}
	}
	return out
}

// creditorLister lists one creditor's Pix, keeping those of its own charges.
type creditorLister struct {
	creditor string
	client   *pixapi.Client
	store    *storage.Store
}

func (l creditorLister) Received(ctx context.Context, from, to time.Time) ([]payments.Payment, error) {
	ps, err := l.client.Received(ctx, from, to)
	var own []payments.Payment
	for _, p := range ps {
		switch cerr := chargeOf(ctx, l.store, l.creditor, p); {
		case cerr == nil:
			own = append(own, p)
		case !errors.Is(cerr, payments.ErrUnknownCharge):
			err = errors.Join(err, cerr)
		}
	}
	return own, err
}
