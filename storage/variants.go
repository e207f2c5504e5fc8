package storage

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// VariantCounter holds one A/B variant's counters: "sent" and one per
// outcome, each counted once per debt.
func (k Keys) VariantCounter(creditor, step, variant string) string {
	return k.Prefix + ":ab:" + creditor + "|" + step + "|" + variant
}

// VariantIndex lists every (creditor|step|variant) with counters.
func (k Keys) VariantIndex() string { return k.Prefix + ":ab:index" }

// Outcome bits, for counting each outcome once per debt.
var outcomeBits = map[string]int{"reply": 1, "code_requested": 2, "promise": 4, "agreement": 8, "opt_out": 16, "paid": 32}

// VariantOutcomes are the outcomes tracked per variant, in report order.
var VariantOutcomes = []string{"reply", "code_requested", "promise", "agreement", "paid", "opt_out"}

// CountVariantSent counts one reminder of a variant sent to a debt.
func (s *Store) CountVariantSent(ctx context.Context, creditor, step, variant string) error {
	id := creditor + "|" + step + "|" + variant
	pipe := s.rdb.Pipeline()
	pipe.SAdd(ctx, s.keys.VariantIndex(), id)
	pipe.HIncrBy(ctx, s.keys.VariantCounter(creditor, step, variant), "sent", 1)
	_, err := pipe.Exec(ctx)
	return err
}

var outcomeScript = redis.NewScript(`
local bits = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local b = tonumber(ARGV[2])
if math.floor(bits / b) % 2 == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], bits + b)
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('SADD', KEYS[3], ARGV[4])
return 1`)

// CountVariantOutcome counts an outcome for the variant that last reminded
// a debt, once per debt and outcome. It reports whether it counted.
func (s *Store) CountVariantOutcome(ctx context.Context, debtID, creditor, step, variant, outcome string) (bool, error) {
	bit, ok := outcomeBits[outcome]
	if !ok || step == "" || variant == "" {
		return false, nil
	}
	n, err := outcomeScript.Run(ctx, s.rdb, []string{s.keys.DebtBucket(debtID), s.keys.VariantCounter(creditor, step, variant), s.keys.VariantIndex()},
		field(debtID, debtOutcomes), bit, outcome, creditor+"|"+step+"|"+variant).Int()
	if err != nil {
		return false, fmt.Errorf("count outcome: %w", err)
	}
	return n == 1, nil
}

// VariantCount is one variant's counters.
type VariantCount struct {
	Creditor, Step, Variant string
	Counts                  map[string]int64 // sent and each outcome
}

// VariantCounts returns every variant's counters, sorted by creditor, step, variant.
func (s *Store) VariantCounts(ctx context.Context) ([]VariantCount, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.VariantIndex()).Result()
	if err != nil {
		return nil, fmt.Errorf("list variants: %w", err)
	}
	sort.Strings(ids)
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	out := make([]VariantCount, len(ids))
	for i, id := range ids {
		p := strings.SplitN(id, "|", 3)
		for len(p) < 3 {
			p = append(p, "")
		}
		out[i] = VariantCount{Creditor: p[0], Step: p[1], Variant: p[2], Counts: map[string]int64{}}
		cmds[i] = pipe.HGetAll(ctx, s.keys.VariantCounter(p[0], p[1], p[2]))
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("read variants: %w", err)
		}
	}
	for i, c := range cmds {
		for k, v := range c.Val() {
			out[i].Counts[k], _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return out, nil
}
