package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/portfolio"
)

func init() {
	register(command{name: "export", summary: "export the debts with their state as a CSV or XLSX that imports again", run: runExport})
}

func runExport(ctx context.Context, args []string) error {
	return exportMain(ctx, args, os.Stdout, os.Stderr)
}

func exportMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "debts" {
		fmt.Fprintln(stderr, "Usage: quita export debts [--creditor ID] [--format csv|xlsx] [--out FILE]")
		return errors.New("say what to export: quita export debts")
	}
	fs := flag.NewFlagSet("export debts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	creditor := fs.String("creditor", "", "only this creditor's debts (default: every creditor's)")
	format := fs.String("format", "", "csv or xlsx (default: the --out file's extension, else csv)")
	out := fs.String("out", "", "the file to write (default: standard output)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: quita export debts [--creditor ID] [--format csv|xlsx] [--out FILE]\n\n"+
			"One row per debt: the columns quita import reads (Portuguese headers, amounts as 1.234,56, dates as\n"+
			"dd/mm/aaaa), then situação (not contacted, contacted, promise, agreement with installments paid, paid,\n"+
			"dispute, opt-out, wrong number), último contato and próximo lembrete. The file imports again as it is;\n"+
			"the state columns are not read back. Reads REDIS_URL (or the embedded data dir).\n\n")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	f := *format
	if f == "" {
		f = portfolio.FormatCSV
		if strings.EqualFold(filepath.Ext(*out), ".xlsx") {
			f = portfolio.FormatXLSX
		}
	}
	f, err := portfolio.ParseFormat(f)
	if err != nil {
		return err
	}
	if *out == "" && f == portfolio.FormatXLSX {
		if file, ok := stdout.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
			return errors.New("an .xlsx is not for a terminal: write it to a file with --out debts.xlsx")
		}
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	cfgFile, err := config.LoadFile(cfg.ConfigFile)
	if err != nil {
		return err
	}
	if *creditor != "" {
		if _, ok := config.NewDirectory(cfgFile).Creditor(*creditor); !ok {
			return fmt.Errorf("unknown creditor %q: add it to the QUITA_CONFIG file, or leave --creditor out", *creditor)
		}
	}
	st, closeStore, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	x := &portfolio.Exporter{Store: st, DefaultZone: cfg.Timezone}
	if *out == "" {
		_, err := x.Write(ctx, stdout, f, *creditor)
		return err
	}
	// Written beside the target and renamed, so that a failed export
	// leaves no half file (nor half of the previous one).
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".quita-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := x.Write(ctx, tmp, f, *creditor)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d debts written to %s\n", n, *out)
	return nil
}
