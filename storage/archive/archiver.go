package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Sink is where an archiver writes: the DB, or in tests a DB that fails.
type Sink interface {
	Write(ctx context.Context, b *Batch) error
	ArchivedCounts(ctx context.Context, convs []string) (map[string]int, error)
}

// Archiver copies what the pipeline commits to Redis into the archive,
// off the hot path: it takes the outbox the commits write
// (storage/archive_outbox.go) in batches, writes each batch in one
// transaction, and only then forgets it. A failing archive (PostgreSQL
// down) leaves the outbox to grow, which the lag shows; nothing is lost,
// and webhooks never wait for it.
type Archiver struct {
	Store    *storage.Store
	Sink     Sink
	Log      *slog.Logger
	Now      func() time.Time
	Consumer string        // this process's name in the action stream's group
	Batch    int           // conversations per pass (default 200)
	Actions  int64         // actions per pass (default 1000)
	Lease    time.Duration // a claim older than this is taken again (default 2 min)
	Idle     time.Duration // pause when there is nothing to archive (default 500 ms)

	rows, batches, failures atomic.Int64
}

// statusWindow is how many already-archived messages a pass reads again,
// for their delivery statuses (delivered, read) that arrive after them.
const statusWindow = 50

func (a *Archiver) defaults() {
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	if a.Batch <= 0 {
		a.Batch = 200
	}
	if a.Actions <= 0 {
		a.Actions = 1000
	}
	if a.Lease <= 0 {
		a.Lease = 2 * time.Minute
	}
	if a.Idle <= 0 {
		a.Idle = 500 * time.Millisecond
	}
	if a.Consumer == "" {
		a.Consumer = "archiver"
	}
}

// Stats are an archiver's totals since it started.
type Stats struct{ Rows, Batches, Failures int64 }

// Stats reads the totals.
func (a *Archiver) Stats() Stats {
	return Stats{Rows: a.rows.Load(), Batches: a.batches.Load(), Failures: a.failures.Load()}
}

// Run archives until ctx ends; a failing pass is retried with backoff
// (1 s doubling to 30 s), the outbox keeping everything meanwhile.
func (a *Archiver) Run(ctx context.Context) error {
	a.defaults()
	if err := a.Store.EnsureGroup(ctx, a.Store.Keys().ArchiveActions(), storage.GroupArchiver); err != nil {
		return err
	}
	backoff := time.Duration(0)
	lastReclaim := time.Time{}
	for {
		if now := a.Now(); now.Sub(lastReclaim) >= a.Lease/2 {
			lastReclaim = now
			if n, err := a.Store.ReclaimStale(ctx, now, a.Lease); err == nil && n > 0 {
				a.Log.Warn("archive: took back conversations whose archiver stopped", "conversations", n)
			}
		}
		n, err := a.Pass(ctx)
		wait := time.Duration(0)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			backoff = min(max(2*backoff, time.Second), 30*time.Second)
			wait = backoff
			a.Log.Warn("archive: pass failed; the outbox keeps everything, retrying", "err", err, "retry_in", wait)
		case n == 0:
			backoff, wait = 0, a.Idle
		default:
			backoff = 0
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
	}
}

