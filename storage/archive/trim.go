package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Trimmer keeps Redis to hot state: a conversation that is closed (opted
// out, wrong number, every debt paid or its agreement fulfilled) or idle
// longer than HotDays has its transcript archived in full and, once the
// archive holds every message, dropped from Redis (storage/trim.go). Reads
// go on transparently: Store.Transcript takes the older part from the
// archive.
type Trimmer struct {
	Store   *storage.Store
	DB      *DB
	HotDays int // default 30 (QUITA_HOT_DAYS)
	Now     func() time.Time
	Log     *slog.Logger
}

// TrimStats is what one trimming run did.
type TrimStats struct {
	Seen, Trimmed, Messages int
}

func (t *Trimmer) defaults() {
	if t.HotDays <= 0 {
		t.HotDays = 30
	}
	if t.Now == nil {
		t.Now = time.Now
	}
	if t.Log == nil {
		t.Log = slog.New(slog.DiscardHandler)
	}
}

// Run trims every interval until ctx ends.
func (t *Trimmer) Run(ctx context.Context, interval time.Duration) {
	t.defaults()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if st, err := t.TrimOnce(ctx); err != nil {
			t.Log.Warn("trim: stopped early; next run retries", "err", err, "trimmed", st.Trimmed)
		} else if st.Trimmed > 0 {
			t.Log.Info("trim: transcripts moved to the archive", "conversations", st.Trimmed, "messages", st.Messages)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// TrimOnce looks at every conversation and trims those due.
func (t *Trimmer) TrimOnce(ctx context.Context) (TrimStats, error) {
	t.defaults()
	var st TrimStats
	idleBefore := t.Now().Add(-time.Duration(t.HotDays) * 24 * time.Hour)
	for off := int64(0); ; off += 500 {
		page, err := t.Store.ConversationActivity(ctx, off, 500)
		if err != nil {
			return st, err
		}
		if len(page) == 0 {
			return st, nil
		}
		for _, z := range page {
			conv, _ := z.Member.(string)
			st.Seen++
			last := time.UnixMilli(int64(z.Score))
			if !last.Before(t.Now().Add(-closedGrace)) {
				continue // still talking (a thank-you after paying)
			}
			closed, err := t.closed(ctx, conv)
			if err != nil {
				return st, err
			}
			if !closed && !last.Before(idleBefore) {
				continue
			}
			n, err := t.TrimConversation(ctx, conv, closed)
			if err != nil && !errors.Is(err, storage.ErrChangedSinceArchived) && !errors.Is(err, storage.ErrLockLost) {
				return st, err
			}
			if n > 0 {
				st.Trimmed++
				st.Messages += n
			}
		}
	}
}

// closedGrace is how long a closed conversation stays hot after its last
// message: the debtor may still say thank you.
const closedGrace = 24 * time.Hour

// closedStates are the dialog states after which the bot never speaks
// again on the number.
var closedStates = map[string]bool{dialogs.StateOptedOut: true, dialogs.StateWrongNumber: true}

// closed reports whether a conversation is over: its dialog stopped for
// good, or its debtor owes nothing any more (every debt paid or its
// agreement fulfilled).
func (t *Trimmer) closed(ctx context.Context, conv string) (bool, error) {
	raw, err := t.Store.LoadState(ctx, conv)
	if err != nil {
		return false, err
	}
	var state struct {
		State string `json:"state"`
	}
	if raw != nil && json.Unmarshal(raw, &state) == nil && closedStates[state.State] {
		return true, nil
	}
	id, err := t.Store.DebtorIDByPhone(ctx, conv)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	debts, err := t.Store.DebtsOf(ctx, id)
	if err != nil || len(debts) == 0 {
		return false, err
	}
	for _, d := range debts {
		if d.Status == dialogs.DebtPaid {
			continue
		}
		if d.Status != dialogs.DebtAgreement {
			return false, nil
		}
		a, err := t.Store.Agreement(ctx, d.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		for _, in := range a.Installments {
			if !in.Paid {
				return false, nil
			}
		}
	}
	return true, nil
}

// TrimConversation archives a conversation's Redis transcript in full,
// checks the archive holds every message, and drops it from Redis, all
// under the conversation's lock (a worker committing meanwhile makes it
// give up: ErrChangedSinceArchived). A closed conversation's dialog state
// leaves Redis too (the archive keeps it). It returns how many messages
// left Redis.
func (t *Trimmer) TrimConversation(ctx context.Context, conv string, closed bool) (int, error) {
	t.defaults()
	tok := storage.NewID()
	ok, err := t.Store.TryLock(ctx, conv, tok, time.Minute)
	if err != nil || !ok {
		return 0, err // busy: next run
	}
	defer t.Store.Unlock(context.WithoutCancel(ctx), conv, tok)
	base, err := t.Store.TrimBase(ctx, conv)
	if err != nil {
		return 0, err
	}
	n, err := t.Store.LogLength(ctx, conv)
	if err != nil || n == 0 {
		return 0, err // nothing hot (or already trimmed)
	}
	b := &Batch{}
	if err := ReadConversation(ctx, t.Store, b, conv, base); err != nil {
		return 0, err
	}
	if len(b.Messages) != n {
		return 0, fmt.Errorf("trim %s: %d messages read of %d", channels.MaskPhone(conv), len(b.Messages), n)
	}
	if err := t.DB.Write(ctx, b); err != nil {
		return 0, err
	}
	var have int
	if err := t.DB.sql.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE conversation = $1 AND seq >= $2 AND seq < $3`,
		conv, base, base+n).Scan(&have); err != nil {
		return 0, fmt.Errorf("trim: check the archive: %w", err)
	}
	if have != n {
		return 0, fmt.Errorf("trim %s: the archive holds %d of %d messages; not trimmed", channels.MaskPhone(conv), have, n)
	}
	if err := t.Store.Trim(ctx, conv, tok, base, n, closed); err != nil {
		return 0, err
	}
	if _, err := t.DB.sql.ExecContext(ctx, `UPDATE conversations SET trimmed_at = $1 WHERE id = $2`, t.Now().UTC(), conv); err != nil {
		return n, fmt.Errorf("trim: mark the conversation: %w", err)
	}
	return n, nil
}
