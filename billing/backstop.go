package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quita-bot/quita/payments"
)

// Lister lists the payments a provider received in a time window (API Pix
// GET /pix?inicio&fim): what the backstop reads so that a lost webhook
// delays a payment but never loses it.
type Lister interface {
	Received(ctx context.Context, from, to time.Time) ([]payments.Payment, error)
}

// Backstop is a reconciliation pass over every lister: each payment it
// finds goes through Apply, which ignores those already applied.
type Backstop struct {
	Service *Service
	// Listers returns the creditors' listers by creditor id, read at each pass.
	Listers func() map[string]Lister
	Every   time.Duration // between passes (default 3 minutes)
	Window  time.Duration // how far back a pass looks (default 2 hours)
}

// BackstopResult counts one pass.
type BackstopResult struct {
	Seen, Applied, Unknown int
}

// Pass reconciles once, up to now.
func (b *Backstop) Pass(ctx context.Context, now time.Time) (BackstopResult, error) {
	window := b.Window
	if window <= 0 {
		window = 2 * time.Hour
	}
	var res BackstopResult
	var errs []error
	if b.Listers == nil {
		return res, nil
	}
	for creditor, l := range b.Listers() {
		ps, err := l.Received(ctx, now.Add(-window), now)
		if err != nil {
			errs = append(errs, fmt.Errorf("backstop: list %s payments: %w", creditor, err))
			continue
		}
		for _, p := range ps {
			res.Seen++
			a, err := b.Service.Apply(ctx, p)
			switch {
			case errors.Is(err, payments.ErrUnknownCharge):
				res.Unknown++ // paid to the key by other means: not a charge of ours
			case err != nil:
				errs = append(errs, fmt.Errorf("backstop: %s payment %s: %w", creditor, p.ID, err))
			case !a.Duplicate:
				res.Applied++
				b.Service.log().Warn("backstop found a payment no webhook reported", "creditor", creditor, "payment", p.ID, "charge", a.ChargeID)
			}
		}
	}
	return res, errors.Join(errs...)
}

// Run passes every Every until ctx ends.
func (b *Backstop) Run(ctx context.Context) {
	every := b.Every
	if every <= 0 {
		every = 3 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if b.Listers != nil {
				if _, err := b.Pass(ctx, b.Service.now()); err != nil {
					b.Service.log().Error("payment reconciliation: listing", "err", err)
				}
			}
			if _, err := b.Service.LookupPass(ctx, 500); err != nil {
				b.Service.log().Error("payment reconciliation: look-ups", "err", err)
			}
		}
	}
}

// LookupPass asks each provider about its live charges (up to limit, the
// oldest first) and applies what it reports: the backstop for providers
// that cannot list payments, and a second net for those that can.
func (s *Service) LookupPass(ctx context.Context, limit int64) (BackstopResult, error) {
	recs, err := s.Store.OpenCharges(ctx, limit)
	if err != nil {
		return BackstopResult{}, err
	}
	var res BackstopResult
	var errs []error
	for _, r := range recs {
		prov, err := s.Providers(r.CreditorID, r.Kind)
		if err != nil || prov.Name != r.Provider {
			continue // the creditor moved to another provider: its old charges are looked at by hand
		}
		st, err := prov.Lookup(ctx, r.ProviderID)
		if err != nil {
			errs = append(errs, fmt.Errorf("look up %s charge %s: %w", r.Provider, r.ChargeID, err))
			continue
		}
		for _, p := range st.Payments {
			res.Seen++
			p.Provider, p.ChargeID, p.ProviderID = r.Provider, r.ChargeID, r.ProviderID
			a, err := s.Apply(ctx, p)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !a.Duplicate {
				res.Applied++
				s.log().Warn("reconciliation found a payment no webhook reported", "provider", r.Provider, "payment", p.ID, "charge", r.ChargeID)
			}
		}
		if st.State == payments.ChargeCancelled || st.State == payments.ChargeOverdue {
			if _, err := s.MarkState(ctx, r.Provider, r.ProviderID, st.State); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return res, errors.Join(errs...)
}
