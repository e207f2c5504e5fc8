package console

import (
	"context"
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// Subjects answers data subjects (LGPD art. 18) for the admin API; the
// archive's Subjects implements it. Actor is who asked, for the audit.
type Subjects interface {
	Export(ctx context.Context, cpf, actor string) (any, error)
	Erase(ctx context.Context, cpf, actor string) (any, error)
}

// ErrNoSubject is what a Subjects returns (wrapped or as is) when no
// debtor has the CPF: the API answers 404.
var ErrNoSubject = errors.New("no debtor with this CPF")

func (c *Console) subjectCall(ctx *fiber.Ctx, f func(context.Context, string, string) (any, error)) error {
	cpf, err := url.PathUnescape(ctx.Params("cpf"))
	if err != nil || cpf == "" {
		return ctx.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": "the CPF is not a valid path segment"})
	}
	p := c.user(ctx)
	doc, err := f(ctx.UserContext(), cpf, "api:"+p.Email)
	switch {
	case errors.Is(err, ErrNoSubject):
		return ctx.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "no debtor has this CPF, in Redis or the archive"})
	case err != nil:
		var bad interface{ BadRequest() bool }
		if errors.As(err, &bad) && bad.BadRequest() {
			return ctx.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": err.Error()})
		}
		c.log.Error("console api: subject", "err", err)
		return ctx.Status(fiber.StatusInternalServerError).JSON(fiber.Map{"error": "internal error"})
	}
	ctx.Set("Cache-Control", "no-store")
	return ctx.JSON(doc)
}

func (c *Console) apiSubject(ctx *fiber.Ctx) error { return c.subjectCall(ctx, c.opts.Subjects.Export) }

func (c *Console) apiEraseSubject(ctx *fiber.Ctx) error {
	return c.subjectCall(ctx, c.opts.Subjects.Erase)
}
