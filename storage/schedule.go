package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Schedule is the sorted set of debts with a reminder to consider, by due
// time (unix ms); members are debt ids. One member per debt: the scheduler
// works out which step is due from the debt's ReminderState.
func (k Keys) Schedule() string { return k.Prefix + ":sched" }

// ScheduleLeases holds the debts a scheduler claimed, by lease expiry (unix ms).
func (k Keys) ScheduleLeases() string { return k.Prefix + ":sched:lease" }

// Claim is a debt a scheduler holds until Lease; Token proves the holder.
type Claim struct {
	DebtID string
	Token  string // the lease expiry in ms, unique per claim of a debt
}

// ScheduleReminder sets when a debt's reminders are next considered.
func (s *Store) ScheduleReminder(ctx context.Context, debtID string, at time.Time) error {
	return s.rdb.ZAdd(ctx, s.keys.Schedule(), redis.Z{Score: float64(at.UnixMilli()), Member: debtID}).Err()
}

// UnscheduleReminder removes a debt from the schedule (paid, disputed, stopped).
func (s *Store) UnscheduleReminder(ctx context.Context, debtID string) error {
	return s.rdb.ZRem(ctx, s.keys.Schedule(), debtID).Err()
}

// NextReminder is when a debt is next considered; ok=false when not scheduled.
func (s *Store) NextReminder(ctx context.Context, debtID string) (time.Time, bool, error) {
	v, err := s.rdb.ZScore(ctx, s.keys.Schedule(), debtID).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return time.UnixMilli(int64(v)), true, nil
}

// ScheduledCount is how many debts have a reminder scheduled.
func (s *Store) ScheduledCount(ctx context.Context) (int64, error) {
	return s.rdb.ZCard(ctx, s.keys.Schedule()).Result()
}

// claimScript leases up to ARGV[3] due debts: first those whose lease
// expired (their holder died), then those due by ARGV[1]. Moving a member
// from the schedule to the lease set is atomic, so two schedulers never
// hold the same debt at once.
var claimScript = redis.NewScript(`
local now, lease, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, n)
for _, m in ipairs(stale) do
  redis.call('ZADD', KEYS[2], lease, m)
  out[#out+1] = m
end
if #out < n then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, n - #out)
  for _, m in ipairs(due) do
    redis.call('ZREM', KEYS[1], m)
    redis.call('ZADD', KEYS[2], lease, m)
    out[#out+1] = m
  end
end
return out`)

// ClaimDueReminders leases up to n debts due by now for the lease duration.
// A claim whose holder dies is claimed again once its lease expired.
func (s *Store) ClaimDueReminders(ctx context.Context, now time.Time, lease time.Duration, n int) ([]Claim, error) {
	until := now.Add(lease).UnixMilli()
	ids, err := claimScript.Run(ctx, s.rdb, []string{s.keys.Schedule(), s.keys.ScheduleLeases()},
		now.UnixMilli(), until, n).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim due reminders: %w", err)
	}
	tok := strconv.FormatInt(until, 10)
	out := make([]Claim, len(ids))
	for i, id := range ids {
		out[i] = Claim{DebtID: id, Token: tok}
	}
	return out, nil
}

// completeScript ends a claim if the caller still holds it and schedules
// the debt's next consideration (ARGV[3] ms; 0 for none), keeping an
// earlier time another writer set meanwhile.
var completeScript = redis.NewScript(`
local cur = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not cur or tonumber(cur) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
local nxt = tonumber(ARGV[3])
if nxt > 0 then
  local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if not s or tonumber(s) > nxt then redis.call('ZADD', KEYS[1], nxt, ARGV[1]) end
end
return 1`)

// CompleteClaim releases a claim and schedules the debt at next (zero: not
// again). It reports false when the lease was lost to another scheduler.
func (s *Store) CompleteClaim(ctx context.Context, c Claim, next time.Time) (bool, error) {
	var ms int64
	if !next.IsZero() {
		ms = max(next.UnixMilli(), 1)
	}
	n, err := completeScript.Run(ctx, s.rdb, []string{s.keys.Schedule(), s.keys.ScheduleLeases()}, c.DebtID, c.Token, ms).Int()
	if err != nil {
		return false, fmt.Errorf("complete reminder claim: %w", err)
	}
	return n == 1, nil
}

// ReminderState is a debt's progress through its cadence, kept in one
// short field of the debt's bucket ("k|ls|lv|lt|pu|pd|ni|st|h|pa").
type ReminderState struct {
	Next        int       // index of the first cadence step neither sent nor skipped
	LastStep    string    // the last reminder sent (step id)
	LastVariant string    // and its A/B variant
	LastAt      time.Time // and when
	PauseUntil  time.Time // no reminder before (promise to pay, "already paid")
	PromiseDate string    // YYYY-MM-DD of a promise to pay, reminded on the day
	NextInst    int       // agreement: index of the next (installment, offset) reminder
	Stopped     string    // why reminders stopped for good ("" while running)
	Held        string    // why the reminder due was last held back (quiet_period, handoff); "" once one went
	PaidAt      time.Time // when the debt was reported paid (the status sheet shows it)
}

func (r ReminderState) encode() string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.Unix(), 10)
	}
	return strings.Join([]string{strconv.Itoa(r.Next), r.LastStep, r.LastVariant, ts(r.LastAt), ts(r.PauseUntil),
		r.PromiseDate, strconv.Itoa(r.NextInst), r.Stopped, r.Held, ts(r.PaidAt)}, "|")
}

