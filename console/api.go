package console

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// convID reads the conversation id (an E.164 number) from the path.
func convID(ctx *fiber.Ctx) (string, error) {
	id, err := url.PathUnescape(ctx.Params("id"))
	if err != nil || id == "" {
		return "", fiber.NewError(fiber.StatusBadRequest, "the conversation id is not a valid path segment")
	}
	return id, nil
}

// apiError answers {"error": …} with the action error's status.
func (c *Console) apiError(ctx *fiber.Ctx, err error) error {
	code, msg := status(err)
	if code == fiber.StatusInternalServerError {
		c.log.Error("console api", "path", ctx.Path(), "err", err)
	}
	return ctx.Status(code).JSON(fiber.Map{"error": msg})
}

func (c *Console) apiQueue(ctx *fiber.Ctx) error {
	q, err := c.queue(ctx.UserContext(), c.user(ctx))
	if err != nil {
		return c.apiError(ctx, err)
	}
	return ctx.JSON(q)
}

func (c *Console) apiConversation(ctx *fiber.Ctx) error {
	id, err := convID(ctx)
	if err != nil {
		return c.apiError(ctx, err)
	}
	v, err := c.view(ctx.UserContext(), c.user(ctx), id)
	if err != nil {
		return c.apiError(ctx, err)
	}
	return ctx.JSON(v)
}

func (c *Console) apiAction(ctx *fiber.Ctx) error {
	id, err := convID(ctx)
	if err != nil {
		return c.apiError(ctx, err)
	}
	var in actionInput
	if len(ctx.Body()) > 0 {
		if err := ctx.BodyParser(&in); err != nil {
			return c.apiError(ctx, fiber.NewError(fiber.StatusBadRequest, `body must be JSON such as {"text":"Oi!"}`))
		}
	}
	res, err := c.act(ctx.UserContext(), c.user(ctx), id, ctx.Params("action"), in)
	if err != nil {
		return c.apiError(ctx, err)
	}
	return ctx.JSON(res)
}

// agentOut is an account as the API shows it (no secrets).
type agentOut struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	Role  string `json:"role"`
	Token string `json:"token,omitempty"` // only in the answer that created it
}

func (c *Console) apiAgents(ctx *fiber.Ctx) error {
	list, err := c.store.Agents(ctx.UserContext())
	if err != nil {
		return c.apiError(ctx, err)
	}
	out := make([]agentOut, 0, len(list))
	for _, a := range list {
		out = append(out, agentOut{Email: a.Email, Name: a.Name, Role: a.Role})
	}
	return ctx.JSON(out)
}

func (c *Console) apiCreateAgent(ctx *fiber.Ctx) error {
	var n NewAgent
	if err := ctx.BodyParser(&n); err != nil {
		return c.apiError(ctx, fiber.NewError(fiber.StatusBadRequest, `body must be JSON: {"email":"…","role":"agent","password":"…"}`))
	}
	token, err := CreateAgent(ctx.UserContext(), c.store, n)
	if err != nil {
		return c.apiError(ctx, fiber.NewError(fiber.StatusUnprocessableEntity, err.Error()))
	}
	a, err := c.store.Agent(ctx.UserContext(), normEmail(n.Email))
	if err != nil {
		return c.apiError(ctx, err)
	}
	return ctx.Status(fiber.StatusCreated).JSON(agentOut{Email: a.Email, Name: a.Name, Role: a.Role, Token: token})
}

func (c *Console) apiStats(ctx *fiber.Ctx) error {
	days, _ := strconv.Atoi(ctx.Query("days", "14"))
	d, err := c.dashboard(ctx.UserContext(), min(max(days, 1), 90))
	if err != nil {
		return c.apiError(ctx, err)
	}
	return ctx.JSON(d)
}
