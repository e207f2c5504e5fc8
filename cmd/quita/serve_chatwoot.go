package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/bot/metrics"
	"github.com/quita-bot/quita/chatwoot"
)

func init() { mounts = append(mounts, mountChatwoot) }

// mountChatwoot wires the Chatwoot bridge when QUITA_CHATWOOT_* are set:
// the mirror (run by one process at a time) and POST /webhooks/chatwoot.
func mountChatwoot(_ context.Context, s *service) error {
	cfg, err := chatwoot.ConfigFromEnv(os.Getenv)
	if err != nil || !cfg.Enabled() {
		return err
	}
	h, err := s.handoffQueue()
	if err != nil {
		return err
	}
	opts := chatwoot.Options{}
	if v := os.Getenv("QUITA_CHATWOOT_RETRY_MAX"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("QUITA_CHATWOOT_RETRY_MAX=%q is not a positive duration such as 1m", v)
		}
		opts.RetryMax, opts.RetryBase = d, min(time.Second, d)
	}
	if loc, err := time.LoadLocation(s.cfg.Timezone); err == nil {
		opts.Location = loc
	}
	b := chatwoot.New(cfg, chatwoot.NewClient(cfg, nil), s.bot, h, s.store, s.log, opts)
	s.chatwoot = b
	s.app.Post("/webhooks/chatwoot", func(c *fiber.Ctx) error {
		status, msg := b.Webhook(c.UserContext(), func(k string) string { return c.Get(k) }, c.Body())
		if status == fiber.StatusUnauthorized {
			s.log.Warn("chatwoot webhook refused", "why", msg, "ip", c.IP())
		}
		return c.Status(status).JSON(fiber.Map{"status": msg})
	})
	s.starters = append(s.starters, func(ctx context.Context) error {
		go b.Run(ctx)
		// At shutdown (the pipeline's context ends first) the mirror stops
		// and gives its lease up before Redis closes.
		s.closers = append(s.closers, func() error {
			select {
			case <-b.Done():
				return nil
			case <-time.After(10 * time.Second):
				return fmt.Errorf("chatwoot bridge: still stopping after 10s")
			}
		})
		return nil
	})
	s.log.Info("chatwoot bridge on", "url", cfg.URL, "account", cfg.AccountID, "inbox", cfg.InboxID, "mirror", cfg.Mirror,
		"webhook", s.cfg.PublicURL+"/webhooks/chatwoot")
	return nil
}

// chatwootFigures are the bridge's figures for /metrics (ok false when off).
func (s *service) chatwootFigures() (metrics.ChatwootFigures, bool) {
	b := s.chatwoot
	if b == nil {
		return metrics.ChatwootFigures{}, false
	}
	f := metrics.ChatwootFigures{Errors: float64(b.ErrorsTotal())}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if st, _, err := chatwoot.ReadStatus(ctx, s.rdb, s.store.Keys().Prefix, time.Now()); err == nil {
		f.LagSeconds = st.OldestDueSec
	}
	return f, true
}
