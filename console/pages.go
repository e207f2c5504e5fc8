package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/portfolio"
)

var pageNames = []string{"login", "queue", "conversation", "dashboard", "agents", "import"}

// debtStatusLabels names a debt's status for agents.
var debtStatusLabels = map[string]string{
	"open": "em aberto", "paid": "paga", "disputed": "contestada", "agreement": "em acordo", "suspended": "suspensa",
}

var chargeStateLabels = map[string]string{
	"issuing": "emitindo", "unregistered": "não registrado no banco (aguarda remessa)", "registered": "registrado, a pagar",
	"rejected": "recusado pelo banco", "paid": "pago", "cancelled": "cancelado", "refunded": "estornado", "overdue": "vencido",
}

var reasonLabels = map[string]string{
	"ask_human": "pediu uma pessoa", "dispute": "contestação", "distress": "sofrimento / urgência",
	"legal_threat": "ameaça jurídica", "misunderstanding": "bot não entendeu", "verification_failed": "falhou na verificação",
	"receipt": "enviou comprovante", "abusive": "linguagem abusiva", "bot_error": "erro do bot",
	"answered_from_phone": "respondido pelo celular", "vip": "cliente VIP", "high_value": "valor alto",
	"send_payment": "enviar código de pagamento",
}

func money(cents int64) string { return payments.FormatBRL(cents) }

var funcs = template.FuncMap{
	"money":       money,
	"holder":      HolderLabel,
	"author":      AuthorLabel,
	"reason":      func(r string) string { return firstNonEmpty(reasonLabels[r], r) },
	"debtStatus":  func(s string) string { return firstNonEmpty(debtStatusLabels[s], s) },
	"chargeState": func(s string) string { return firstNonEmpty(chargeStateLabels[s], s) },
	"wait": func(d time.Duration) string {
		switch {
		case d < time.Minute:
			return fmt.Sprintf("%ds", int(d.Seconds()))
		case d < time.Hour:
			return fmt.Sprintf("%d min", int(d.Minutes()))
		default:
			return fmt.Sprintf("%dh%02d", int(d.Hours()), int(d.Minutes())%60)
		}
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("02/01 15:04:05")
	},
	"path": url.PathEscape,
	"list": func(xs ...string) []string { return xs },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"chart":         barChart,
	"recoveryChart": recoveryChart,
	"groupLabel":    groupLabel,
	"spend":         spendText,
	"perReal":       perRealText,
	"pct":           ratePercent,
	"column":        func(col string) string { return firstNonEmpty(headerNames[col], col) },
	"fieldErr": func(errs []portfolio.FieldError, col string) bool {
		return slices.ContainsFunc(errs, func(e portfolio.FieldError) bool { return e.Field == col })
	},
	"value": formatValue,
	"first": func(name string) string { f, _, _ := strings.Cut(strings.TrimSpace(name), " "); return f },
	"maskCPF": func(cpf string) string {
		if cpf == "" {
			return ""
		}
		return payments.MaskCPF(cpf)
	},
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, p := range pageNames {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("console templates: %w", err)
		}
		out[p] = t
	}
	return out, nil
}

// render writes a whole page (the layout around the page's "content").
func (c *Console) render(ctx *fiber.Ctx, page string, data fiber.Map) error {
	return c.execute(ctx, page, "layout", data)
}

func (c *Console) execute(ctx *fiber.Ctx, page, name string, data fiber.Map) error {
	if _, ok := data["User"]; !ok {
		data["User"] = c.user(ctx)
	}
	data["Page"] = page
	data["Imports"] = c.opts.Portfolio != nil
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	ctx.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return ctx.Send(buf.Bytes())
}

// pageError shows an action error as a page.
func (c *Console) pageError(ctx *fiber.Ctx, err error) error {
	code, msg := status(err)
	if code == fiber.StatusInternalServerError {
		c.log.Error("console page", "path", ctx.Path(), "err", err)
	}
	ctx.Status(code)
	return c.render(ctx, "queue", fiber.Map{"Error": msg, "Queue": Queue{}})
}

func (c *Console) queuePage(ctx *fiber.Ctx) error {
	q, err := c.queue(ctx.UserContext(), c.user(ctx))
	if err != nil {
		return c.pageError(ctx, err)
	}
	return c.render(ctx, "queue", fiber.Map{"Queue": q, "Flash": ctx.Query("flash")})
}

