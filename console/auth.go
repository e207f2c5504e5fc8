package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/quita-bot/quita/storage"
)

// Cookie names.
const (
	sessionCookie    = "quita_session"
	loginCSRFCookie  = "quita_login_csrf"
	csrfField        = "csrf"
	csrfHeader       = "X-CSRF-Token"
	loginWindow      = 15 * time.Minute
	maxFailsPerEmail = 5
	maxFailsPerIP    = 20
)

// bcryptCost is the work factor of password hashes (tests lower it).
var bcryptCost = 12

// principal is who makes a request.
type principal struct {
	Email string
	Name  string
	Role  string
	CSRF  string // sessions only
}

func (p principal) admin() bool { return p.Role == storage.RoleAdmin }

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// HashPassword hashes a password with bcrypt.
func HashPassword(password string) (string, error) {
	if len(password) < 8 {
		return "", errors.New("the password must have at least 8 characters")
	}
	if len(password) > 72 {
		return "", errors.New("the password must have at most 72 bytes (bcrypt's limit)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	return string(h), err
}

// SetPasswordCost changes the bcrypt work factor of new hashes (tests lower
// it; the default 12 takes ~250 ms a hash on one core).
func SetPasswordCost(cost int) { bcryptCost = cost }

// dummyHash is compared against when an e-mail is unknown, so that a login
// takes as long whether or not the account exists; made once, lazily, at the
// current cost.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("quita-no-such-account"), bcryptCost)
	return h
})

func (c *Console) user(ctx *fiber.Ctx) principal {
	p, _ := ctx.Locals("principal").(principal)
	return p
}

// requireSession lets a logged-in browser through; others go to the login
// page (303), and a POST without the session's CSRF token is refused (403).
func (c *Console) requireSession(ctx *fiber.Ctx) error {
	p, ok := c.session(ctx)
	if !ok {
		if ctx.Method() == fiber.MethodGet {
			return ctx.Redirect("/console/login", fiber.StatusSeeOther)
		}
		return fiber.NewError(fiber.StatusUnauthorized, "log in first")
	}
	if ctx.Method() != fiber.MethodGet && ctx.Method() != fiber.MethodHead {
		got := ctx.Get(csrfHeader)
		if got == "" {
			got = ctx.FormValue(csrfField)
		}
		if got == "" || !equal(got, p.CSRF) {
			return fiber.NewError(fiber.StatusForbidden, "missing or wrong CSRF token: reload the page and try again")
		}
	}
	ctx.Locals("principal", p)
	return ctx.Next()
}

// session resolves the session cookie to an enabled account.
func (c *Console) session(ctx *fiber.Ctx) (principal, bool) {
	id := ctx.Cookies(sessionCookie)
	if len(id) != 64 {
		return principal{}, false
	}
	sess, err := c.store.LoadSession(ctx.UserContext(), sha256Hex(id))
	if err != nil {
		return principal{}, false
	}
	a, err := c.store.Agent(ctx.UserContext(), sess.Email)
	if err != nil || a.Disabled {
		return principal{}, false
	}
	return principal{Email: a.Email, Name: a.Name, Role: a.Role, CSRF: sess.CSRF}, true
}

// requireToken lets an API client through with "Authorization: Bearer
// <token>": an agent's personal token or QUITA_ADMIN_TOKEN.
func (c *Console) requireToken(ctx *fiber.Ctx) error {
	auth := ctx.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(auth, "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		ctx.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="quita"`)
		return fiber.NewError(fiber.StatusUnauthorized, "send Authorization: Bearer <agent API token>")
	}
	if c.opts.AdminToken != "" && equal(token, c.opts.AdminToken) {
		ctx.Locals("principal", principal{Email: "admin", Role: storage.RoleAdmin})
		return ctx.Next()
	}
	a, err := c.store.AgentByTokenHash(ctx.UserContext(), sha256Hex(token))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && a.Disabled) {
		return fiber.NewError(fiber.StatusUnauthorized, "unknown or disabled API token")
	}
	if err != nil {
		return err
	}
	ctx.Locals("principal", principal{Email: a.Email, Name: a.Name, Role: a.Role})
	return ctx.Next()
}

