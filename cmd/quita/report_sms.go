package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/quita-bot/quita/locales"
)

// smsRow is one line of quita report sms: the segments of a kind of
// message (bot answer or reminder) in a language and encoding.
type smsRow struct {
	Lang        string  `json:"lang"`
	Encoding    string  `json:"encoding"`
	Kind        string  `json:"kind"`     // answer | reminder
	Messages    int     `json:"messages"` // renderings counted: each message with plain and with accented values
	BeforeMean  float64 `json:"before_mean_segments"`
	BeforeMax   int     `json:"before_max_segments"`
	AfterMean   float64 `json:"after_mean_segments"`
	AfterMax    int     `json:"after_max_segments"`
	BeforeTotal int     `json:"before_total_segments"`
	AfterTotal  int     `json:"after_total_segments"`
}

// smsTable groups locales.SMSCounts by language, encoding and kind.
func smsTable(counts []locales.SMSCount) []smsRow {
	var rows []smsRow
	index := map[[3]string]int{}
	for _, c := range counts {
		kind := "answer"
		if c.Reminder {
			kind = "reminder"
		}
		k := [3]string{c.Lang, c.Encoding, kind}
		i, ok := index[k]
		if !ok {
			i = len(rows)
			index[k] = i
			rows = append(rows, smsRow{Lang: c.Lang, Encoding: c.Encoding, Kind: kind})
		}
		r := &rows[i]
		r.Messages++
		r.BeforeTotal += c.Before
		r.AfterTotal += c.After
		r.BeforeMax = max(r.BeforeMax, c.Before)
		r.AfterMax = max(r.AfterMax, c.After)
	}
	for i := range rows {
		r := &rows[i]
		r.BeforeMean = float64(r.BeforeTotal) / float64(r.Messages)
		r.AfterMean = float64(r.AfterTotal) / float64(r.Messages)
	}
	return rows
}

func smsReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := reportFlags("sms", stderr)
	asJSON := fs.Bool("json", false, "print JSON: the table and every message's count")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	counts := locales.SMSCounts()
	rows := smsTable(counts)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"rows": rows, "messages": counts})
	}
	fmt.Fprintln(stdout, "SMS segments per message, rendered with the longest realistic values (plain and accented names):")
	fmt.Fprintln(stdout, "before = the WhatsApp text sent by SMS, after = the SMS forms (locales/*.sms.json).")
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "lang\tencoding\tkind\tmessages\tbefore mean\tbefore max\tafter mean\tafter max\tsaved")
	for _, r := range rows {
		saved := 0.0
		if r.BeforeTotal > 0 {
			saved = 100 * float64(r.BeforeTotal-r.AfterTotal) / float64(r.BeforeTotal)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.2f\t%d\t%.2f\t%d\t%.0f%%\n", r.Lang, r.Encoding, r.Kind, r.Messages,
			r.BeforeMean, r.BeforeMax, r.AfterMean, r.AfterMax, saved)
	}
	return tw.Flush()
}
