package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/console"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/portfolio"
	"github.com/quita-bot/quita/storage/archive"
)

func recoveryReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := reportFlags("recovery", stderr)
	creditor := fs.String("creditor", "", "only this creditor's debts (its id in the creditors file)")
	since := fs.String("since", "", "only contacts from this date on (YYYY-MM-DD, UTC)")
	by := fs.String("by", "", "one row per group: "+strings.Join(archive.Groupings, ", "))
	asJSON := fs.Bool("json", false, "print JSON")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	q := archive.RecoveryQuery{Creditor: *creditor, By: *by}
	if *by != "" && !slices.Contains(archive.Groupings, *by) {
		return fmt.Errorf("--by %q: group by %s", *by, joinOr(archive.Groupings))
	}
	if *since != "" {
		t, err := time.Parse(time.DateOnly, *since)
		if err != nil {
			return fmt.Errorf("--since %q: write a date as YYYY-MM-DD, e.g. --since 2026-03-01", *since)
		}
		q.Since = t
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if !cfg.Archive {
		return errors.New("the recovery report reads the archive, and QUITA_ARCHIVE=off: unset it (README.md#archive)")
	}
	db, _, err := openArchive(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := knownCreditor(ctx, db, "--creditor", q.Creditor); err != nil {
		return err
	}
	rep, err := db.Recovery(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return printRecovery(stdout, rep)
}

func printRecovery(w io.Writer, rep archive.RecoveryReport) error {
	if rep.Total.Contacted == 0 {
		fmt.Fprintln(w, "no debt contacted by a reminder in this period")
		return nil
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	head := rep.Query.By // the group column's name; none for a total alone
	fmt.Fprintf(tw, "%s\tcontacted\tpromises\tagreements\tpaid\towed\trecovered\trate\tmedian days\tspend\tspend/contacted\tspend/R$ recovered\t\n", head)
	line := func(r archive.RecoveryRow, name string) {
		days := "—"
		if r.MedianDaysToPayment != nil {
			days = fmt.Sprintf("%.1f", *r.MedianDaysToPayment)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%.1f%%\t%s\t%s\t%s\t%s\t\n", name, r.Contacted, r.Promises, r.Agreements, r.Paid,
			payments.FormatBRL(r.OwedCents), payments.FormatBRL(r.RecoveredCents), 100*r.RecoveryRate, days,
			spend(r.SpendMicros, r.Currency), spend(r.SpendPerContactedMicros, r.Currency), perReal(r.SpendPerRealRecovered, r.Currency))
	}
	for _, r := range rep.Rows {
		line(r, r.Group)
	}
	line(rep.Total, "total")
	return tw.Flush()
}

// variantCosts gives the variants report its cost column from the archive.
type variantCosts struct{ db *archive.DB }

func (v variantCosts) VariantCosts(ctx context.Context, creditor string) (map[string]bot.VariantCost, error) {
	rep, err := v.db.Recovery(ctx, archive.RecoveryQuery{Creditor: creditor, By: archive.ByVariant})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bot.VariantCost, len(rep.Rows))
	for _, r := range rep.Rows {
		out[r.Group] = bot.VariantCost{Contacted: r.Contacted, RecoveredCents: r.RecoveredCents, SpendMicros: r.SpendMicros, Currency: r.Currency,
			SpendPerContactedMicros: r.SpendPerContactedMicros, SpendPerRealRecovered: r.SpendPerRealRecovered}
	}
	return out, nil
}

// recoveryAPI gives the console's dashboard the archive's recovery
// figures (the service's archive, opened by mountArchive).
type recoveryAPI struct{ s *service }

func (r recoveryAPI) RecoveryGroups(ctx context.Context, since time.Time, by string) ([]console.RecoveryGroup, error) {
	if r.s.archive == nil {
		return nil, errors.New("no archive is open")
	}
	rep, err := r.s.archive.Recovery(ctx, archive.RecoveryQuery{Since: since, By: by})
	if err != nil {
		return nil, err
	}
	out := make([]console.RecoveryGroup, 0, len(rep.Rows))
	for _, g := range rep.Rows {
		out = append(out, console.RecoveryGroup{Label: g.Group, Contacted: g.Contacted, Paid: g.Paid, OwedCents: g.OwedCents,
			RecoveredCents: g.RecoveredCents, Rate: g.RecoveryRate, SpendMicros: g.SpendMicros, Currency: g.Currency,
			SpendPerContactedMicros: g.SpendPerContactedMicros, SpendPerRealRecovered: g.SpendPerRealRecovered})
	}
	return out, nil
}

// knownCreditor refuses a creditor the archive holds no debts of, naming
// the ones it has ("" is every creditor).
func knownCreditor(ctx context.Context, db *archive.DB, name, creditor string) error {
	if creditor == "" {
		return nil
	}
	known, err := db.Creditors(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(known, creditor) {
		return nil
	}
	if len(known) == 0 {
		return fmt.Errorf("%s %q: the archive (%s) holds no debts yet", name, creditor, db)
	}
	return fmt.Errorf("%s %q: the archive holds no debts of it; its creditors are %s", name, creditor, strings.Join(known, ", "))
}

// archiveReports gives the admin API the archive's reports: each
// variant's cost and the recovery report (the service's archive, opened
// by mountArchive; nil with QUITA_ARCHIVE=off).
type archiveReports struct{ s *service }

func (r archiveReports) VariantCosts(ctx context.Context, creditor string) (map[string]bot.VariantCost, error) {
	if r.s.archive == nil {
		return nil, errors.New("no archive is open")
	}
	return variantCosts{r.s.archive}.VariantCosts(ctx, creditor)
}

func (r archiveReports) RecoveryReport(ctx context.Context, creditor string, since time.Time, by string) (any, error) {
	if r.s.archive == nil {
		return nil, errors.New("no archive is open")
	}
	if by != "" && !slices.Contains(archive.Groupings, by) {
		return nil, fmt.Errorf("%w: by %q: group by %s", portfolio.ErrBadQuery, by, joinOr(archive.Groupings))
	}
	if err := knownCreditor(ctx, r.s.archive, "creditor", creditor); err != nil {
		return nil, fmt.Errorf("%w: %v", portfolio.ErrBadQuery, err)
	}
	return r.s.archive.Recovery(ctx, archive.RecoveryQuery{Creditor: creditor, Since: since, By: by})
}
