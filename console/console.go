// Package console is the agents' side of quita: a server-rendered web
// console at /console (queue, conversation, reply, notes, hand-back,
// dashboard, accounts) and the same features as a REST API under
// /api/v1/agent for inboxes and CRMs (API.md). Both read and change
// conversations only through bot.Handoffs and storage, so a reply takes the
// same outbound queue and compliance gate as the bot's messages, and live
// updates come from Redis pub/sub, so several processes can serve it.
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Documents makes the payment documents an agent sends with one click.
type Documents interface {
	// SegundaVia is a message with a new boleto (PDF) for the debt's updated amount.
	SegundaVia(ctx context.Context, c dialogs.Conversation, debtor *dialogs.Debtor, d dialogs.Debt, now time.Time) (dialogs.Message, error)
	// Pix is a message with a PIX copia-e-cola code and its QR image.
	Pix(ctx context.Context, c dialogs.Conversation, debtor *dialogs.Debtor, d dialogs.Debt, now time.Time) (dialogs.Message, error)
	// Offers is a message listing the plans the creditor's policy allows.
	Offers(ctx context.Context, c dialogs.Conversation, debtor *dialogs.Debtor, d dialogs.Debt, now time.Time) (dialogs.Message, error)
}

// Options are the console's parts and settings.
type Options struct {
	Store      *storage.Store
	Bot        *bot.Bot
	Handoffs   *bot.Handoffs
	Documents  Documents // nil hides the one-click documents
	AdminToken string    // QUITA_ADMIN_TOKEN: full API access
	Secure     bool      // session cookies only over HTTPS (QUITA_PUBLIC_URL is https)
	Log        *slog.Logger
	// SessionTTL is how long a console login lasts (default 12h).
	SessionTTL time.Duration
	// Portfolio, when set, adds the admins' upload of a portfolio file
	// (preview, confirmation, progress) and the status sheet's download.
	Portfolio *PortfolioOptions
	// Subjects, when set, adds the admins' data-subject API
	// (GET and DELETE /api/v1/subjects/{cpf}).
	Subjects Subjects
	// Recovery, when set, adds the archive's recovery charts to the admin
	// dashboard (by week, cadence step and variant).
	Recovery Recovery
}

// Console serves the web console and the agent API.
type Console struct {
	opts  Options
	store *storage.Store
	h     *bot.Handoffs
	log   *slog.Logger
	pages map[string]*template.Template
	hub   *hub
	// jobs is the context of the imports the console runs (Run's).
	jobsMu sync.Mutex
	jobs   context.Context
}

// New builds the console and registers the dashboard's action counters on
// the bot (call before the bot starts).
func New(opts Options) (*Console, error) {
	if opts.Store == nil || opts.Bot == nil || opts.Handoffs == nil {
		return nil, errors.New("console: Store, Bot and Handoffs are required")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{opts: opts, store: opts.Store, h: opts.Handoffs, log: opts.Log, pages: pages}
	c.hub = newHub(opts.Store, opts.Log)
	registerStats(opts.Bot, opts.Store, opts.Handoffs.Now)
	return c, nil
}

// Run feeds live updates (Redis pub/sub → SSE clients) until ctx ends, and
// then closes every open stream so that the HTTP server can stop.
func (c *Console) Run(ctx context.Context) {
	c.jobsMu.Lock()
	c.jobs = ctx
	c.jobsMu.Unlock()
	c.hub.run(ctx)
}

// Register mounts /console and /api/v1 routes.
func (c *Console) Register(app fiber.Router) {
	app.Use("/console/assets", filesystem.New(filesystem.Config{
		Root: http.FS(assetFS), PathPrefix: "assets", MaxAge: 3600,
	}))
	app.Get("/console/login", c.loginPage)
	app.Post("/console/login", c.login)

	pages := app.Group("/console", c.requireSession, secureHeaders)
	pages.Post("/logout", c.logout)
	pages.Get("/", c.queuePage)
	pages.Get("/queue", c.queueFragment)
	pages.Get("/events", c.pageEvents)
	pages.Get("/c/:id", c.conversationPage)
	pages.Get("/c/:id/transcript", c.transcriptFragment)
	pages.Post("/c/:id/:action", c.pageAction)
	pages.Get("/admin", c.requireRole(storage.RoleAdmin), c.dashboardPage)
	pages.Get("/admin/agents", c.requireRole(storage.RoleAdmin), c.agentsPage)
	pages.Post("/admin/agents", c.requireRole(storage.RoleAdmin), c.createAgentPage)
	if c.opts.Portfolio != nil {
		admin := c.requireRole(storage.RoleAdmin)
		pages.Get("/admin/import", admin, c.importPage)
		pages.Post("/admin/import", admin, c.upload)
		pages.Get("/admin/import/:id", admin, c.uploadPage)
		pages.Post("/admin/import/:id", admin, c.confirmUpload)
		pages.Get("/admin/import/:id/progress", admin, c.uploadProgress)
		pages.Get("/admin/export", admin, c.exportDownload)
	}

	api := app.Group("/api/v1", c.requireToken)
	api.Get("/agent/queue", c.apiQueue)
	api.Get("/agent/events", c.apiEvents)
	api.Get("/agent/conversations/:id", c.apiConversation)
	api.Post("/agent/conversations/:id/:action", c.apiAction)
	api.Get("/agents", c.requireRole(storage.RoleAdmin), c.apiAgents)
	api.Post("/agents", c.requireRole(storage.RoleAdmin), c.apiCreateAgent)
	api.Get("/admin/stats", c.requireRole(storage.RoleAdmin), c.apiStats)
	if c.opts.Subjects != nil {
		api.Get("/subjects/:cpf", c.requireRole(storage.RoleAdmin), c.apiSubject)
		api.Delete("/subjects/:cpf", c.requireRole(storage.RoleAdmin), c.apiEraseSubject)
	}
}

// secureHeaders keeps pages out of caches and frames, and lets scripts come
// only from our own assets: even an escaping bug could not run a debtor's
// script.
func secureHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cache-Control", "no-store")
	return c.Next()
}
