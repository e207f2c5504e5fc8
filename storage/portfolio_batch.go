package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
)

// DebtorIDsByPhone finds the debtors who own numbers, in one round trip:
// ids[i] is the debtor of phones[i], "" when the number is unknown.
func (s *Store) DebtorIDsByPhone(ctx context.Context, phones []string) ([]string, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(phones))
	for i, p := range phones {
		cmds[i] = pipe.HGet(ctx, s.keys.Index("phone", p), p)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("look up debtors: %w", err)
	}
	ids := make([]string, len(phones))
	for i, c := range cmds {
		ids[i] = c.Val()
	}
	return ids, nil
}

// DebtorRecord is a debtor with every debt of theirs.
type DebtorRecord struct {
	Found  bool
	Debtor dialogs.Debtor
	Debts  []dialogs.Debt
}