// Pass archives one batch: claims dirty conversations and reads pending
// actions, writes them in one transaction, then acknowledges them. It
// returns how many conversations and actions it archived.
func (a *Archiver) Pass(ctx context.Context) (int, error) {
	a.defaults()
	st, keys := a.Store, a.Store.Keys()
	entries, err := st.ReadOwnPending(ctx, keys.ArchiveActions(), storage.GroupArchiver, a.Consumer, a.Actions)
	if err != nil && strings.Contains(err.Error(), "NOGROUP") {
		if err = st.EnsureGroup(ctx, keys.ArchiveActions(), storage.GroupArchiver); err == nil {
			entries, err = st.ReadOwnPending(ctx, keys.ArchiveActions(), storage.GroupArchiver, a.Consumer, a.Actions)
		}
	}
	if err != nil {
		return 0, err
	}
	if len(entries) == 0 {
		if entries, err = st.Reclaim(ctx, keys.ArchiveActions(), storage.GroupArchiver, a.Consumer, a.Lease, a.Actions); err != nil {
			return 0, err
		}
	}
	if len(entries) == 0 {
		if entries, err = st.ReadGroup(ctx, keys.ArchiveActions(), storage.GroupArchiver, a.Consumer, a.Actions, -1); err != nil {
			return 0, err
		}
	}
	convs, err := st.ClaimDirty(ctx, a.Batch, a.Now(), a.Lease)
	if err != nil {
		return 0, err
	}
	if len(convs) == 0 && len(entries) == 0 {
		return 0, nil
	}
	b, err := a.batch(ctx, convs, entries)
	if err == nil {
		err = a.Sink.Write(ctx, b)
	}
	if err != nil {
		a.failures.Add(1)
		// The claims go back now (not at lease expiry), so the lag keeps
		// counting from the first unarchived change; the actions stay
		// pending to this consumer and are read again first.
		if uerr := st.ArchiveFailed(context.WithoutCancel(ctx), convs); uerr != nil {
			err = errors.Join(err, uerr)
		}
		return 0, err
	}
	if err := st.ArchiveDone(ctx, convs); err != nil {
		return 0, fmt.Errorf("archive: forget archived conversations: %w", err)
	}
	if len(entries) > 0 {
		ids := make([]string, len(entries))
		for i, e := range entries {
			ids[i] = e.ID
		}
		if err := st.Ack(ctx, keys.ArchiveActions(), storage.GroupArchiver, ids...); err != nil {
			return 0, fmt.Errorf("archive: acknowledge actions: %w", err)
		}
	}
	a.rows.Add(int64(b.Rows()))
	a.batches.Add(1)
	return len(convs) + len(entries), nil
}

// batch reads from Redis what a pass archives.
func (a *Archiver) batch(ctx context.Context, convs []string, entries []storage.StreamEntry) (*Batch, error) {
	b := &Batch{}
	counts, err := a.Sink.ArchivedCounts(ctx, convs)
	if err != nil {
		return nil, err
	}
	for _, conv := range convs {
		if err := ReadConversation(ctx, a.Store, b, conv, max(0, counts[conv]-statusWindow)); err != nil {
			return nil, err
		}
	}
	for _, e := range entries {
		if g, ok := e.Values["g"].(string); ok {
			var d storage.GateDecision
			if err := json.Unmarshal([]byte(g), &d); err != nil {
				a.Log.Error("archive: undecodable gate decision dropped", "entry", e.ID)
				continue
			}
			reason := d.Reason
			if !d.RetryAt.IsZero() {
				reason += " (deferred to " + d.RetryAt.UTC().Format(time.RFC3339) + ")"
			}
			b.Gate = append(b.Gate, GateRow{ID: e.ID, MessageID: d.MessageID, Conversation: d.Conversation, Reason: reason, At: d.At})
			continue
		}
		if ch, ok := e.Values["ch"].(string); ok {
			var rec storage.ChargeRecord
			if err := json.Unmarshal([]byte(ch), &rec); err != nil || rec.ChargeID == "" {
				a.Log.Error("archive: undecodable charge dropped", "entry", e.ID)
				continue
			}
			b.Charges = append(b.Charges, rec)
			continue
		}
		if p, ok := e.Values["p"].(string); ok {
			var pay storage.PaymentRecord
			if err := json.Unmarshal([]byte(p), &pay); err != nil || pay.ID == "" {
				a.Log.Error("archive: undecodable payment dropped", "entry", e.ID)
				continue
			}
			b.Payments = append(b.Payments, pay)
			continue
		}
		ev, ok := eventOf(e)
		if !ok {
			a.Log.Error("archive: undecodable action kept only raw", "entry", e.ID)
		}
		b.Events = append(b.Events, ev)
	}
	return b, nil
}

