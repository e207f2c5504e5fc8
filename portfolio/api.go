package portfolio

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/billing"
	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// API is the admin API of the portfolio (bearer QUITA_ADMIN_TOKEN):
//
//	POST /api/v1/debts               bulk upsert (JSON array of rows, or {"debts": [...]}, or a CSV or XLSX file)
//	GET  /api/v1/debts/{id}          one debt with its debtor, reminders, agreement and opt-outs
//	GET  /api/v1/debts?cpf=…|phone=… a debtor's debts
//	POST /api/v1/payments            a payment from an ERP or PSP: stops reminders, thanks the debtor
//	GET  /api/v1/reports/variants    A/B results with Wilson intervals (and each variant's spend, with Costs)
//	GET  /api/v1/reports/recovery    the archive's recovery report (with Recovery): ?creditor= &since=YYYY-MM-DD &by=
type API struct {
	Store     *storage.Store
	Importer  *Importer
	Scheduler *bot.Scheduler
	// Billing, when set, takes reported payments through the one payment
	// path (billing.Service.Apply), deduplicated by reference.
	Billing *billing.Service
	Token   string
	MaxRows int // per request (default 10,000)
	// Costs, when set, adds each variant's spend to /reports/variants (the archive).
	Costs bot.VariantCosts
	// Recovery, when set, answers /reports/recovery (the archive).
	Recovery RecoveryReports
}

// RecoveryReports computes the recovery report (storage/archive's, as
// quita report recovery prints it): by is "" or step, variant, channel,
// week; since zero for all. An error wrapping ErrBadQuery is the caller's.
type RecoveryReports interface {
	RecoveryReport(ctx context.Context, creditor string, since time.Time, by string) (any, error)
}

// ErrBadQuery marks a report query the caller got wrong (400).
var ErrBadQuery = errors.New("bad report query")

// Register mounts the routes.
func (a *API) Register(app fiber.Router) {
	g := app.Group("/api/v1", a.auth)
	g.Post("/debts", a.postDebts)
	g.Get("/debts", a.searchDebts)
	g.Get("/debts/:id", a.getDebt)
	g.Post("/payments", a.postPayment)
	g.Get("/reports/variants", a.variants)
	g.Get("/reports/recovery", a.recovery)
}

func (a *API) auth(c *fiber.Ctx) error {
	p := c.Path()
	if !strings.HasPrefix(p, "/api/v1/debts") && !strings.HasPrefix(p, "/api/v1/payments") && !strings.HasPrefix(p, "/api/v1/reports/variants") &&
		!strings.HasPrefix(p, "/api/v1/reports/recovery") {
		return c.Next()
	}
	if a.Token == "" {
		return fiber.NewError(fiber.StatusServiceUnavailable, "the admin API is off: set QUITA_ADMIN_TOKEN")
	}
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.Token)) != 1 {
		return fiber.NewError(fiber.StatusUnauthorized, "send Authorization: Bearer <QUITA_ADMIN_TOKEN>")
	}
	return c.Next()
}

func (a *API) postDebts(c *fiber.Ctx) error {
	if fileUpload(c) {
		return a.postFile(c)
	}
	body := c.Body()
	var rows []Row
	if t := strings.TrimSpace(string(body)); strings.HasPrefix(t, "{") {
		var wrapped struct {
			Debts []Row `json:"debts"`
		}
		if err := json.Unmarshal(body, &wrapped); err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "body: "+err.Error())
		}
		rows = wrapped.Debts
	} else if err := json.Unmarshal(body, &rows); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "body: want a JSON array of debts: "+err.Error())
	}
	max := a.MaxRows
	if max <= 0 {
		max = 10000
	}
	if len(rows) == 0 || len(rows) > max {
		return fiber.NewError(fiber.StatusBadRequest, "send between 1 and 10000 debts per request")
	}
	for i := range rows {
		rows[i].Line = i + 1 // errors name the item's 1-based index
	}
	sum, err := a.Importer.Import(c.UserContext(), rows, nil, nil)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if sum.Failed > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return c.Status(status).JSON(sum)
}

// DebtView is a debt as the admin API shows it.
type DebtView struct {
	dialogs.Debt
	Extras       map[string]string        `json:"extras,omitempty"`
	Debtor       *dialogs.Debtor          `json:"debtor,omitempty"`
	WrongNumbers []string                 `json:"wrong_numbers,omitempty"`
	Reminders    ReminderView             `json:"reminders"`
	Agreement    *storage.AgreementRecord `json:"agreement,omitempty"`
	OptOuts      []storage.OptOutRecord   `json:"opt_outs"`
	// Charges are every charge issued for the debt, oldest first, with the
	// provider's id and state (one is live at a time).
	Charges []storage.ChargeRecord `json:"charges"`
}

