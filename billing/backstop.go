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
			if _, err := b.Pass(ctx, b.Service.now()); err != nil {
				b.Service.log().Error("payment reconciliation", "err", err)
			}
		}
	}
}
