package portfolio

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sort"
	"sync/atomic"
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
	Notes   []string     `json:"notes,omitempty"`    // how a file was read (encoding, sheet, header)
}

// Import validates every row and writes the valid ones; a row with any
// error is reported and not written at all. Validation of the next rows
// overlaps the writing of the previous ones (one writer, with at most two
// round trips in flight that touch different records, so rows of the same
// debtor or invoice are written in file order and a repeated invoice ends
// with its last row).
// progress (may be nil) is called with rows written so far and the rows
// that may still be written.
func (im *Importer) Import(ctx context.Context, rows []Row, parseErrs []FieldError, progress func(done, total int)) (Summary, error) {
	return im.importSeq(ctx, slices.Values(rows), len(rows), func() []FieldError { return parseErrs }, progress, true)
}

// ImportSeq is Import of rows produced one at a time (about total of them,
// for progress), so that a long import never waits between parts: Redis
// keeps a round trip in hand from the first row to the last, even while a
// file is still being read. parseErrs (may be nil) is called once rows is
// exhausted, for the lines a streaming reader could not make rows of
// (CSVReader.Errors). It does not list the debt ids (Summary.DebtIDs),
// which would grow with the stream.
func (im *Importer) ImportSeq(ctx context.Context, rows iter.Seq[Row], total int, parseErrs func() []FieldError, progress func(done, total int)) (Summary, error) {
	return im.importSeq(ctx, rows, total, parseErrs, progress, false)
}

