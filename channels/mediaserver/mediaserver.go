// Package mediaserver serves stored media (boleto PDFs, PIX QR codes) under
// unguessable, expiring, HMAC-signed links, for debtors' download links and
// for providers that fetch media by URL (Twilio).
package mediaserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/channels"
)

// Opener loads a stored file by id (storage.Store.GetMedia).
type Opener func(ctx context.Context, id string) (channels.MediaFile, error)

// Server signs and serves media links; it implements channels.Media.
type Server struct {
	open    Opener
	secret  []byte
	baseURL string // public base URL, e.g. https://quita.example.com
	ttl     time.Duration
	now     func() time.Time
}

// New returns a media server; links are valid for ttl.
func New(open Opener, secret []byte, publicURL string, ttl time.Duration, now func() time.Time) *Server {
	return &Server{open: open, secret: secret, baseURL: strings.TrimRight(publicURL, "/"), ttl: ttl, now: now}
}

// Open implements channels.Media.
func (s *Server) Open(ctx context.Context, id string) (channels.MediaFile, error) {
	return s.open(ctx, id)
}

// URL implements channels.Media: an absolute signed link that expires.
func (s *Server) URL(id string) string { return s.baseURL + s.Path(id) }

// Path is the signed link without the host, for pages served by quita itself.
func (s *Server) Path(id string) string {
	exp := strconv.FormatInt(s.now().Add(s.ttl).Unix(), 10)
	return "/media/" + id + "?exp=" + exp + "&sig=" + s.sign(id, exp)
}

func (s *Server) sign(id, exp string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(id + "|" + exp))
	return hex.EncodeToString(m.Sum(nil))
}

// ErrBadLink is returned for a link that is forged or expired.
var ErrBadLink = errors.New("media link is invalid or expired")

// Verify checks a link's signature and expiry.
func (s *Server) Verify(id, exp, sig string) error {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || s.now().Unix() > e {
		return ErrBadLink
	}
	if !hmac.Equal([]byte(sig), []byte(s.sign(id, exp))) {
		return ErrBadLink
	}
	return nil
}

// Register mounts GET /media/:id.
func (s *Server) Register(r fiber.Router) {
	r.Get("/media/:id", func(c *fiber.Ctx) error {
		id := c.Params("id")
		if err := s.Verify(id, c.Query("exp"), c.Query("sig")); err != nil {
			return fiber.NewError(fiber.StatusForbidden, err.Error())
		}
		f, err := s.open(c.UserContext(), id)
		if err != nil {
			return fiber.NewError(fiber.StatusNotFound, "media not found")
		}
		c.Set(fiber.HeaderContentType, f.ContentType)
		c.Set(fiber.HeaderCacheControl, "private, max-age=300")
		if f.Filename != "" {
			c.Set(fiber.HeaderContentDisposition, fmt.Sprintf("inline; filename=%q", f.Filename))
		}
		return c.Send(f.Data)
	})
}
