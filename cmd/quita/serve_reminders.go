package main

import (
	"context"
	"fmt"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/portfolio"
)

func init() { mounts = append(mounts, mountReminders) }

// reminderParts reads every creditor's cadence and contact policy.
func reminderParts(dir *config.Directory) (map[string]bot.Cadence, map[string]bot.Policy, error) {
	cads, pols := map[string]bot.Cadence{}, map[string]bot.Policy{}
	for _, c := range dir.Creditors() {
		cad, err := bot.ParseCadence(c.Cadence)
		if err != nil {
			return nil, nil, fmt.Errorf("QUITA_CONFIG: creditor %q: %w", c.ID, err)
		}
		cads[c.ID] = cad
		if c.Gate.Kind != 0 {
			p, err := bot.ParsePolicy(c.Gate, bot.PresetBR)
			if err != nil {
				return nil, nil, fmt.Errorf("QUITA_CONFIG: creditor %q: %w", c.ID, err)
			}
			pols[c.ID] = p
		}
	}
	return cads, pols, nil
}

// mountReminders installs the compliance gate, the reminder scheduler (with
// its action handlers) and the portfolio admin API.
func mountReminders(ctx context.Context, s *service) error {
	cads, pols, err := reminderParts(s.dir)
	if err != nil {
		return err
	}
	gate := &bot.Compliance{Store: s.store, Log: s.log, Default: bot.PresetBR, Creditors: pols}
	s.bot.SetGate(gate)
	sched := bot.NewScheduler(s.bot, gate, cads, bot.SchedulerOptions{})
	known := func(id string) bool { _, ok := s.dir.Creditor(id); return ok }
	s.importer = &portfolio.Importer{Store: s.store, Creditors: known, FirstReminder: sched.FirstReminder}
	s.billing.Settler = bot.Settler{Scheduler: sched}
	api := &portfolio.API{Store: s.store, Scheduler: sched, Token: s.cfg.AdminToken, Importer: s.importer, Billing: s.billing}
	if s.cfg.Archive {
		reports := archiveReports{s}
		api.Costs, api.Recovery = reports, reports
	}
	api.Register(s.app)
	s.starters = append(s.starters, func(ctx context.Context) error {
		// Regulation F: every text to a US-preset debtor carries opt-out words.
		for _, name := range []string{channels.SMS, channels.TwilioWhatsApp, channels.WhatsApp, channels.WhatsAppCloud, channels.Simulator} {
			if ch, ok := s.bot.Channel(name); ok {
				s.bot.AddChannel(bot.FooterChannel{Channel: ch, Gate: gate, Creditor: func(ctx context.Context, conv string) string {
					c, err := s.bot.Conversation(ctx, conv)
					if err != nil {
						return ""
					}
					return c.CreditorID
				}})
			}
		}
		if err := scheduleUnscheduled(ctx, s, sched); err != nil {
			s.log.Warn("could not schedule the demo debts", "err", err)
		}
		sched.Start(ctx)
		s.log.Info("reminder scheduler running", "creditors", len(cads))
		return nil
	})
	return nil
}

// scheduleUnscheduled gives the demo debts (written by SaveDebt, not the
// importer) their first reminder once.
func scheduleUnscheduled(ctx context.Context, s *service, sched *bot.Scheduler) error {
	if !s.cfg.Demo {
		return nil
	}
	debtors, debts := demoPortfolio(time.Now())
	tz := map[string]string{}
	for _, d := range debtors {
		tz[d.ID] = d.TimeZone
	}
	for _, d := range debts {
		if _, ok, err := s.store.NextReminder(ctx, d.ID); err != nil || ok {
			continue
		}
		if rs, err := s.store.ReminderState(ctx, d.ID); err != nil || rs.Stopped != "" || rs.Next > 0 {
			continue
		}
		at, err := sched.FirstReminder(d.CreditorID, d.DueDate, tz[d.DebtorID])
		if err != nil {
			return err
		}
		if err := s.store.ScheduleReminder(ctx, d.ID, at); err != nil {
			return err
		}
	}
	return nil
}
