package console

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/quita-bot/quita/storage"
)

// NewAgent is an account to create.
type NewAgent struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"` // agent | admin
	Password string `json:"password"`
}

// CreateAgent validates and stores an account and returns its personal API
// token, which is shown only now (quita keeps its hash).
func CreateAgent(ctx context.Context, st *storage.Store, n NewAgent) (token string, err error) {
	email := normEmail(n.Email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return "", fmt.Errorf("%q is not an e-mail address", n.Email)
	}
	if n.Role == "" {
		n.Role = storage.RoleAgent
	}
	if n.Role != storage.RoleAgent && n.Role != storage.RoleAdmin {
		return "", fmt.Errorf("role %q: use agent or admin", n.Role)
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return "", err
	}
	token = "qa_" + randomHex(32)
	a := storage.Agent{Email: email, Name: strings.TrimSpace(n.Name), Role: n.Role, PasswordHash: hash,
		TokenHash: sha256Hex(token), CreatedAt: time.Now().UTC()}
	if err := st.CreateAgent(ctx, a); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return "", fmt.Errorf("an account for %s already exists", email)
		}
		return "", err
	}
	return token, nil
}

// EnsureAdmin creates an admin from "email:password" (QUITA_BOOTSTRAP_ADMIN)
// when that account does not exist yet; it reports whether it created one.
func EnsureAdmin(ctx context.Context, st *storage.Store, spec string) (bool, error) {
	email, password, ok := strings.Cut(spec, ":")
	if !ok || email == "" || password == "" {
		return false, errors.New("QUITA_BOOTSTRAP_ADMIN must look like admin@example.com:a-long-password")
	}
	if _, err := st.Agent(ctx, strings.ToLower(strings.TrimSpace(email))); err == nil {
		return false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	if _, err := CreateAgent(ctx, st, NewAgent{Email: email, Role: storage.RoleAdmin, Password: password, Name: "Admin"}); err != nil {
		return false, fmt.Errorf("QUITA_BOOTSTRAP_ADMIN: %w", err)
	}
	return true, nil
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