// ReminderView is a debt's reminder progress.
type ReminderView struct {
	Next        *time.Time `json:"next_at,omitempty"`
	LastStep    string     `json:"last_step,omitempty"`
	LastVariant string     `json:"last_variant,omitempty"`
	LastAt      *time.Time `json:"last_at,omitempty"`
	PausedUntil *time.Time `json:"paused_until,omitempty"`
	PromiseDate string     `json:"promise_date,omitempty"`
	Stopped     string     `json:"stopped,omitempty"`
	Held        string     `json:"held,omitempty"` // why the due reminder waits: quiet_period (a conversation under way) or handoff
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

var optOutChannels = []string{channels.WhatsApp, channels.WhatsAppCloud, channels.TwilioWhatsApp, channels.SMS, channels.Simulator}

func (a *API) view(c *fiber.Ctx, id string) (DebtView, error) {
	ctx := c.UserContext()
	d, err := a.Store.Debt(ctx, id)
	if err != nil {
		return DebtView{}, err
	}
	v := DebtView{Debt: d, OptOuts: []storage.OptOutRecord{}}
	if v.Charges, err = a.Store.DebtCharges(c.UserContext(), d.ID); err != nil {
		return v, err
	}
	if v.Extras, err = a.Store.DebtExtras(ctx, id); err != nil {
		return v, err
	}
	if debtor, err := a.Store.Debtor(ctx, d.DebtorID); err == nil {
		v.Debtor = &debtor
		v.WrongNumbers, _ = a.Store.DebtorWrongNumbers(ctx, debtor.ID)
		for _, p := range debtor.Phones {
			for _, ch := range optOutChannels {
				m, err := a.Store.Redis().HGetAll(ctx, a.Store.Keys().OptOut(ch, p)).Result()
				if err != nil {
					return v, err
				}
				if m["at"] == "" {
					continue
				}
				at, _ := time.Parse(time.RFC3339Nano, m["at"])
				v.OptOuts = append(v.OptOuts, storage.OptOutRecord{Channel: ch, Phone: p, At: at, Message: m["message"]})
			}
		}
	}
	rs, err := a.Store.ReminderState(ctx, id)
	if err != nil {
		return v, err
	}
	v.Reminders = ReminderView{LastStep: rs.LastStep, LastVariant: rs.LastVariant, LastAt: timePtr(rs.LastAt),
		PausedUntil: timePtr(rs.PauseUntil), PromiseDate: rs.PromiseDate, Stopped: rs.Stopped, Held: rs.Held}
	if next, ok, err := a.Store.NextReminder(ctx, id); err == nil && ok {
		v.Reminders.Next = &next
	}
	if ag, err := a.Store.Agreement(ctx, id); err == nil {
		v.Agreement = &ag
	}
	return v, nil
}

func (a *API) getDebt(c *fiber.Ctx) error {
	v, err := a.view(c, c.Params("id"))
	if errors.Is(err, storage.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no debt "+c.Params("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (a *API) searchDebts(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var debtor dialogs.Debtor
	var err error
	switch {
	case c.Query("cpf") != "":
		cpf := NormalizeCPF(c.Query("cpf"))
		if !ValidCPF(cpf) {
			return fiber.NewError(fiber.StatusBadRequest, "cpf: not a valid CPF")
		}
		debtor, err = a.Store.DebtorByCPF(ctx, cpf)
	case c.Query("phone") != "":
		p, perr := channels.NormalizePhone(c.Query("phone"))
		if perr != nil {
			return fiber.NewError(fiber.StatusBadRequest, "phone: "+perr.Error())
		}
		debtor, err = a.Store.DebtorByPhone(ctx, p)
	default:
		return fiber.NewError(fiber.StatusBadRequest, "search by ?cpf= or ?phone=")
	}
	if errors.Is(err, storage.ErrNotFound) {
		return c.JSON(fiber.Map{"debts": []DebtView{}})
	}
	if err != nil {
		return err
	}
	debts, err := a.Store.DebtsOf(ctx, debtor.ID)
	if err != nil {
		return err
	}
	out := make([]DebtView, 0, len(debts))
	for _, d := range debts {
		v, err := a.view(c, d.ID)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return c.JSON(fiber.Map{"debtor": debtor, "debts": out})
}

// PaymentRequest is POST /api/v1/payments: the debt by id or by creditor
// and invoice, optionally one agreement installment.
type PaymentRequest struct {
	DebtID      string `json:"debt_id"`
	Creditor    string `json:"creditor"`
	Invoice     string `json:"invoice"`
	Installment int    `json:"installment"`
	AmountCents int64  `json:"amount_cents"`
	Reference   string `json:"reference"`
}

func (a *API) postPayment(c *fiber.Ctx) error {
	var p PaymentRequest
	if err := json.Unmarshal(c.Body(), &p); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "body: "+err.Error())
	}
	if p.DebtID == "" && p.Creditor != "" && p.Invoice != "" {
		id, err := a.Store.DebtByInvoice(c.UserContext(), p.Creditor, p.Invoice)
		if errors.Is(err, storage.ErrNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "no debt for that creditor and invoice")
		}
		if err != nil {
			return err
		}
		p.DebtID = id
	}
	if p.DebtID == "" || p.Installment < 0 || p.AmountCents < 0 {
		return fiber.NewError(fiber.StatusBadRequest, "send debt_id (or creditor and invoice), and optionally installment and amount_cents")
	}
	if a.Billing != nil {
		return a.reportPayment(c, p)
	}
	res, err := a.Scheduler.MarkPaid(c.UserContext(), bot.Payment{DebtID: p.DebtID, Installment: p.Installment, AmountCents: p.AmountCents, Reference: p.Reference})
	if errors.Is(err, storage.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, err.Error())
	}
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (a *API) variants(c *fiber.Ctx) error {
	rep, err := bot.VariantsReport(c.UserContext(), a.Store)
	if err != nil {
		return err
	}
	if a.Costs != nil {
		if err := bot.AddVariantCosts(c.UserContext(), &rep, a.Costs); err != nil {
			return err
		}
	}
	return c.JSON(rep)
}

func (a *API) recovery(c *fiber.Ctx) error {
	if a.Recovery == nil {
		return fiber.NewError(fiber.StatusServiceUnavailable, "the recovery report reads the archive, and QUITA_ARCHIVE=off")
	}
	var since time.Time
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "since: write a date as YYYY-MM-DD, e.g. since=2026-03-01")
		}
		since = t
	}
	rep, err := a.Recovery.RecoveryReport(c.UserContext(), c.Query("creditor"), since, c.Query("by"))
	if errors.Is(err, ErrBadQuery) {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	if err != nil {
		return err
	}
	return c.JSON(rep)
}