func (c *Console) queueFragment(ctx *fiber.Ctx) error {
	q, err := c.queue(ctx.UserContext(), c.user(ctx))
	if err != nil {
		code, msg := status(err)
		return ctx.Status(code).SendString(msg)
	}
	return c.execute(ctx, "queue", "queue-body", fiber.Map{"Queue": q})
}

func (c *Console) conversationPage(ctx *fiber.Ctx) error {
	id, err := convID(ctx)
	if err != nil {
		return c.pageError(ctx, err)
	}
	p := c.user(ctx)
	v, err := c.view(ctx.UserContext(), p, id)
	if err != nil {
		return c.pageError(ctx, err)
	}
	first := ""
	if v.Debtor != nil {
		first = v.Debtor.Name
		first, _, _ = strings.Cut(first, " ")
	}
	return c.render(ctx, "conversation", fiber.Map{"V": v, "Canned": cannedFor(v.Language, first, firstNonEmpty(p.Name, p.Email)),
		"Docs": c.opts.Documents != nil, "Flash": ctx.Query("flash"), "Error": ctx.Query("error")})
}

func (c *Console) transcriptFragment(ctx *fiber.Ctx) error {
	id, err := convID(ctx)
	if err != nil {
		return err
	}
	v, err := c.view(ctx.UserContext(), c.user(ctx), id)
	if err != nil {
		code, msg := status(err)
		return ctx.Status(code).SendString(msg)
	}
	return c.execute(ctx, "conversation", "transcript", fiber.Map{"V": v})
}

var flashes = map[string]string{
	"claim": "Você assumiu a conversa. O bot fica em silêncio até você devolvê-la.",
	"reply": "Mensagem enviada para a fila de envio.", "note": "Nota privada salva.",
	"handback": "Conversa devolvida ao bot.", "close": "Conversa encerrada.",
	"segunda-via": "Segunda via enviada.", "pix": "PIX enviado.", "offers": "Opções de acordo enviadas.",
}

// pageAction runs a form's action and redirects (POST/redirect/GET).
func (c *Console) pageAction(ctx *fiber.Ctx) error {
	id, err := convID(ctx)
	if err != nil {
		return c.pageError(ctx, err)
	}
	action := ctx.Params("action")
	in := actionInput{Text: ctx.FormValue("text"), Resume: ctx.FormValue("resume"), Debt: ctx.FormValue("debt")}
	_, err = c.act(ctx.UserContext(), c.user(ctx), id, action, in)
	if err != nil {
		code, msg := status(err)
		if code == fiber.StatusForbidden || code == fiber.StatusNotFound || code == fiber.StatusInternalServerError {
			return c.pageError(ctx, err)
		}
		return ctx.Redirect("/console/c/"+url.PathEscape(id)+"?error="+url.QueryEscape(msg), fiber.StatusSeeOther)
	}
	if action == "handback" || action == "close" {
		return ctx.Redirect("/console/?flash="+url.QueryEscape(flashes[action]), fiber.StatusSeeOther)
	}
	return ctx.Redirect("/console/c/"+url.PathEscape(id)+"?flash="+url.QueryEscape(flashes[action]), fiber.StatusSeeOther)
}

func (c *Console) dashboardPage(ctx *fiber.Ctx) error {
	d, err := c.dashboard(ctx.UserContext(), 14)
	if err != nil {
		return c.pageError(ctx, err)
	}
	return c.render(ctx, "dashboard", fiber.Map{"D": d})
}

func (c *Console) agentsPage(ctx *fiber.Ctx) error {
	list, err := c.store.Agents(ctx.UserContext())
	if err != nil {
		return c.pageError(ctx, err)
	}
	return c.render(ctx, "agents", fiber.Map{"Agents": list})
}

func (c *Console) createAgentPage(ctx *fiber.Ctx) error {
	n := NewAgent{Email: ctx.FormValue("email"), Name: ctx.FormValue("name"), Role: ctx.FormValue("role"), Password: ctx.FormValue("password")}
	token, err := CreateAgent(ctx.UserContext(), c.store, n)
	list, lerr := c.store.Agents(ctx.UserContext())
	if lerr != nil {
		return c.pageError(ctx, lerr)
	}
	data := fiber.Map{"Agents": list}
	if err != nil {
		ctx.Status(fiber.StatusUnprocessableEntity)
		data["Error"] = err.Error()
	} else {
		data["Created"] = normEmail(n.Email)
		data["Token"] = token
	}
	return c.render(ctx, "agents", data)
}