func (im *Importer) importSeq(ctx context.Context, rows iter.Seq[Row], total int, parseErrs func() []FieldError, progress func(done, total int), listIDs bool) (Summary, error) {
	t := newTally()
	batch, perTrip := max(im.Batch, 1), max(im.PerTrip, 1)
	if im.Batch <= 0 {
		batch = 250
	}
	if im.PerTrip <= 0 {
		perTrip = 8
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var refused atomic.Int64 // rows refused so far, for the progress total
	trips := make(chan [][]storage.ImportRow, 2)
	written := make(chan writeResult, 1)
	go func() { written <- im.write(ctx, trips, total, &refused, progress, listIDs) }()

	var trip [][]storage.ImportRow
	var cur []storage.ImportRow
	send := func() bool {
		if len(cur) > 0 {
			trip, cur = append(trip, cur), nil
		}
		if len(trip) == 0 {
			return true
		}
		select {
		case trips <- trip:
			trip = nil
			return true
		case <-ctx.Done():
			return false
		}
	}
	for r := range rows {
		v, ok := t.row(im, r)
		if !ok {
			refused.Add(1)
			continue
		}
		cur = append(cur, v.Row)
		if len(cur) == batch {
			trip, cur = append(trip, cur), make([]storage.ImportRow, 0, batch)
			if len(trip) == perTrip && !send() {
				break
			}
		}
	}
	send()
	close(trips)
	sum := t.close(parseErrs)
	res := <-written
	sum.Created, sum.Updated, sum.DebtIDs = res.created, res.updated, res.debtIDs
	if res.err != nil {
		return sum, res.err
	}
	return sum, nil
}

// Check validates rows as an import would, writing nothing (a dry run):
// the summary's rows, refusals and errors are the ones Import would give.
func (im *Importer) Check(rows iter.Seq[Row], parseErrs func() []FieldError) Summary {
	t := newTally()
	for r := range rows {
		t.row(im, r)
	}
	return t.close(parseErrs)
}

// tally is an import's accounting: errors by line, and the lines refused
// (rows with an error, and lines the CSV reader could not make rows of).
type tally struct {
	sum    Summary
	failed map[int]bool
	valid  int
}

func newTally() *tally { return &tally{sum: Summary{Errors: []FieldError{}}, failed: map[int]bool{}} }

// row checks a row and schedules its first reminder; errors are tallied.
func (t *tally) row(im *Importer, r Row) (Validated, bool) {
	v, errs := Validate(r, im.Creditors)
	if len(errs) > 0 {
		t.sum.Errors = append(t.sum.Errors, errs...)
		t.failed[r.Line] = true
		return v, false
	}
	if im.FirstReminder != nil {
		at, err := im.FirstReminder(v.Row.Creditor, v.DueDate, v.TimeZone)
		if err != nil {
			t.sum.Errors = append(t.sum.Errors, FieldError{Line: r.Line, Field: "due_date", Message: err.Error()})
			t.failed[r.Line] = true
			return v, false
		}
		if !at.IsZero() {
			v.Row.ScheduleAt = at.UnixMilli()
		}
	}
	t.valid++
	return v, true
}

// close adds the reader's errors (parseErrs may be nil) and counts.
func (t *tally) close(parseErrs func() []FieldError) Summary {
	if parseErrs != nil {
		for _, e := range parseErrs() {
			t.sum.Errors = append(t.sum.Errors, e)
			if e.Line > 1 {
				t.failed[e.Line] = true
			}
		}
	}
	t.sum.Failed = len(t.failed)
	t.sum.Rows = t.valid + t.sum.Failed // lines the CSV reader could not split count as rows too
	sort.SliceStable(t.sum.Errors, func(i, j int) bool { return t.sum.Errors[i].Line < t.sum.Errors[j].Line })
	return t.sum
}

type writeResult struct {
	created, updated int
	debtIDs          []string
	err              error
}

// write runs the trips, one pipeline round trip each, and accounts for
// them in order. The next trip is sent while the previous one is still in
// Redis, so that Redis never waits for this process between trips, unless
// the two share a CPF, an invoice or a phone: then it waits, so that rows
// touching the same records are written in file order (rows of different
// records may be given ids out of file order, which is harmless). After
// an error it drains the channel without writing (a trip already sent is
// still counted).
func (im *Importer) write(ctx context.Context, trips <-chan [][]storage.ImportRow, rows int, refused *atomic.Int64, progress func(done, total int), listIDs bool) writeResult {
	var res writeResult
	done := 0
	type flight struct {
		keys map[string]struct{}
		out  [][]storage.ImportResult
		err  error
		end  chan struct{}
	}
	finish := func(f *flight) {
		<-f.end
		if f.err != nil {
			if res.err == nil {
				res.err = fmt.Errorf("after %d rows: %w", done, f.err)
			}
			return
		}
		for _, rs := range f.out {
			for _, r := range rs {
				if r.Created {
					res.created++
				} else {
					res.updated++
				}
				if listIDs {
					res.debtIDs = append(res.debtIDs, r.DebtID)
				}
				done++
			}
		}
		if progress != nil {
			progress(done, max(done, rows-int(refused.Load())))
		}
	}
	var prev *flight
	for trip := range trips {
		if res.err != nil {
			continue
		}
		keys := tripKeys(trip)
		if prev != nil && overlaps(prev.keys, keys) {
			finish(prev)
			prev = nil
			if res.err != nil {
				continue
			}
		}
		f := &flight{keys: keys, end: make(chan struct{})}
		go func() {
			defer close(f.end)
			f.out, f.err = im.Store.ImportPipelined(ctx, trip)
		}()
		if prev != nil {
			finish(prev)
		}
		prev = f
	}
	if prev != nil {
		finish(prev)
	}
	return res
}

// tripKeys are the records a trip's rows touch: CPFs, invoices, phones.
func tripKeys(trip [][]storage.ImportRow) map[string]struct{} {
	n := 0
	for _, b := range trip {
		n += len(b)
	}
	keys := make(map[string]struct{}, 3*n)
	for _, b := range trip {
		for _, r := range b {
			keys["c"+r.CPF] = struct{}{}
			keys["i"+r.Creditor+"|"+r.Invoice] = struct{}{}
			for _, p := range r.Phones {
				keys["p"+p] = struct{}{}
			}
		}
	}
	return keys
}

func overlaps(a, b map[string]struct{}) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	for k := range a {
		if _, ok := b[k]; ok {
			return true
		}
	}
	return false
}