func decodeReminderState(v string) ReminderState {
	p := strings.Split(v, "|")
	for len(p) < 10 { // states written before a field existed lack it
		p = append(p, "")
	}
	ts := func(s string) time.Time {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.Unix(n, 0).UTC()
	}
	var r ReminderState
	r.Next, _ = strconv.Atoi(p[0])
	r.LastStep, r.LastVariant, r.LastAt, r.PauseUntil, r.PromiseDate = p[1], p[2], ts(p[3]), ts(p[4]), p[5]
	r.NextInst, _ = strconv.Atoi(p[6])
	r.Stopped, r.Held, r.PaidAt = p[7], p[8], ts(p[9])
	return r
}

// ReminderState loads a debt's reminder progress (zero for a new debt).
func (s *Store) ReminderState(ctx context.Context, debtID string) (ReminderState, error) {
	v, err := s.rdb.HGet(ctx, s.keys.DebtBucket(debtID), field(debtID, debtReminder)).Result()
	if errors.Is(err, redis.Nil) {
		return ReminderState{}, nil
	}
	if err != nil {
		return ReminderState{}, fmt.Errorf("load reminder state: %w", err)
	}
	return decodeReminderState(v), nil
}

// UpdateReminderState changes a debt's reminder progress with optimistic
// locking (WATCH), retrying when another process changed the bucket.
func (s *Store) UpdateReminderState(ctx context.Context, debtID string, f func(*ReminderState) error) (ReminderState, error) {
	key, fld := s.keys.DebtBucket(debtID), field(debtID, debtReminder)
	var out ReminderState
	for attempt := 0; attempt < 50; attempt++ {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			v, err := tx.HGet(ctx, key, fld).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			st := decodeReminderState(v)
			if err := f(&st); err != nil {
				return err
			}
			out = st
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, key, fld, st.encode())
				return nil
			})
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("update reminder state: %w", err)
		}
		return out, nil
	}
	return out, fmt.Errorf("update reminder state of %s: too much contention", debtID)
}

// Installment is one payment of an agreement.
type Installment struct {
	DueDate string `json:"due_date"` // YYYY-MM-DD
	Cents   int64  `json:"cents"`
	Paid    bool   `json:"paid,omitempty"`
	// Pix Automático: the debit (cobr txid) issued for it, whether its
	// courtesy notice went, and whether the debit failed (the installment
	// then gets the ordinary reminders).
	AutoDebit   bool   `json:"auto_debit,omitempty"` // in the authorisation's plan (its amount is the recorrência's)
	DebitTxid   string `json:"debit_txid,omitempty"`
	Noticed     bool   `json:"noticed,omitempty"`
	DebitFailed string `json:"debit_failed,omitempty"` // why; "" while the debit stands
	FailNoticed bool   `json:"fail_noticed,omitempty"`
}

// AgreementRecord is a debt's agreed plan, whose installments get their own reminders.
type AgreementRecord struct {
	DebtID       string        `json:"debt_id"`
	Installments []Installment `json:"installments"`
	CreatedAt    time.Time     `json:"created_at"`
	// AutoDebit is the plan's Pix Automático authorisation, nil when the
	// creditor offers none.
	AutoDebit *AutoDebit `json:"auto_debit,omitempty"`
}

// AutoDebit states.
const (
	AutoDebitPending  = "pending"  // to be created at the PSP and offered
	AutoDebitOffered  = "offered"  // the debtor has the authorisation code (rec CRIADA)
	AutoDebitApproved = "approved" // the debtor authorised it (rec APROVADA): installments are debited
	AutoDebitEnded    = "ended"    // rejected, expired, cancelled or not possible: ordinary reminders
)

// AutoDebit is a Pix Automático authorisation of an agreement's installments.
type AutoDebit struct {
	State      string    `json:"state"`
	RecID      string    `json:"rec_id,omitempty"`
	Code       string    `json:"code,omitempty"` // the Pix Copia e Cola the debtor authorises with
	Offered    bool      `json:"offered,omitempty"`
	Reason     string    `json:"reason,omitempty"` // why it ended
	UpdatedAt  time.Time `json:"updated_at"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
}

// Debited reports whether installment i (0-based) is to be paid by the
// authorised automatic debit rather than reminded.
func (a AgreementRecord) Debited(i int) bool {
	return a.AutoDebit != nil && a.AutoDebit.State == AutoDebitApproved && i < len(a.Installments) &&
		a.Installments[i].AutoDebit && a.Installments[i].DebitFailed == ""
}

// UpdateAgreement changes a debt's agreement atomically (a webhook and the
// scheduler may both touch it); ErrNotFound when it has none.
func (s *Store) UpdateAgreement(ctx context.Context, debtID string, f func(*AgreementRecord) error) (AgreementRecord, error) {
	key := s.keys.Agreement(debtID)
	var out AgreementRecord
	for attempt := 0; attempt < 50; attempt++ {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			v, err := tx.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			var a AgreementRecord
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("agreement of %s: %w", debtID, err)
			}
			if err := f(&a); err != nil {
				return err
			}
			b, err := json.Marshal(a)
			if err != nil {
				return err
			}
			out = a
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, b, 0)
				return nil
			})
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("update agreement of %s: %w", debtID, err)
		}
		return out, nil
	}
	return out, fmt.Errorf("update agreement of %s: too much contention", debtID)
}

// SaveAgreement stores a debt's agreement.
func (s *Store) SaveAgreement(ctx context.Context, a AgreementRecord) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return s.rdb.Set(ctx, s.keys.Agreement(a.DebtID), b, 0).Err()
}

// Agreement loads a debt's agreement; ErrNotFound when it has none.
func (s *Store) Agreement(ctx context.Context, debtID string) (AgreementRecord, error) {
	var a AgreementRecord
	return a, s.getJSON(ctx, s.keys.Agreement(debtID), &a)
}
