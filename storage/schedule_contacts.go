package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Contacts is the recent contact log of one debtor ("debtor:<id>") or number: reminder attempts
// (member "msg id|debt id", score unix ms), kept 8 days, for the compliance
// gate's daily and weekly caps and Regulation F's 7 attempts in 7 days.
func (k Keys) Contacts(phone string) string { return k.Prefix + ":contacts:" + phone }

// contactKeep is how long attempts are remembered.
const contactKeep = 8 * 24 * time.Hour

// Contact is one attempt to reach a debtor.
type Contact struct {
	MsgID  string
	DebtID string
	At     time.Time
}

var contactScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`)

// RecordContact logs an attempt; recording the same message again (a
// retried send) changes nothing.
func (s *Store) RecordContact(ctx context.Context, phone string, c Contact) error {
	err := contactScript.Run(ctx, s.rdb, []string{s.keys.Contacts(phone)}, c.At.UnixMilli(), c.MsgID+"|"+c.DebtID,
		c.At.Add(-contactKeep).UnixMilli(), contactKeep.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("record contact: %w", err)
	}
	return nil
}

// ContactsSince lists a number's attempts after since, oldest first.
func (s *Store) ContactsSince(ctx context.Context, phone string, since time.Time) ([]Contact, error) {
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.keys.Contacts(phone), &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", err)
	}
	out := make([]Contact, 0, len(zs))
	for _, z := range zs {
		m, _ := z.Member.(string)
		id, debt, _ := strings.Cut(m, "|")
		out = append(out, Contact{MsgID: id, DebtID: debt, At: time.UnixMilli(int64(z.Score))})
	}
	return out, nil
}
