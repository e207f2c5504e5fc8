package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// DebtorsWithDebts loads several debtors and all their debts in two round
// trips (none when no id is given); ids[i] == "" or an unknown id gives a
// record that is not Found.
func (s *Store) DebtorsWithDebts(ctx context.Context, ids []string) ([]DebtorRecord, error) {
	out := make([]DebtorRecord, len(ids))
	pipe := s.rdb.Pipeline()
	debtors := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		if id != "" {
			debtors[i] = pipe.HGet(ctx, s.keys.DebtorBucket(id), id)
		}
	}
	if pipe.Len() == 0 {
		return out, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("load debtors: %w", err)
	}
	type debtCmd struct {
		id  string
		cmd *redis.SliceCmd
	}
	debts := make([][]debtCmd, len(ids))
	for i, c := range debtors {
		if c == nil || c.Err() != nil {
			continue
		}
		vals := unpackRecord(c.Val())
		out[i] = DebtorRecord{Found: true, Debtor: debtorOf(ids[i], vals)}
		if l := vals[debtorDebts]; l != "" {
			for _, id := range strings.Split(l, ",") {
				debts[i] = append(debts[i], debtCmd{id, pipe.HMGet(ctx, s.keys.DebtBucket(id), id, field(id, debtStatus))})
			}
		}
	}
	if pipe.Len() == 0 {
		return out, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("load debts: %w", err)
	}
	for i, cmds := range debts {
		for _, c := range cmds {
			if d, ok := debtOf(c.id, c.cmd.Val()); ok {
				out[i].Debts = append(out[i].Debts, d)
			}
		}
	}
	return out, nil
}
