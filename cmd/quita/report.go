package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage"
)

func init() {
	register(command{name: "report", summary: "reports: `report variants` shows A/B results", run: runReport})
}

func runReport(ctx context.Context, args []string) error {
	return reportMain(ctx, args, os.Stdout, os.Stderr)
}

func reportMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON (as GET /api/v1/reports/variants)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: quita report variants [-json]\n\nA/B variants of each cadence step: reminders sent, outcome rates with 95% Wilson intervals,\nand which variant leads (* when its interval is above all others'). Reads REDIS_URL or the embedded data dir.")
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "variants" {
		fs.Usage()
		return errors.New("the only report is: variants")
	}
	if err := fs.Parse(args[1:]); err != nil {
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
	fmt.Fprintln(tw)
	for _, v := range rep.Variants {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d", v.Creditor, v.Step, v.Variant, v.Sent)
		for _, o := range storage.VariantOutcomes {
			r := v.Outcomes[o]
			fmt.Fprintf(tw, "\t%.1f%% [%.1f–%.1f]", 100*r.Rate, 100*r.Low, 100*r.High)
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
