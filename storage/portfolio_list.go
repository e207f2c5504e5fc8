package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
)

// PortfolioEntry is one debt with what a status sheet shows of it.
type PortfolioEntry struct {
	Debt         dialogs.Debt
	NossoNumero  string
	Debtor       dialogs.Debtor // zero when its record is gone
	WrongNumbers []string
	Reminder     ReminderState
	Next         time.Time        // its next reminder (zero: none scheduled)
	Agreement    *AgreementRecord // for a debt in agreement
	OptedOut     bool             // a number of the debtor opted out on one of the channels asked about
	LastActivity time.Time        // the last message, either way, of the debtor's conversations
}

// PortfolioQuery says which debts to list.
type PortfolioQuery struct {
	Creditor       string   // "" lists every creditor's
	OptOutChannels []string // the channels whose opt-outs count
}

// bucketsPerTrip is how many debt buckets (8 debts each) one round trip reads.
const bucketsPerTrip = 128

// hashBuckets is how many buckets hold the debts whose ids are not
// sequence numbers (bucketOf: "h0"…"h4095").
const hashBuckets = 4096

// Portfolio lists every debt: those an import created in id order (the
// order of their files' rows), then the others; three round trips per
// bucketsPerTrip buckets (the debts, then their debtors, schedule and
// agreements, then their numbers' opt-outs and conversations).
func (s *Store) Portfolio(ctx context.Context, q PortfolioQuery) iter.Seq2[PortfolioEntry, error] {
	return func(yield func(PortfolioEntry, error) bool) {
		n, err := s.rdb.HGet(ctx, s.keys.Sequences(), "debt").Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			yield(PortfolioEntry{}, fmt.Errorf("list debts: %w", err))
			return
		}
		var buckets []string
		for b := int64(0); b <= n/recordsPerBucket; b++ {
			buckets = append(buckets, strconv.FormatInt(b, 10))
		}
		for h := 0; h < hashBuckets; h++ {
			buckets = append(buckets, "h"+strconv.Itoa(h))
		}
		for len(buckets) > 0 {
			page := buckets[:min(bucketsPerTrip, len(buckets))]
			buckets = buckets[len(page):]
			entries, err := s.portfolioPage(ctx, page, q)
			if err != nil {
				yield(PortfolioEntry{}, err)
				return
			}
			for _, e := range entries {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

func (s *Store) portfolioPage(ctx context.Context, buckets []string, q PortfolioQuery) ([]PortfolioEntry, error) {
	pipe := s.rdb.Pipeline()
	all := make([]*redis.MapStringStringCmd, len(buckets))
	for i, b := range buckets {
		all[i] = pipe.HGetAll(ctx, s.keys.Prefix+":debts:"+b)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("list debts: %w", err)
	}
	var out []PortfolioEntry
	for i, cmd := range all {
		fields := cmd.Val()
		ids := make([]string, 0, len(fields))
		for f := range fields {
			if !strings.Contains(f, ".") {
				ids = append(ids, f)
			}
		}
		sort.Slice(ids, func(a, b int) bool { return idLess(buckets[i], ids[a], ids[b]) })
		for _, id := range ids {
			d, _ := debtOf(id, []any{fields[id], fields[field(id, debtStatus)]})
			if q.Creditor != "" && d.CreditorID != q.Creditor {
				continue
			}
			e := PortfolioEntry{Debt: d, NossoNumero: unpackRecord(fields[id])[debtNosso]}
			if r, ok := fields[field(id, debtReminder)]; ok {
				e.Reminder = decodeReminderState(r)
			}
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	// The debtors, the schedule and the agreements.
	pipe = s.rdb.Pipeline()
	debtors := map[string]*redis.StringCmd{}
	next := make([]*redis.FloatCmd, len(out))
	agreements := make([]*redis.StringCmd, len(out))
	for i, e := range out {
		if id := e.Debt.DebtorID; id != "" && debtors[id] == nil {
			debtors[id] = pipe.HGet(ctx, s.keys.DebtorBucket(id), id)
		}
		next[i] = pipe.ZScore(ctx, s.keys.Schedule(), e.Debt.ID)
		if e.Debt.Status == dialogs.DebtAgreement {
			agreements[i] = pipe.Get(ctx, s.keys.Agreement(e.Debt.ID))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("list debts: %w", err)
	}
	phones := map[string]bool{}
	for i := range out {
		e := &out[i]
		if c := debtors[e.Debt.DebtorID]; c != nil && c.Err() == nil {
			vals := unpackRecord(c.Val())
			e.Debtor = debtorOf(e.Debt.DebtorID, vals)
			if w := vals[debtorWrongNos]; w != "" {
				e.WrongNumbers = strings.Split(w, ",")
			}
			for _, p := range e.Debtor.Phones {
				phones[p] = true
			}
		}
		if v, err := next[i].Result(); err == nil {
			e.Next = time.UnixMilli(int64(v))
		}
		if c := agreements[i]; c != nil && c.Err() == nil {
			var a AgreementRecord
			if err := json.Unmarshal([]byte(c.Val()), &a); err != nil {
				return nil, fmt.Errorf("decode agreement of %s: %w", e.Debt.ID, err)
			}
			e.Agreement = &a
		}
	}
	// Each number's opt-outs and its conversation's last activity.
	pipe = s.rdb.Pipeline()
	type numberCmds struct {
		last    *redis.FloatCmd
		optOuts []*redis.StringCmd
	}
	byPhone := map[string]numberCmds{}
	for p := range phones {
		c := numberCmds{last: pipe.ZScore(ctx, s.keys.Conversations(), p)}
		for _, ch := range q.OptOutChannels {
			c.optOuts = append(c.optOuts, pipe.HGet(ctx, s.keys.OptOut(ch, p), "at"))
		}
		byPhone[p] = c
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("list debts: %w", err)
	}
	for i := range out {
		e := &out[i]
		for _, p := range e.Debtor.Phones {
			c := byPhone[p]
			if v, err := c.last.Result(); err == nil {
				if t := time.UnixMilli(int64(v)); t.After(e.LastActivity) {
					e.LastActivity = t
				}
			}
			for _, o := range c.optOuts {
				e.OptedOut = e.OptedOut || o.Val() != ""
			}
		}
	}
	return out, nil
}

// idLess orders the debts of a bucket: sequence ids by number (buckets
// named by number hold only those), others as text.
func idLess(bucket, a, b string) bool {
	if !strings.HasPrefix(bucket, "h") && len(a) != len(b) {
		return len(a) < len(b) // base 36 without leading zeros: shorter is smaller
	}
	return a < b
}
