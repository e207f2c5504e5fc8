package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage"
)

func init() {
	register(command{name: "report", summary: "reports: report variants | recovery | sms", run: runReport})
}

const reportUsage = `Usage:
  quita report variants [--json]
      A/B variants of each cadence step: reminders sent, outcome rates with 95% Wilson
      intervals, which variant leads (* when its interval is above all others'), and
      with the archive what each variant cost: spend per debt contacted and per real
      recovered. Reads REDIS_URL or the embedded data dir.
  quita report recovery [--creditor ID] [--since YYYY-MM-DD] [--by step|variant|channel|week] [--json]
      From the archive (QUITA_ARCHIVE_URL, or SQLite in the data dir): debts contacted,
      promises, agreements, amount recovered, recovery rate, median days to payment and
      spend per debt contacted and per real recovered; one total, or one row per group.
  quita report sms [--json]
      SMS segments per bot answer and per reminder, by language and encoding: the WhatsApp
      text sent by SMS (before) and the SMS forms (after), rendered with the longest
      realistic values (what BENCHMARKS.md's SMS table shows).`

func runReport(ctx context.Context, args []string) error {
	return reportMain(ctx, args, os.Stdout, os.Stderr)
}

func reportMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, reportUsage)
		if len(args) == 0 {
			return errors.New("name a report: variants, recovery or sms")
		}
		return nil
	}
	switch args[0] {
	case "variants":
		return variantsReport(ctx, args[1:], stdout, stderr)
	case "recovery":
		return recoveryReport(ctx, args[1:], stdout, stderr)
	case "sms":
		return smsReport(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, reportUsage)
	return fmt.Errorf("no report %q: the reports are variants, recovery and sms", args[0])
}

func reportFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("report "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), reportUsage); fs.PrintDefaults() }
	return fs
}

func variantsReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := reportFlags("variants", stderr)
	asJSON := fs.Bool("json", false, "print JSON (as GET /api/v1/reports/variants)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, cfg, io.Discard)
	if err != nil {
		return err
	}
	defer closeStore()
	rep, err := bot.VariantsReport(ctx, st)
	if err != nil {
		return err
	}
	if cfg.Archive {
		// The cost column reads the archive; without one the rates still show.
		db, _, err := openArchive(ctx, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "no cost column: %v\n", err)
		} else {
			defer db.Close()
			if err := bot.AddVariantCosts(ctx, &rep, variantCosts{db}); err != nil {
				return err
			}
		}
	}
	return printReport(stdout, rep, *asJSON)
}

func printReport(w io.Writer, rep bot.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if len(rep.Variants) == 0 {
		fmt.Fprintln(w, "no reminders sent yet")
		return nil
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprint(tw, "creditor\tstep\tvariant\tsent")
	for _, o := range storage.VariantOutcomes {
		fmt.Fprintf(tw, "\t%s", o)
	}
	fmt.Fprint(tw, "\tspend\tspend/contacted\tspend/R$ recovered")
	fmt.Fprintln(tw)
	for _, v := range rep.Variants {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d", v.Creditor, v.Step, v.Variant, v.Sent)
		for _, o := range storage.VariantOutcomes {
			r := v.Outcomes[o]
			fmt.Fprintf(tw, "\t%.1f%% [%.1f–%.1f]", 100*r.Rate, 100*r.Low, 100*r.High)
		}
		if c := v.Cost; c != nil {
			fmt.Fprintf(tw, "\t%s\t%s\t%s", spend(c.SpendMicros, c.Currency), spend(c.SpendPerContactedMicros, c.Currency), perReal(c.SpendPerRealRecovered, c.Currency))
		} else {
			fmt.Fprint(tw, "\t—\t—\t—")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(rep.Leaders) > 0 {
		fmt.Fprintln(w, "\nleaders:")
		for _, l := range rep.Leaders {
			mark := ""
			if l.Significant {
				mark = " *"
			}
			fmt.Fprintf(w, "  %s %s %s: variant %s%s\n", l.Creditor, l.Step, l.Outcome, l.Variant, mark)
		}
	}
	return nil
}

// spend shows millionths of a currency with four decimals ("BRL 0.0700").
func spend(micros int64, currency string) string {
	if currency == "" {
		return "—"
	}
	return fmt.Sprintf("%s %.4f", currency, float64(micros)/1e6)
}

// perReal shows the currency spent per real recovered.
func perReal(v *float64, currency string) string {
	if v == nil || currency == "" {
		return "—"
	}
	return fmt.Sprintf("%s %.4f", currency, *v)
}

// joinOr lists names for a message: "a, b or c".
func joinOr(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