// ReadConversation adds to b a conversation's transcript from log position
// from, its summary, and its debtor with their debts and agreements.
func ReadConversation(ctx context.Context, st *storage.Store, b *Batch, conv string, from int) error {
	msgs, total, err := st.TranscriptFrom(ctx, conv, from)
	if err != nil {
		return err
	}
	row := ConversationRow{ID: conv, Messages: total}
	for _, m := range msgs {
		b.Messages = append(b.Messages, MessageRow{Seq: m.Seq, Raw: m.Raw, Msg: m.Msg})
		if m.Msg.At.After(row.LastAt) {
			row.LastAt, row.Channel = m.Msg.At, m.Msg.Channel
		}
	}
	if row.LastAt.IsZero() {
		row.LastAt = time.Now()
	}
	state, err := st.LoadState(ctx, conv)
	if err != nil {
		return err
	}
	row.State = string(state)
	debtorID, err := st.DebtorIDByPhone(ctx, conv)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if debtorID != "" {
		row.DebtorID = debtorID
		if err := ReadDebtor(ctx, st, b, debtorID); err != nil {
			return err
		}
	}
	b.Conversations = append(b.Conversations, row)
	return nil
}

// ReadDebtor adds a debtor, their debts (with when each was paid) and
// their agreements to b.
func ReadDebtor(ctx context.Context, st *storage.Store, b *Batch, id string) error {
	d, debts, err := st.DebtorWithDebts(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("archive: debtor: %w", err)
	}
	b.Debtors = append(b.Debtors, d)
	for _, debt := range debts {
		rs, err := st.ReminderState(ctx, debt.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		b.Debts = append(b.Debts, debtRow(debt, rs, time.Now()))
		ag, err := st.Agreement(ctx, debt.ID)
		if err == nil {
			b.Agreements = append(b.Agreements, ag)
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}

// eventOf decodes one action outbox entry; ok is false when the action
// does not decode (it is archived raw, kind "undecodable").
func eventOf(e storage.StreamEntry) (EventRow, bool) {
	conv, _ := e.Values["c"].(string)
	raw, _ := e.Values["a"].(string)
	ev := EventRow{ID: e.ID, Conversation: conv, Raw: raw}
	if ms, _, ok := strings.Cut(e.ID, "-"); ok {
		if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
			ev.At = time.UnixMilli(n)
		}
	}
	if err := json.Unmarshal([]byte(raw), &ev.Action); err != nil {
		ev.Action = dialogs.Action{Kind: "undecodable"}
		if ev.Raw == "" || !json.Valid([]byte(ev.Raw)) {
			b, _ := json.Marshal(raw)
			ev.Raw = string(b)
		}
		return ev, false
	}
	return ev, true
}

// ArchivedCounts is how many log positions of each conversation the
// archive holds (its conversations.messages).
func (db *DB) ArchivedCounts(ctx context.Context, convs []string) (map[string]int, error) {
	out := make(map[string]int, len(convs))
	for len(convs) > 0 {
		n := min(len(convs), 500)
		args := make([]any, n)
		ph := make([]string, n)
		for i, c := range convs[:n] {
			args[i], ph[i] = c, "$"+strconv.Itoa(i+1)
		}
		rows, err := db.sql.QueryContext(ctx, `SELECT id, messages FROM conversations WHERE id IN (`+strings.Join(ph, ",")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("archive: archived counts: %w", err)
		}
		for rows.Next() {
			var id string
			var m int
			if err := rows.Scan(&id, &m); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		convs = convs[n:]
	}
	return out, nil
}

// debtRow is a debt with when it was paid and closed: a paid debt closes
// when it was reported paid (now when that date is unknown; the archive
// keeps the first closing time it saw).
func debtRow(d dialogs.Debt, rs storage.ReminderState, now time.Time) DebtRow {
	row := DebtRow{Debt: d, PaidAt: rs.PaidAt}
	if d.Status == dialogs.DebtPaid {
		row.ClosedAt = rs.PaidAt
		if row.ClosedAt.IsZero() {
			row.ClosedAt = now
		}
	}
	return row
}
