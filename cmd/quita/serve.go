package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/mediaserver"
	"github.com/quita-bot/quita/channels/simulator"
	"github.com/quita-bot/quita/chatwoot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/portfolio"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
)

func init() {
	register(command{name: "serve", summary: "run the service (webhooks, pipeline, simulator, console)", run: runServe})
}

// service is everything `quita serve` runs; features mount themselves on it
// through the mounts list (one file each).
type service struct {
	cfg      config.Config
	log      *slog.Logger
	rdb      redis.UniversalClient
	store    *storage.Store
	bot      *bot.Bot
	dir      *config.Directory
	app      *fiber.App
	media    *mediaserver.Server
	embedded *storage.Embedded
	ready    []readiness    // extra /readyz checks (channel states)
	closers  []func() error // run at shutdown, after the pipeline drained
	starters []func(context.Context) error
	// importer is the portfolio's: mountReminders builds it, the console
	// and the admin API use it.
	importer *portfolio.Importer
	// billing issues charges and applies payments (serve_billing.go).
	billing  *billing.Service
	backstop *billing.Backstop // the payments reconciliation pass (serve_billing.go)
	// scheduler sends reminders and runs agreements' Pix Automático (serve_reminders.go).
	scheduler *bot.Scheduler
	// archive is the long-term store (serve_archive.go); nil with QUITA_ARCHIVE=off.
	archive *archive.DB
	// subjects answers data subjects (LGPD art. 18; serve_archive.go).
	subjects *archive.Subjects
	// handoffs is the human-handoff queue (handoffQueue builds it once).
	handoffs *bot.Handoffs
	// chatwoot is the Chatwoot bridge (serve_chatwoot.go); nil when off.
	chatwoot *chatwoot.Bridge
	// onWebhook, when set, is told how long each webhook took to answer
	// (its route, status and time): what a provider waits for.
	onWebhook func(route string, status int, d time.Duration)
}

// readiness reports one component's state for /readyz.
type readiness struct {
	name  string
	state func() (string, bool)
}

// mounts are the optional features; each adds itself in its own file's init.
var mounts []func(ctx context.Context, s *service) error

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: quita serve\n\nRuns the whole service. Configured by environment variables (see README.md);\nwith no REDIS_URL it runs an embedded in-memory Redis with demo data and the simulator.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	tuneGC()
	s, err := newService(ctx, cfg, newLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel), time.Now)
	if err != nil {
		return err
	}
	return s.run(ctx)
}

// newService connects storage and builds every part, without listening yet.
// serveGCPercent is a serving process's GC target when GOGC is not set.
// The live heap is small (~13 MB under load), so collecting at 5× it
// rather than 2× costs ~50 MB and saves most of the GC's CPU (6% → 1%)
// and of its share of the latency tail (BENCHMARKS.md).
const serveGCPercent = 400

// tuneGC applies serveGCPercent unless the operator set GOGC.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}

