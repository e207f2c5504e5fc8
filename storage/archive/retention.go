package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Retention anonymises, once a day, the debtors whose every debt closed
// longer ago than its creditor's retention_days (default five years):
// their personal data goes exactly as in an erasure (Subjects.Erase: names,
// phones, CPF, message texts; opt-outs kept as keyed hashes), and the
// anonymous financial rows stay for the reports. Each anonymisation and
// each run is audited.
type Retention struct {
	Subjects *Subjects
	Days     func(creditor string) int // the creditor's retention_days
	Now      func() time.Time
	Log      *slog.Logger
}

// RetentionStats is what one run did.
type RetentionStats struct {
	Debtors    int // anonymised
	NoCPF      int // due, but with no CPF to find them by (left, logged)
	Considered int // debtors with every debt closed
}

// RunOnce anonymises every debtor past retention.
func (r *Retention) RunOnce(ctx context.Context) (RetentionStats, error) {
	var st RetentionStats
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	db := r.Subjects.DB
	rows, err := db.sql.QueryContext(ctx, `SELECT d.debtor_id, d.creditor, d.closed_at FROM debts d
  JOIN debtors p ON p.id = d.debtor_id WHERE p.anonymised_at IS NULL ORDER BY d.debtor_id`)
	if err != nil {
		return st, fmt.Errorf("retention: %w", err)
	}
	due := map[string]bool{}
	var order []string
	for rows.Next() {
		var debtor, creditor string
		var closed sql.NullTime
		if err := rows.Scan(&debtor, &creditor, &closed); err != nil {
			rows.Close()
			return st, err
		}
		ok, seen := due[debtor]
		if !seen {
			order, ok = append(order, debtor), true
		}
		days := r.Days(creditor)
		due[debtor] = ok && closed.Valid && closed.Time.AddDate(0, 0, days).Before(now())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	for _, id := range order {
		if !due[id] {
			continue
		}
		st.Considered++
		var cpf string
		if err := db.sql.QueryRowContext(ctx, `SELECT cpf FROM debtors WHERE id = $1`, id).Scan(&cpf); err != nil {
			return st, fmt.Errorf("retention: %w", err)
		}
		if cpf == "" {
			st.NoCPF++
			continue
		}
		w, err := r.Subjects.find(ctx, cpf)
		if errors.Is(err, ErrNoSubject) {
			continue
		}
		if err != nil {
			return st, err
		}
		if _, err := r.Subjects.erase(ctx, w, cpf, "retention"); err != nil {
			return st, err
		}
		st.Debtors++
	}
	if st.NoCPF > 0 && r.Log != nil {
		r.Log.Warn("retention: debtors past retention without a CPF were not anonymised", "debtors", st.NoCPF)
	}
	return st, r.Subjects.audit(ctx, "retention", "retention_run", "", st)
}

// Run runs RunOnce now and then every day until ctx ends.
func (r *Retention) Run(ctx context.Context) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		st, err := r.RunOnce(ctx)
		if r.Log != nil {
			if err != nil {
				r.Log.Warn("retention run failed; tomorrow's retries", "err", err)
			} else if st.Debtors > 0 {
				r.Log.Info("retention: debtors past their retention anonymised", "debtors", st.Debtors)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
