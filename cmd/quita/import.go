package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/portfolio"
	"github.com/quita-bot/quita/storage"
)

func init() {
	register(command{name: "import", summary: "import a portfolio CSV or XLSX (debts) into Redis", run: runImport})
}

// openStore connects to REDIS_URL or, when unset, opens the embedded data
// dir snapshot (the one `quita serve` loads at start). The returned close
// writes the snapshot back in embedded mode.
func openStore(ctx context.Context, cfg config.Config, stderr io.Writer) (*storage.Store, func() error, error) {
	url := cfg.RedisURL
	var emb *storage.Embedded
	if cfg.Embedded() {
		var err error
		if emb, err = storage.StartEmbedded(cfg.DataDir); err != nil {
			return nil, nil, err
		}
		url = emb.URL()
		fmt.Fprintf(stderr, "REDIS_URL is not set: using the embedded data in %s.\n"+
			"  Stop `quita serve` first (it rewrites that file when it stops), or send the debts to a running\n"+
			"  server with POST /api/v1/debts, or set REDIS_URL to the Redis your servers share.\n", storage.SnapshotPath(cfg.DataDir))
	}
	rdb, err := storage.Connect(ctx, url)
	if err != nil {
		if emb != nil {
			emb.Close()
		}
		return nil, nil, err
	}
	closeAll := func() error {
		err := rdb.Close()
		if emb != nil {
			err = errors.Join(err, emb.Close())
		}
		return err
	}
	return storage.New(rdb, cfg.RedisPrefix), closeAll, nil
}

func runImport(ctx context.Context, args []string) error {
	return importMain(ctx, args, os.Stdout, os.Stderr, time.Now)
}

func importMain(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "validate only; write nothing")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	encoding := fs.String("encoding", "", "a CSV's encoding: utf-8 or windows-1252 (default: UTF-8 when the file is, else Windows-1252)")
	sheet := fs.String("sheet", "", "the sheet of an .xlsx to read (default: the first)")
	mapping := fs.String("map", "", `headers quita does not know: "Nome do Cliente=debtor_name,Valor em aberto=amount" (=- skips one)`)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: quita import [-dry-run] [-json] [--encoding utf-8|windows-1252] [--sheet NAME] [--map \"Header=column,…\"] FILE.csv|FILE.xlsx\n\n"+
			"Columns (header line, comma or semicolon separated, or the first row of the sheet):\n  %s\n"+
			"Required: creditor, debtor_name, cpf, phone, invoice, amount, due_date. Portuguese headers are read too\n"+
			"(credor, nome, cpf, telefone, fatura, valor, vencimento…; see the README's alias table).\n"+
			"A row with any error is reported by line and field and not imported; a known\n"+
			"(creditor, invoice) is updated in place. Writes to REDIS_URL (or the embedded data dir).\n\n",
			strings.Join(portfolio.Columns, ", "))
		fs.PrintDefaults()
	}
	path, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	enc, err := portfolio.ParseEncoding(*encoding)
	if err != nil {
		return err
	}
	m, err := portfolio.ParseMap(*mapping)
	if err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	cfgFile, err := config.LoadFile(cfg.ConfigFile)
	if err != nil {
		return err
	}
	dir := config.NewDirectory(cfgFile)
	known := func(id string) bool { _, ok := dir.Creditor(id); return ok }
	// A CSV is counted (for the progress bar) and checked for its encoding
	// first, then read as it is written: a large portfolio is never held
	// in memory.
	file, headerErrs, err := portfolio.OpenPath(path, portfolio.ReadOptions{Encoding: enc, Sheet: *sheet, Map: m})
	if err != nil {
		return err
	}
	if file == nil {
		if err := printSummary(stdout, portfolio.Summary{Errors: headerErrs}, *asJSON, *dry); err != nil {
			return err
		}
		return errors.New("the header line is not usable; fix the columns named above (nothing was imported)")
	}
	defer file.Close()
	for _, n := range file.Notes() {
		fmt.Fprintln(stderr, n)
	}
	if *dry {
		sum := (&portfolio.Importer{Creditors: known}).Check(file.Rows(), file.Errors)
		sum.Notes = file.Notes()
		return printSummary(stdout, sum, *asJSON, true)
	}
	st, closeStore, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	cads, _, err := reminderParts(dir)
	if err != nil {
		return err
	}
	b := bot.New(st, nil, dir, slog.New(slog.DiscardHandler), now, bot.Options{})
	sched := bot.NewScheduler(b, &bot.Compliance{Store: st, Default: bot.PresetBR}, cads, bot.SchedulerOptions{})
	im := &portfolio.Importer{Store: st, Creditors: known, FirstReminder: sched.FirstReminder}
	started := time.Now()
	bar := progressBar(stderr, started)
	sum, err := im.ImportSeq(ctx, file.Rows(), file.Total(), file.Errors, bar)
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	sum.Notes = file.Notes()
	if err := printSummary(stdout, sum, *asJSON, false); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d debts written in %s\n", sum.Created+sum.Updated, time.Since(started).Round(time.Millisecond))
	if sum.Failed > 0 {
		return fmt.Errorf("%d rows refused; fix them and import the file again (imported rows are updated, not duplicated)", sum.Failed)
	}
	return nil
}

// parseWithFile parses flags given before or after the one file named
// (quita import planilha.xlsx --sheet Devedores reads as the user meant).
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	rest := fs.Args()
	if len(rest) > 1 && strings.HasPrefix(rest[1], "-") {
		if err := fs.Parse(rest[1:]); err != nil {
			return "", err
		}
		rest = append(rest[:1], fs.Args()...)
	}
	if len(rest) != 1 {
		fs.Usage()
		return "", errors.New("name one CSV or XLSX file")
	}
	return rest[0], nil
}

// progressBar draws "[#####-----] 50% 5000/10000" on stderr.
func progressBar(w io.Writer, started time.Time) func(done, total int) {
	return func(done, total int) {
		if total == 0 {
			return
		}
		const width = 30
		n := done * width / total
		rate := float64(done) / max(time.Since(started).Seconds(), 1e-3)
		fmt.Fprintf(w, "\r[%s%s] %3d%% %d/%d (%.0f debts/s)", strings.Repeat("#", n), strings.Repeat("-", width-n), done*100/total, done, total, rate)
	}
}

func printSummary(w io.Writer, sum portfolio.Summary, asJSON, dry bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	for _, e := range sum.Errors {
		fmt.Fprintf(w, "line %d: %s: %s\n", e.Line, e.Field, e.Message)
	}
	if dry {
		fmt.Fprintf(w, "%d rows checked, %d with errors (dry run: nothing written)\n", sum.Rows, sum.Failed)
		return nil
	}
	fmt.Fprintf(w, "%d rows: %d created, %d updated, %d refused\n", sum.Rows, sum.Created, sum.Updated, sum.Failed)
	return nil
}