func newService(ctx context.Context, cfg config.Config, log *slog.Logger, now func() time.Time) (*service, error) {
	s := &service{cfg: cfg, log: log}
	redisURL := cfg.RedisURL
	if cfg.Embedded() {
		e, err := storage.StartEmbedded(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		s.embedded, redisURL = e, e.URL()
		log.Warn("embedded mode: data lives in memory and is snapshotted to the data dir on graceful shutdown; set REDIS_URL (with AOF on) for production",
			"snapshot", storage.SnapshotPath(cfg.DataDir), "redis", e.URL())
	}
	rdb, err := storage.Connect(ctx, redisURL)
	if err != nil {
		s.shutdownStorage()
		return nil, err
	}
	s.rdb = rdb
	storeClient := rdb
	if cfg.AutoPipeline {
		if storeClient, err = storage.AutoPipelined(rdb); err != nil {
			s.shutdownStorage()
			return nil, err
		}
	}
	s.store = storage.New(storeClient, cfg.RedisPrefix)
	// Before anything reads the portfolio: records written by an earlier
	// version (one field per attribute) are packed once; later starts only
	// read the format marker.
	if n, err := s.store.MigratePortfolio(ctx); err != nil {
		s.shutdownStorage()
		return nil, fmt.Errorf("migrate the portfolio to the packed record format: %w", err)
	} else if n > 0 {
		log.Info("portfolio records packed into the current format", "records", n)
	}
	file, err := config.LoadFile(cfg.ConfigFile)
	if err != nil {
		s.shutdownStorage()
		return nil, err
	}
	s.dir = config.NewDirectory(file)
	if cfg.Embedded() && cfg.Demo {
		s.dir.AllowExamples() // the demo's unpayable documents, in embedded demo mode only
	}
	if err := checkCreditorsAtStart(cfg, file, s.dir, log); err != nil {
		s.shutdownStorage()
		return nil, err
	}
	secret, err := loadSecret(cfg)
	if err != nil {
		s.shutdownStorage()
		return nil, err
	}
	s.media = mediaserver.New(s.store.GetMedia, secret, cfg.PublicURL, 7*24*time.Hour, now)
	s.billing = newBilling(s, now)
	s.bot = bot.New(s.store, newDialog(s), s.dir, log, now, bot.Options{Workers: cfg.Workers, Senders: cfg.Senders, Batch: cfg.Batch, BatchWait: cfg.BatchWait, FallbackSMS: cfg.FallbackSMS, NudgeAfter: cfg.NudgeAfter})
	s.app = fiber.New(fiber.Config{
		AppName: "quita", DisableStartupMessage: true, BodyLimit: 1 << 20,
		ReadTimeout: 15 * time.Second, WriteTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second,
		ErrorHandler: jsonError,
	})
	s.app.Server().HeaderReceived = uploadLimits // portfolio files may be larger (serve_uploads.go)
	s.routes()
	for _, mount := range mounts {
		if err := mount(ctx, s); err != nil {
			s.shutdownStorage()
			return nil, err
		}
	}
	return s, nil
}

// newDialog is the conversation engine with the local payment generator.
func newDialog(s *service) bot.Dialog {
	return dialogs.NewEngine(dialogs.EngineConfig{Cashier: bot.Cashier{Billing: billingFor(s.dir), Charges: s.billing}, DefaultTimeZone: s.cfg.Timezone})
}

// billingFor looks up a creditor's payment policy, boleto account and PIX
// key in dir; what the creditor lacks comes back zero, never a default.
func billingFor(dir *config.Directory) bot.BillingFor {
	return func(creditorID string) (payments.Policy, payments.Account, bot.PixAccount, error) {
		b, err := dir.Billing(creditorID)
		return b.Policy, b.Account, bot.PixAccount{Key: b.Pix.Key, Name: b.Pix.Name, City: b.Pix.City}, err
	}
}

func (s *service) routes() {
	s.app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	s.app.Get("/readyz", s.readyz)
	s.app.Use("/webhooks", s.timeWebhook) // before the channels' routes, which mounts add
	s.media.Register(s.app)
	if s.cfg.Simulator {
		s.bot.AddChannel(simulator.Channel{})
		s.ready = append(s.ready, readiness{name: channels.Simulator, state: func() (string, bool) { return "in-process", true }})
		simulator.Register(s.app, s.bot, s.simulatorTranscript, storage.NewID)
	}
}

func (s *service) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	body, ok := fiber.Map{}, true
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		body["redis"], ok = "unreachable: "+err.Error(), false
	} else {
		body["redis"] = "ok"
	}
	chans := fiber.Map{}
	for _, r := range s.ready {
		st, good := r.state()
		chans[r.name] = st
		ok = ok && good
	}
	body["channels"] = chans
	if !ok {
		body["status"] = "unavailable"
		return c.Status(fiber.StatusServiceUnavailable).JSON(body)
	}
	body["status"] = "ready"
	return c.JSON(body)
}

