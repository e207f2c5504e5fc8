package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/whatsapp"
	"github.com/quita-bot/quita/storage"
)

func init() {
	register(command{
		name:    "whatsapp",
		summary: "link quita to a WhatsApp number: whatsapp login [--phone +55…], whatsapp status; whatsapp templates export|sync",
		run:     runWhatsApp,
	})
	mounts = append(mounts, mountWhatsApp)
}

// whatsappLeaseTTL is how long a dead process keeps the number from the others.
const whatsappLeaseTTL = 30 * time.Second

// mountWhatsApp connects the paired whatsmeow device when QUITA_WHATSAPP is
// on. The number is held through a Redis lease, so with several `quita serve`
// processes exactly one is connected; /readyz shows the channel's state.
func mountWhatsApp(ctx context.Context, s *service) error {
	if !s.cfg.WhatsApp {
		return nil
	}
	cfg, err := whatsapp.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	cfg.DataDir, cfg.DBURL = s.cfg.DataDir, s.cfg.WhatsAppDB
	sess, err := whatsapp.Open(ctx, cfg, s.log)
	if err != nil {
		return err
	}
	if paired := sess.Phone(); paired != "" {
		if want, _ := channels.NormalizePhone(cfg.Phone); cfg.Phone != "" && want != paired {
			sess.Close()
			return fmt.Errorf("QUITA_WHATSAPP_PHONE is %s but the session is paired with %s: fix the variable, or pair again with `quita whatsapp login --relink`", cfg.Phone, paired)
		}
		cfg.Phone = paired
	}
	dir := s.store.WhatsAppDirectory() // LID map and cold-contact list survive restarts
	opts := []whatsapp.Option{whatsapp.WithLIDMap(dir), whatsapp.WithContacts(dir)}
	if cfg.Phone != "" {
		opts = append(opts, whatsapp.WithLease(storage.NewLease(s.rdb, storage.WhatsAppLeaseKey(s.cfg.RedisPrefix, cfg.Phone), whatsappLeaseTTL)))
	}
	ch := whatsapp.New(whatsapp.Adapt(sess.NewClient()), cfg, s.media, s.log, opts...)
	s.bot.AddChannel(ch)
	s.ready = append(s.ready, readiness{name: channels.WhatsApp, state: func() (string, bool) {
		st := ch.State()
		return string(st), st == whatsapp.StateConnected || st == whatsapp.StateStandby
	}})
	s.starters = append(s.starters, func(ctx context.Context) error { return ch.Start(ctx, s.bot) })
	s.closers = append(s.closers, func() error { ch.Wait(); return sess.Close() })
	s.log.Info("whatsapp (whatsmeow) channel on", "session", sess.Where(), "phone", channels.MaskPhone(cfg.Phone),
		"rate_limit", cfg.RateLimit, "daily_cap", cfg.DailyCap, "cold_contact", cfg.AllowColdContact)
	return nil
}

const whatsappUsage = `Usage:
  quita whatsapp login [--phone +5511987650001] [--relink]
      Link quita to a WhatsApp number as a linked device, by a QR code drawn
      here, or with --phone by a pairing code typed on that phone.
  quita whatsapp status
      Say whether a session is paired, and with which number.
  quita whatsapp templates export|sync --creditor ID
      The approved templates reminders go as outside the 24-hour window
      (Cloud API, Twilio): see quita whatsapp templates -h.

The session is kept in $QUITA_DATA_DIR/whatsapp.db (default ./data), or in
PostgreSQL when QUITA_WHATSAPP_DB=postgres://… is set.`

func runWhatsApp(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(os.Stderr, whatsappUsage)
		return nil
	}
	switch args[0] {
	case "login":
		return whatsappLogin(ctx, args[1:])
	case "status":
		return whatsappStatus(ctx)
	case "templates":
		return runWhatsAppTemplates(ctx, args[1:])
	}
	fmt.Fprintln(os.Stderr, whatsappUsage)
	return fmt.Errorf("unknown subcommand %q", args[0])
}

func openWhatsAppSession(ctx context.Context) (*whatsapp.Session, error) {
	cfg, err := whatsapp.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	// whatsmeow's own chatter stays out of the pairing screen; problems still show.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	return whatsapp.Open(ctx, cfg, log)
}

func whatsappLogin(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("whatsapp login", flag.ContinueOnError)
	phone := fs.String("phone", "", "pair with a code typed on this phone (E.164, e.g. +5511987650001) instead of a QR code")
	relink := fs.Bool("relink", false, "forget the paired session first and link again")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), whatsappUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	sess, err := openWhatsAppSession(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()
	fmt.Printf("WhatsApp session store: %s\n", sess.Where())
	if sess.Paired() {
		if !*relink {
			fmt.Printf("Already paired with %s; nothing to do.\nTo link another phone: quita whatsapp login --relink\n", sess.Phone())
			return nil
		}
		old := sess.Phone()
		if err := sess.Unpair(ctx); err != nil {
			return err
		}
		fmt.Printf("Forgot the session of %s. Remove the old link on that phone too: WhatsApp › Settings › Linked devices.\n", old)
	}
	if _, err := whatsapp.Login(ctx, sess.NewClient(), whatsapp.LoginOptions{Phone: *phone, Out: os.Stdout}); err != nil {
		return err
	}
	return nil
}

func whatsappStatus(ctx context.Context) error {
	sess, err := openWhatsAppSession(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()
	fmt.Printf("WhatsApp session store: %s\n", sess.Where())
	if !sess.Paired() {
		fmt.Println("Not paired: run `quita whatsapp login`.")
		return nil
	}
	fmt.Printf("Paired with %s.\n", sess.Phone())
	return nil
}
