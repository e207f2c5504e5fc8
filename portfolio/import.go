package portfolio

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/quita-bot/quita/storage"
)

// Importer validates rows and upserts the good ones by (creditor, invoice).
type Importer struct {
	Store     *storage.Store
	Creditors Creditors
	// FirstReminder schedules a new debt's first reminder; nil schedules none.
	FirstReminder func(creditor, due, timeZone string) (time.Time, error)
	Batch         int // rows per atomic script run (default 250)
	PerTrip       int // script runs per pipeline round trip (default 8)
}

// Summary is what an import did.
type Summary struct {
	Rows    int          `json:"rows"`
	Created int          `json:"created"`
	Updated int          `json:"updated"`
	Failed  int          `json:"failed"` // rows refused (nothing of them was written)
	Errors  []FieldError `json:"errors"`
	DebtIDs []string     `json:"debt_ids,omitempty"` // in row order, for the rows imported (API only)
}

// Import validates every row, then writes the valid ones; a row with any
// error is reported and not written at all. progress (may be nil) is called
// with rows done so far.
func (im *Importer) Import(ctx context.Context, rows []Row, parseErrs []FieldError, progress func(done, total int)) (Summary, error) {
	sum := Summary{Rows: len(rows), Errors: append([]FieldError{}, parseErrs...)}
	failedLines := map[int]bool{}
	for _, e := range parseErrs {
		if e.Line > 1 {
			failedLines[e.Line] = true
		}
	}
	valid := make([]Validated, 0, len(rows))
	for _, r := range rows {
		v, errs := Validate(r, im.Creditors)
		if len(errs) > 0 {
			sum.Errors = append(sum.Errors, errs...)
			failedLines[r.Line] = true
			continue
		}
		if im.FirstReminder != nil {
			at, err := im.FirstReminder(v.Row.Creditor, v.DueDate, v.TimeZone)
			if err != nil {
				sum.Errors = append(sum.Errors, FieldError{Line: r.Line, Field: "due_date", Message: err.Error()})
				failedLines[r.Line] = true
				continue
			}
			if !at.IsZero() {
				v.Row.ScheduleAt = at.UnixMilli()
			}
		}
		valid = append(valid, v)
	}
	sum.Failed = len(failedLines)
	sum.Rows = len(valid) + sum.Failed // lines the CSV reader could not split count as rows too
	sort.SliceStable(sum.Errors, func(i, j int) bool { return sum.Errors[i].Line < sum.Errors[j].Line })
	batch, perTrip := max(im.Batch, 1), max(im.PerTrip, 1)
	if im.Batch <= 0 {
		batch = 250
	}
	if im.PerTrip <= 0 {
		perTrip = 8
	}
	done := 0
	for start := 0; start < len(valid); {
		var trip [][]storage.ImportRow
		for len(trip) < perTrip && start < len(valid) {
			end := min(start+batch, len(valid))
			b := make([]storage.ImportRow, 0, end-start)
			for _, v := range valid[start:end] {
				b = append(b, v.Row)
			}
			trip = append(trip, b)
			start = end
		}
		res, err := im.Store.ImportPipelined(ctx, trip)
		if err != nil {
			return sum, fmt.Errorf("after %d rows: %w", done, err)
		}
		for _, rs := range res {
			for _, r := range rs {
				if r.Created {
					sum.Created++
				} else {
					sum.Updated++
				}
				sum.DebtIDs = append(sum.DebtIDs, r.DebtID)
				done++
			}
		}
		if progress != nil {
			progress(done, len(valid))
		}
	}
	return sum, nil
}
