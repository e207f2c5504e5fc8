package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/chatwoot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/console"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/portfolio"
)

func init() { mounts = append(mounts, mountConsole) }

// embeddedURLFile is where `quita serve` in embedded mode tells `quita
// agents` how to reach its in-process Redis.
const embeddedURLFile = "embedded-redis.url"

// mountConsole wires the handoff queue, the agent console at /console and
// the agent API at /api/v1.
func mountConsole(ctx context.Context, s *service) error {
	h, err := s.handoffQueue()
	if err != nil {
		return err
	}
	var creditors []string
	for _, c := range s.dir.Creditors() {
		creditors = append(creditors, c.ID)
	}
	opts := console.Options{
		Store: s.store, Bot: s.bot, Handoffs: h, Documents: paymentDocs(s.dir, bot.Cashier{Billing: billingFor(s.dir), Charges: s.billing}),
		AdminToken: s.cfg.AdminToken, Secure: strings.HasPrefix(s.cfg.PublicURL, "https://"), Log: s.log,
		Subjects:  subjectsAPI{s},
		Portfolio: &console.PortfolioOptions{Importer: func() *portfolio.Importer { return s.importer }, Creditors: creditors, TimeZone: s.cfg.Timezone},
	}
	if s.cfg.Archive {
		opts.Recovery = recoveryAPI{s}
	}
	con, err := console.New(opts)
	if err != nil {
		return err
	}
	con.Register(s.app)
	go con.Run(ctx) // ends with the process's context, closing open event streams
	s.starters = append(s.starters, func(ctx context.Context) error {
		go h.Run(ctx)
		return nil
	})
	if spec := os.Getenv("QUITA_BOOTSTRAP_ADMIN"); spec != "" {
		created, err := console.EnsureAdmin(ctx, s.store, spec)
		if err != nil {
			return err
		}
		if created {
			email, _, _ := strings.Cut(spec, ":")
			s.log.Info("console: bootstrap admin created", "email", email)
		}
	}
	if s.embedded != nil {
		path := filepath.Join(s.cfg.DataDir, embeddedURLFile)
		if err := os.WriteFile(path, []byte(s.embedded.URL()), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		s.closers = append(s.closers, func() error { return os.Remove(path) })
	}
	s.log.Info("console: " + s.cfg.PublicURL + "/console (create accounts with `quita agents add`)")
	return nil
}

// handoffQueue is the handoff queue, built once for the console and the
// Chatwoot bridge (whichever mounts first).
func (s *service) handoffQueue() (*bot.Handoffs, error) {
	if s.handoffs != nil {
		return s.handoffs, nil
	}
	idle, byCreditor, err := handoffIdle(os.Getenv("QUITA_AGENT_IDLE"), s.dir)
	if err != nil {
		return nil, err
	}
	// A Chatwoot agent's conversation stays theirs while Chatwoot says so:
	// assignment and unassignment there move it (chatwoot/inbound.go).
	inChatwoot := func(agent string) bool { _, _, ok := chatwoot.ParseAgentID(agent); return ok }
	s.handoffs = s.bot.Handoffs(bot.HandoffOptions{Idle: idle, IdleByCreditor: byCreditor, Exempt: inChatwoot})
	return s.handoffs, nil
}

// handoffIdle reads QUITA_AGENT_IDLE (default 15m) and each creditor's
// handoff: idle_minutes:.
func handoffIdle(env string, dir *config.Directory) (time.Duration, map[string]time.Duration, error) {
	idle := 15 * time.Minute
	if env != "" {
		d, err := time.ParseDuration(env)
		if err != nil || d <= 0 {
			return 0, nil, fmt.Errorf("QUITA_AGENT_IDLE=%q is not a positive duration such as 15m", env)
		}
		idle = d
	}
	by := map[string]time.Duration{}
	for _, cr := range dir.Creditors() {
		if cr.Handoff.Kind == 0 {
			continue
		}
		var sec struct {
			IdleMinutes int `yaml:"idle_minutes"`
		}
		if err := cr.Handoff.Decode(&sec); err != nil {
			return 0, nil, fmt.Errorf("QUITA_CONFIG: creditor %q handoff: %w", cr.ID, err)
		}
		if sec.IdleMinutes < 0 {
			return 0, nil, fmt.Errorf("QUITA_CONFIG: creditor %q handoff: idle_minutes must be positive", cr.ID)
		}
		if sec.IdleMinutes > 0 {
			by[cr.ID] = time.Duration(sec.IdleMinutes) * time.Minute
		}
	}
	return idle, by, nil
}

// paymentDocs gives the console each creditor's payment settings, from the
// same billing look-up as the bot: nothing missing is ever filled in.
func paymentDocs(dir *config.Directory, charges console.ChargeIssuer) console.PaymentDocs {
	return console.PaymentDocs{Charges: charges, For: func(id string) console.PaymentSettings {
		if id == "" {
			id = dir.DefaultCreditor().ID
		}
		b, err := dir.Billing(id)
		if err != nil {
			return console.PaymentSettings{Policy: payments.DefaultPolicy(), BoletoProblem: err.Error(), PixProblem: err.Error()}
		}
		return console.PaymentSettings{Policy: b.Policy, Account: b.Account, PixKey: b.Pix.Key, PixName: b.Pix.Name,
			PixCity: b.Pix.City, BoletoProblem: b.BoletoProblem, PixProblem: b.PixProblem}
	}}
}
