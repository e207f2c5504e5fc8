package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
)

func init() {
	register(command{name: "dead", summary: "dead-lettered inbound messages: dead list | export | clear", run: runDead})
}

const deadUsage = `Usage:
  quita dead list [--json] [--limit N] [--show-phones]
      The inbound messages that could not be decoded and were set aside
      (<prefix>:dead), oldest first; phone numbers masked unless --show-phones.
  quita dead export FILE.jsonl
      Write every dead letter, as stored (phones included), one JSON object
      a line, to a new file readable only by you. Do this before clear.
  quita dead clear --yes
      Empty the list for good and print how many were removed.

Each flag set also takes --redis URL (default $REDIS_URL) and --prefix
(default $QUITA_REDIS_PREFIX or quita). See RUNBOOK.md#quitadeadletters.`

func runDead(ctx context.Context, args []string) error {
	return deadMain(ctx, args, os.Stdout, os.Stderr)
}

func deadMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, deadUsage)
		if len(args) == 0 {
			return errors.New("name a subcommand: list, export or clear")
		}
		return nil
	}
	sub := args[0]
	fs := flag.NewFlagSet("dead "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), deadUsage); fs.PrintDefaults() }
	var src opsRedis
	if err := src.addFlags(fs); err != nil {
		return err
	}
	var run func(*storage.Store) error
	switch sub {
	case "list":
		asJSON := fs.Bool("json", false, "print one JSON object {total, entries}")
		limit := fs.Int("limit", 50, "show at most N entries, oldest first (0: all)")
		show := fs.Bool("show-phones", false, "show phone numbers in full")
		run = func(st *storage.Store) error { return deadList(ctx, st, stdout, *limit, *asJSON, *show) }
	case "export":
		run = func(st *storage.Store) error { return deadExport(ctx, st, stdout, fs.Arg(0)) }
	case "clear":
		yes := fs.Bool("yes", false, "really delete every dead letter")
		run = func(st *storage.Store) error { return deadClear(ctx, st, stdout, *yes) }
	default:
		return fmt.Errorf("unknown subcommand %q: use list, export or clear (quita dead -h)", sub)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case sub == "export" && fs.NArg() != 1:
		return errors.New("name one file to write, after the flags: quita dead export [--redis URL] FILE.jsonl")
	case sub != "export" && fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (see quita dead -h)", fs.Arg(0))
	}
	rdb, err := src.connect(ctx, stderr)
	if err != nil {
		return err
	}
	defer rdb.Close()
	return run(storage.New(rdb, src.prefix))
}

func deadList(ctx context.Context, st *storage.Store, w io.Writer, limit int, asJSON, showPhones bool) error {
	entries, total, err := st.DeadLetterList(ctx, limit)
	if err != nil {
		return err
	}
	if !showPhones {
		for i, e := range entries {
			entries[i] = storage.DeadLetterEntry{Conversation: maskPhones(e.Conversation), Raw: maskPhones(e.Raw)}
		}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Total   int64                     `json:"total"`
			Entries []storage.DeadLetterEntry `json:"entries"`
		}{total, entries})
	}
	if total == 0 {
		fmt.Fprintln(w, "no dead letters")
		return nil
	}
	note := "phones masked; --show-phones to see them"
	if showPhones {
		note = "phones shown: personal data"
	}
	fmt.Fprintf(w, "%d dead letters, showing %d oldest first (%s)\n\n", total, len(entries), note)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tCONVERSATION\tRAW")
	for i, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", i+1, printable(e.Conversation, 40), printable(e.Raw, 100))
	}
	tw.Flush()
	if int64(len(entries)) < total {
		fmt.Fprintf(w, "\n%d more: --limit 0 shows all, quita dead export FILE.jsonl saves all\n", total-int64(len(entries)))
	}
	return nil
}

func deadExport(ctx context.Context, st *storage.Store, w io.Writer, path string) error {
	entries, _, err := st.DeadLetterList(ctx, 0)
	if err != nil {
		return err
	}
	// A new file only: an earlier export is never overwritten; 0600 because
	// the entries carry phones and messages (personal data).
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists: choose another file name", path)
		}
		return fmt.Errorf("create the export file: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(w, "wrote %d dead letters to %s (phones and messages: personal data; delete the file when done)\n", len(entries), path)
	return nil
}

func deadClear(ctx context.Context, st *storage.Store, w io.Writer, yes bool) error {
	if !yes {
		_, total, err := st.DeadLetterList(ctx, 1)
		if err != nil {
			return err
		}
		return fmt.Errorf("clear deletes the %d dead letters for good: save them first with quita dead export FILE.jsonl, then run quita dead clear --yes", total)
	}
	removed, err := st.ClearDeadLetters(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "removed %d dead letters\n", len(removed))
	return nil
}

// phoneLike finds E.164 numbers in free text (a dead letter's raw JSON).
var phoneLike = regexp.MustCompile(`\+[0-9]{8,15}`)

// maskPhones hides the middle of every phone number in s (channels.MaskPhone).
func maskPhones(s string) string { return phoneLike.ReplaceAllStringFunc(s, channels.MaskPhone) }

// printable keeps a table cell on one line and safe for a terminal: control
// characters and broken UTF-8 (a dead letter may hold anything) become '?',
// and long text is cut.
func printable(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