func (s *service) simulatorTranscript(ctx context.Context, phone string) ([]simulator.Entry, error) {
	msgs, err := s.store.Transcript(ctx, phone, 200)
	if err != nil {
		return nil, err
	}
	out := make([]simulator.Entry, 0, len(msgs))
	for _, m := range msgs {
		if m.Private {
			continue
		}
		e := simulator.Entry{ID: m.ID, Direction: m.Direction, Text: m.Text, Time: m.At, Status: m.Status, Origin: m.Origin}
		for _, a := range m.Attachments {
			if a.MediaID != "" {
				a.URL = s.media.Path(a.MediaID)
			}
			e.Attachments = append(e.Attachments, a)
		}
		out = append(out, e)
	}
	return out, nil
}

// run starts the pipeline and the HTTP server, and on SIGINT/SIGTERM stops
// taking requests, drains in-flight work and snapshots embedded data.
func (s *service) run(ctx context.Context) error {
	botCtx, stopBot := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBot()
	if err := s.bot.Start(botCtx); err != nil {
		s.shutdownStorage()
		return err
	}
	for _, start := range s.starters {
		if err := start(botCtx); err != nil {
			stopBot()
			s.bot.Wait()
			s.shutdownStorage()
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listen(s.cfg.Addr) }()
	s.log.Info("quita is running", "addr", s.cfg.Addr, "public_url", s.cfg.PublicURL)
	if s.cfg.Simulator {
		s.log.Info("simulator: open " + s.cfg.PublicURL + "/simulator and write \"oi\" as +5511987650001")
		if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 { // a person is watching
			fmt.Fprintf(os.Stderr, "\n  Simulator: %s/simulator\n\n", s.cfg.PublicURL)
		}
	}
	var runErr error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down: no new requests, draining in-flight work")
	case runErr = <-errc:
		runErr = fmt.Errorf("http server on %s: %w", s.cfg.Addr, runErr)
	}
	if err := s.app.ShutdownWithTimeout(s.cfg.ShutdownTimeout); err != nil {
		s.log.Warn("http shutdown", "err", err)
	}
	stopBot()
	s.bot.Wait()
	for _, c := range s.closers {
		if err := c(); err != nil {
			s.log.Warn("shutdown step failed", "err", err)
		}
	}
	if err := s.shutdownStorage(); err != nil {
		runErr = errors.Join(runErr, err)
	}
	s.log.Info("stopped")
	return runErr
}

// shutdownStorage closes Redis and, in embedded mode, writes the snapshot.
func (s *service) shutdownStorage() error {
	var err error
	if s.rdb != nil {
		err = s.rdb.Close()
	}
	if s.embedded != nil {
		if serr := s.embedded.Close(); serr != nil {
			err = errors.Join(err, fmt.Errorf("snapshot embedded data: %w", serr))
		} else {
			s.log.Info("embedded data snapshotted", "file", storage.SnapshotPath(s.cfg.DataDir))
		}
	}
	return err
}

// loadSecret returns the key that signs media links: QUITA_SECRET, or in
// embedded mode a random one kept in the data dir so links survive restarts.
func loadSecret(cfg config.Config) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	if !cfg.Embedded() {
		return nil, errors.New("QUITA_SECRET is required with REDIS_URL: set it to a long random string (openssl rand -hex 32); it signs media links")
	}
	path := filepath.Join(cfg.DataDir, "secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	secret := []byte(hex.EncodeToString(buf))
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return secret, nil
}

// timeWebhook measures a webhook from its routing to its answer.
func (s *service) timeWebhook(c *fiber.Ctx) error {
	if s.onWebhook == nil {
		return c.Next()
	}
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil { // jsonError writes the status after the middleware returns
		status = errorStatus(err)
	}
	// The route is the pattern that answered (c.Route() after Next), never
	// the raw path: a label must not grow with what callers send.
	s.onWebhook(c.Route().Path, status, time.Since(start))
	return err
}

// errorStatus is the HTTP status a handler's error is answered with.
func errorStatus(err error) int {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return fiber.StatusInternalServerError
}

// jsonError answers every error as {"error": "..."} with its status.
func jsonError(c *fiber.Ctx, err error) error {
	code := errorStatus(err)
	msg := err.Error()
	if code == fiber.StatusInternalServerError {
		msg = "internal error"
	}
	return c.Status(code).JSON(fiber.Map{"error": msg})
}

var _ channels.Sink = (*bot.Bot)(nil)
