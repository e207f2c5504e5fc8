package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // --tz works on machines without a zoneinfo database

	"github.com/quita-bot/quita/dialogs/nlu"
)

func init() {
	register(command{
		name:    "classify",
		summary: "read messages (one per line) on stdin, print their intent, entities and flags as JSON lines; --eval FILE.jsonl measures a labelled set",
		run:     runClassify,
	})
}

func runClassify(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	lang := fs.String("lang", "", "language of the messages: pt, es or en (default: detect each message)")
	today := fs.String("today", "", "the conversation's today, YYYY-MM-DD (default: today in --tz)")
	tz := fs.String("tz", "America/Sao_Paulo", "the conversation's time zone (IANA name)")
	eval := fs.String("eval", "", "measure a labelled JSON-lines file (dialogs/nlu/testdata/LABELS.md) and exit non-zero below the targets; --today defaults to the corpus's "+evalToday)
	// CI guards the figures reached so far with these (a regression fails);
	// without them the targets are issue 19's.
	minIntent := fs.Float64("min-intent-accuracy", 100*issue19Targets.intentAccuracy, "with --eval: the least intent accuracy, in percent")
	minDistress := fs.Float64("min-distress-recall", 100*issue19Targets.distressRecall, "with --eval: the least distress recall, in percent")
	minStop := fs.Float64("min-stop-recall", 100*issue19Targets.stopRecall, "with --eval: the least stop_contact (opt-out) recall, in percent")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: quita classify [--lang pt|es|en] [--today YYYY-MM-DD] [--tz America/Sao_Paulo] < messages.txt\n       quita classify --eval FILE.jsonl [--lang pt|es|en] [--today YYYY-MM-DD] [--tz America/Sao_Paulo]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *lang {
	case "", "pt", "es", "en":
	default:
		return fmt.Errorf("--lang %q: use pt, es or en (or leave it out to detect)", *lang)
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("--tz %q: %w (use an IANA name such as America/Sao_Paulo)", *tz, err)
	}
	now := time.Now().In(loc)
	if *eval != "" && *today == "" {
		*today = evalToday
	}
	if *today != "" {
		d, err := time.ParseInLocation("2006-01-02", *today, loc)
		if err != nil {
			return fmt.Errorf("--today %q: want YYYY-MM-DD", *today)
		}
		now = d.Add(12 * time.Hour)
	}
	opt := nlu.Options{Lang: *lang, Today: now}
	if *eval != "" {
		lines, err := readEvalFile(*eval)
		if err != nil {
			return err
		}
		t := issue19Targets
		for _, f := range []struct {
			name string
			v    float64
			to   *float64
		}{{"min-intent-accuracy", *minIntent, &t.intentAccuracy}, {"min-distress-recall", *minDistress, &t.distressRecall}, {"min-stop-recall", *minStop, &t.stopRecall}} {
			if f.v < 0 || f.v > 100 {
				return fmt.Errorf("--%s %g: give a percentage from 0 to 100", f.name, f.v)
			}
			*f.to = f.v / 100
		}
		return evaluate(os.Stdout, *eval, lines, opt, t)
	}
	return classifyLines(ctx, os.Stdin, os.Stdout, opt)
}

// evalToday is the today of the labelled corpus (dialogs/nlu/testdata/LABELS.md).
const evalToday = "2026-11-26"

// classifyLines prints one JSON object per input line.
func classifyLines(ctx context.Context, in io.Reader, out io.Writer, opt nlu.Options) error {
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := enc.Encode(nlu.Classify(sc.Text(), opt)); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return nil
}
