package archive

import (
	"context"
	"fmt"
	"time"

	"github.com/quita-bot/quita/storage"
)

// Progress is told how far a backfill is: stage (conversations, debts,
// opt-outs), items done, and the total when known (else -1).
type Progress func(stage string, done, total int64)

// BackfillStats is what a backfill archived.
type BackfillStats struct {
	Conversations, Messages, Debts, OptOuts int64
}

// backfillBatch is how many conversations (or debts ×10) one transaction takes.
const backfillBatch = 100

// Backfill archives what a Redis already holds: every conversation's whole
// transcript with its debtor, every debt and debtor of the portfolio, and
// every opt-out. It is safe to repeat and to run beside a live archiver
// (every write is idempotent).
func Backfill(ctx context.Context, st *storage.Store, w Sink, progress Progress) (BackfillStats, error) {
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	var stats BackfillStats
	total, err := st.ConversationCount(ctx)
	if err != nil {
		return stats, err
	}
	for off := int64(0); ; off += backfillBatch {
		convs, err := st.Conversations(ctx, off, backfillBatch)
		if err != nil {
			return stats, fmt.Errorf("backfill: list conversations: %w", err)
		}
		if len(convs) == 0 {
			break
		}
		b := &Batch{}
		for _, c := range convs {
			if err := ReadConversation(ctx, st, b, c, 0); err != nil {
				return stats, fmt.Errorf("backfill: conversation: %w", err)
			}
		}
		if err := w.Write(ctx, b); err != nil {
			return stats, err
		}
		stats.Conversations += int64(len(convs))
		stats.Messages += int64(len(b.Messages))
		progress("conversations", stats.Conversations, total)
	}
	b := &Batch{}
	flush := func() error {
		if len(b.Debts) == 0 && len(b.OptOuts) == 0 {
			return nil
		}
		err := w.Write(ctx, b)
		b = &Batch{}
		return err
	}
	seen := map[string]bool{}
	for e, err := range st.Portfolio(ctx, storage.PortfolioQuery{}) {
		if err != nil {
			return stats, fmt.Errorf("backfill: portfolio: %w", err)
		}
		if e.Debtor.ID != "" && !seen[e.Debtor.ID] {
			seen[e.Debtor.ID] = true
			b.Debtors = append(b.Debtors, e.Debtor)
		}
		b.Debts = append(b.Debts, debtRow(e.Debt, e.Reminder, time.Now()))
		if e.Agreement != nil {
			b.Agreements = append(b.Agreements, *e.Agreement)
		}
		stats.Debts++
		if len(b.Debts) >= 10*backfillBatch {
			if err := flush(); err != nil {
				return stats, err
			}
			progress("debts", stats.Debts, -1)
		}
	}
	if err := flush(); err != nil {
		return stats, err
	}
	progress("debts", stats.Debts, stats.Debts)
	err = st.EachOptOut(ctx, func(o storage.OptOutRecord) error {
		b.OptOuts = append(b.OptOuts, o)
		stats.OptOuts++
		if len(b.OptOuts) >= 10*backfillBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	progress("opt-outs", stats.OptOuts, stats.OptOuts)
	return stats, err
}
