package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// Agent roles.
const (
	RoleAgent = "agent" // the queue and the conversations they hold
	RoleAdmin = "admin" // everything, the dashboard and the accounts
)

// Agent is a console account. Secrets are stored only as hashes: the
// password as bcrypt, the API token as SHA-256 (it is 32 random bytes, so a
// fast hash is enough and lets a request find its owner in one GET).
type Agent struct {
	Email        string    `json:"email"`
	Name         string    `json:"name,omitempty"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"password_hash"`
	TokenHash    string    `json:"token_hash,omitempty"`
	Disabled     bool      `json:"disabled,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Agent is one account (JSON string).
func (k Keys) Agent(email string) string { return k.Prefix + ":agent:" + email }

// Agents is the set of account e-mails.
func (k Keys) Agents() string { return k.Prefix + ":agents" }

// AgentToken maps the SHA-256 (hex) of an API token to its account e-mail.
func (k Keys) AgentToken(hash string) string { return k.Prefix + ":agent-token:" + hash }

// ErrExists means an account with that e-mail already exists.
var ErrExists = errors.New("already exists")

// CreateAgent stores a new account and its token index; ErrExists when the
// e-mail is taken.
func (s *Store) CreateAgent(ctx context.Context, a Agent) error {
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode agent: %w", err)
	}
	ok, err := s.rdb.SetNX(ctx, s.keys.Agent(a.Email), body, 0).Result()
	if err != nil {
		return fmt.Errorf("create agent: %w", err)
	}
	if !ok {
		return ErrExists
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.keys.Agents(), a.Email)
		if a.TokenHash != "" {
			p.Set(ctx, s.keys.AgentToken(a.TokenHash), a.Email, 0)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index agent: %w", err)
	}
	return nil
}

// SaveAgent overwrites an existing account (password or token change),
// moving its token index when the token changed.
func (s *Store) SaveAgent(ctx context.Context, a Agent) error {
	old, err := s.Agent(ctx, a.Email)
	if err != nil {
		return err
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode agent: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.Agent(a.Email), body, 0)
		if old.TokenHash != a.TokenHash {
			if old.TokenHash != "" {
				p.Del(ctx, s.keys.AgentToken(old.TokenHash))
			}
			if a.TokenHash != "" {
				p.Set(ctx, s.keys.AgentToken(a.TokenHash), a.Email, 0)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save agent: %w", err)
	}
	return nil
}

// Agent loads an account; ErrNotFound when there is none.
func (s *Store) Agent(ctx context.Context, email string) (Agent, error) {
	var a Agent
	err := s.getJSON(ctx, s.keys.Agent(email), &a)
	return a, err
}

// AgentByTokenHash finds the account of an API token hash; ErrNotFound when none.
func (s *Store) AgentByTokenHash(ctx context.Context, hash string) (Agent, error) {
	email, err := s.rdb.Get(ctx, s.keys.AgentToken(hash)).Result()
	if errors.Is(err, redis.Nil) {
		return Agent{}, ErrNotFound
	}
	if err != nil {
		return Agent{}, fmt.Errorf("look up token: %w", err)
	}
	return s.Agent(ctx, email)
}

// Agents lists every account, by e-mail.
func (s *Store) Agents(ctx context.Context) ([]Agent, error) {
	emails, err := s.rdb.SMembers(ctx, s.keys.Agents()).Result()
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	sort.Strings(emails)
	out := make([]Agent, 0, len(emails))
	for _, e := range emails {
		a, err := s.Agent(ctx, e)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