// requireRole refuses (403) a principal without the role.
func (c *Console) requireRole(role string) fiber.Handler {
	return func(ctx *fiber.Ctx) error {
		if c.user(ctx).Role != role {
			return fiber.NewError(fiber.StatusForbidden, "this needs the "+role+" role")
		}
		return ctx.Next()
	}
}

func (c *Console) loginPage(ctx *fiber.Ctx) error {
	token := ctx.Cookies(loginCSRFCookie)
	if len(token) != 32 {
		token = randomHex(16)
		ctx.Cookie(&fiber.Cookie{Name: loginCSRFCookie, Value: token, Path: "/console/login", HTTPOnly: true,
			SameSite: fiber.CookieSameSiteStrictMode, Secure: c.opts.Secure, MaxAge: 3600})
	}
	if _, ok := c.session(ctx); ok {
		return ctx.Redirect("/console/", fiber.StatusSeeOther)
	}
	return c.render(ctx, "login", fiber.Map{"CSRF": token, "Error": ctx.Query("error")})
}

// login checks the password, within per-IP and per-e-mail limits of failed
// attempts, and starts a session.
func (c *Console) login(ctx *fiber.Ctx) error {
	secureHeaders(ctx)
	form := ctx.FormValue(csrfField)
	cookie := ctx.Cookies(loginCSRFCookie)
	if form == "" || cookie == "" || !equal(form, cookie) {
		return fiber.NewError(fiber.StatusForbidden, "missing or wrong CSRF token: reload the login page")
	}
	email := strings.ToLower(strings.TrimSpace(ctx.FormValue("email")))
	password := ctx.FormValue("password")
	rctx := ctx.UserContext()
	subjects := []struct {
		key string
		max int64
	}{{"ip:" + ctx.IP(), maxFailsPerIP}, {"email:" + email, maxFailsPerEmail}}
	for _, s := range subjects {
		n, err := c.store.LoginFailures(rctx, s.key)
		if err != nil {
			return err
		}
		if n >= s.max {
			ctx.Set(fiber.HeaderRetryAfter, "900")
			ctx.Status(fiber.StatusTooManyRequests)
			return c.render(ctx, "login", fiber.Map{"CSRF": cookie, "Error": "Muitas tentativas. Espere 15 minutos e tente de novo."})
		}
	}
	a, err := c.store.Agent(rctx, email)
	hash := []byte(a.PasswordHash)
	if err != nil {
		hash = dummyHash()
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || a.Disabled {
		for _, s := range subjects {
			if ferr := c.store.AddLoginFailure(rctx, s.key, loginWindow); ferr != nil {
				return ferr
			}
		}
		ctx.Status(fiber.StatusUnauthorized)
		return c.render(ctx, "login", fiber.Map{"CSRF": cookie, "Error": "E-mail ou senha incorretos.", "Email": email})
	}
	_ = c.store.ClearLoginFailures(rctx, "email:"+email)
	id := randomHex(32)
	if err := c.store.SaveSession(rctx, sha256Hex(id), storage.Session{Email: a.Email, CSRF: randomHex(32), CreatedAt: time.Now()}, c.opts.SessionTTL); err != nil {
		return err
	}
	ctx.Cookie(&fiber.Cookie{Name: sessionCookie, Value: id, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: c.opts.Secure, MaxAge: int(c.opts.SessionTTL.Seconds())})
	ctx.ClearCookie(loginCSRFCookie)
	c.log.Info("console login", "agent", a.Email, "role", a.Role)
	return ctx.Redirect("/console/", fiber.StatusSeeOther)
}

func (c *Console) logout(ctx *fiber.Ctx) error {
	if id := ctx.Cookies(sessionCookie); id != "" {
		if err := c.store.DeleteSession(ctx.UserContext(), sha256Hex(id)); err != nil {
			return err
		}
	}
	ctx.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true, MaxAge: -1,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: c.opts.Secure, Expires: time.Unix(0, 0)})
	return ctx.Redirect("/console/login", fiber.StatusSeeOther)
}
