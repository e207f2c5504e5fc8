package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
)

func init() {
	register(command{name: "archive", summary: "the long-term archive: archive migrate | status | trim | backfill", run: runArchive})
}

const archiveUsage = `Usage:
  quita archive migrate
      Apply the archive's schema migrations it lacks (quita serve also does at start).
  quita archive status
      The archive's schema version and each table's rows.
  quita archive trim [--redis URL] [--prefix P]
      Trim now (quita serve does hourly): transcripts of conversations closed
      (opted out, wrong number, everything paid; quiet for a day) or idle
      longer than QUITA_HOT_DAYS leave Redis once the archive holds them all.
  quita archive backfill [--redis URL] [--prefix P]
      Archive what the Redis already holds: every conversation's transcript,
      the debtors and debts, agreements and opt-outs (safe to repeat).

The archive is QUITA_ARCHIVE_URL (postgres://…), or SQLite in $QUITA_DATA_DIR
(archive.db) when it is not set (README.md#archive).`

func runArchive(ctx context.Context, args []string) error {
	return archiveMain(ctx, args, os.Stdout, os.Stderr)
}

func archiveMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, archiveUsage)
		if len(args) == 0 {
			return errors.New("name a subcommand: migrate, status, trim or backfill")
		}
		return nil
	}
	sub := args[0]
	fs := flag.NewFlagSet("archive "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), archiveUsage); fs.PrintDefaults() }
	var src opsRedis
	if sub == "backfill" || sub == "trim" {
		if err := src.addFlags(fs); err != nil {
			return err
		}
	}
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	db, migrated, err := openArchive(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "migrate":
		fmt.Fprintf(stdout, "archive: %s\n", db)
		if len(migrated) == 0 {
			fmt.Fprintln(stdout, "schema is current")
		}
		for _, m := range migrated {
			fmt.Fprintln(stdout, "applied", m)
		}
		return nil
	case "status":
		return archiveStatus(ctx, db, stdout)
	case "backfill":
		return archiveBackfill(ctx, db, &src, stdout, stderr)
	case "trim":
		rdb, err := src.connect(ctx, stderr)
		if err != nil {
			return err
		}
		defer rdb.Close()
		t := &archive.Trimmer{Store: storage.New(rdb, src.prefix), DB: db, HotDays: cfg.HotDays}
		st, err := t.TrimOnce(ctx)
		fmt.Fprintf(stdout, "looked at %d conversations, trimmed %d (%d messages left Redis)\n", st.Seen, st.Trimmed, st.Messages)
		return err
	}
	fs.Usage()
	return fmt.Errorf("unknown subcommand %q: migrate, status, trim or backfill", sub)
}

// openArchive opens and migrates the archive the configuration names; it
// returns the migrations it applied.
func openArchive(ctx context.Context, cfg config.Config) (*archive.DB, []string, error) {
	db, err := archive.Open(ctx, cfg.ArchiveURL, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, applied, nil
}

func archiveStatus(ctx context.Context, db *archive.DB, stdout io.Writer) error {
	v, err := db.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "archive: %s (schema %d)\n", db, v)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS")
	for _, t := range archive.Tables {
		n, err := db.Count(ctx, t)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\n", t, n)
	}
	return tw.Flush()
}

// archiveBackfill archives what the Redis holds, showing its progress.
func archiveBackfill(ctx context.Context, db *archive.DB, src *opsRedis, stdout, stderr io.Writer) error {
	rdb, err := src.connect(ctx, stderr)
	if err != nil {
		return err
	}
	defer rdb.Close()
	st := storage.New(rdb, src.prefix)
	fmt.Fprintf(stderr, "archive: %s\n", db)
	last := ""
	stats, err := archive.Backfill(ctx, st, db, func(stage string, done, total int64) {
		if stage != last && last != "" {
			fmt.Fprintln(stderr)
		}
		last = stage
		if total >= 0 {
			fmt.Fprintf(stderr, "\r%-14s %d/%d", stage, done, total)
		} else {
			fmt.Fprintf(stderr, "\r%-14s %d", stage, done)
		}
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return fmt.Errorf("backfill stopped (run it again: it resumes safely): %w", err)
	}
	fmt.Fprintf(stdout, "archived %d conversations (%d messages), %d debts, %d opt-outs\n",
		stats.Conversations, stats.Messages, stats.Debts, stats.OptOuts)
	return nil
}
