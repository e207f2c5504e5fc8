package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quita-bot/quita/bot/metrics"
	"github.com/quita-bot/quita/chatwoot"
	"github.com/quita-bot/quita/storage"
)

func init() {
	register(command{name: "status", summary: "queues, retries, dead letters, reminders, handoffs and Redis memory against the alert thresholds", run: runStatus})
}

const statusUsage = `Usage: quita status [--json] [--url http://127.0.0.1:8080] [--redis URL] [--prefix quita]

Reads the service's Redis and prints, for an on-call engineer, each queue's
figures and a verdict (ok or WARN) held against the thresholds of
deploy/alerts.yml (bot/metrics/limits.go); a WARN names its alert and its
RUNBOOK.md section. Alerts wait their "for:" before firing, status does not.
With --url it also asks that process's /readyz (Redis and channels).

Exit status: 0 when every item is ok, 1 when any is WARN (the reasons go to
stderr) or Redis cannot be read.`

func runStatus(ctx context.Context, args []string) error {
	return statusMain(ctx, args, os.Stdout, os.Stderr, time.Now)
}

// statusReport is what quita status prints, as a table or as one JSON object.
type statusReport struct {
	OK       bool            `json:"ok"`
	At       time.Time       `json:"at"`
	Redis    string          `json:"redis"` // password hidden
	Prefix   string          `json:"prefix"`
	Figures  metrics.Figures `json:"figures"`
	Checks   []metrics.Check `json:"checks"`
	Ready    *readyzResult   `json:"readyz,omitempty"`
	Problems []string        `json:"problems"` // every WARN's reason

	// Templates are the WhatsApp templates' statuses at Meta (quita whatsapp templates sync).
	Templates []storage.TemplateStatus `json:"whatsapp_templates,omitempty"`

	// Chatwoot is the Chatwoot bridge's figures, when it has run.
	Chatwoot *chatwoot.Status `json:"chatwoot,omitempty"`
}

func statusMain(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), statusUsage); fs.PrintDefaults() }
	var src opsRedis
	if err := src.addFlags(fs); err != nil {
		return err
	}
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	readyURL := fs.String("url", "", "base URL of a quita serve whose /readyz to check too (e.g. http://127.0.0.1:8080)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for Redis and /readyz")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rdb, err := src.connect(ctx, stderr)
	if err != nil {
		return err
	}
	defer rdb.Close()
	rep := statusReport{At: now().UTC(), Redis: storage.RedactURL(src.url), Prefix: src.prefix}
	rep.Figures, err = metrics.ReadFigures(ctx, rdb, metrics.SourcesFor(storage.Keys{Prefix: src.prefix}), rep.At)
	if err != nil {
		return fmt.Errorf("%w (QuitaRedisDown, RUNBOOK.md#quitaredisdown)", err)
	}
	rep.Checks = rep.Figures.Checks()
	for _, c := range rep.Checks {
		if !c.OK {
			rep.Problems = append(rep.Problems, c.Item+": "+c.Reason())
		}
	}
	if rep.Templates, err = storage.New(rdb, src.prefix).TemplateStatuses(ctx); err != nil {
		return err
	}
	_, tplProblems := templateFigures(rep.Templates)
	rep.Problems = append(rep.Problems, tplProblems...)
	if cw, ran, err := chatwoot.ReadStatus(ctx, rdb, src.prefix, rep.At); err != nil {
		return err
	} else if ran {
		rep.Chatwoot = &cw
		if p := cw.Problem(); p != "" {
			rep.Problems = append(rep.Problems, "chatwoot: "+p)
		}
	}
	if *readyURL != "" {
		r := checkReadyz(ctx, *readyURL)
		rep.Ready = &r
		if !r.OK {
			rep.Problems = append(rep.Problems, "readyz: "+r.Problem)
		}
	}
	rep.OK = len(rep.Problems) == 0
	if rep.Problems == nil {
		rep.Problems = []string{}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printStatus(stdout, rep)
	}
	if !rep.OK {
		return fmt.Errorf("%d WARN:\n  %s", len(rep.Problems), strings.Join(rep.Problems, "\n  "))
	}
	return nil
}

// printStatus writes the table: one row per item, its figures, its verdict.
func printStatus(w io.Writer, rep statusReport) {
	fmt.Fprintf(w, "quita status at %s, redis %s, prefix %s\n\n", rep.At.Format(time.RFC3339), rep.Redis, rep.Prefix)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ITEM\tFIGURES\tVERDICT")
	f, sec := rep.Figures, metrics.FormatSeconds
	row := func(item, figures string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", item, figures, verdict(rep.Checks, item)) }
	for _, s := range f.Streams {
		row("stream "+s.Name, fmt.Sprintf("length %d, pending %d, oldest %s, oldest in flight %s",
			s.Length, s.Pending, sec(s.OldestAgeSeconds), sec(s.OldestPendingAgeSeconds)))
	}
	row("retries", fmt.Sprintf("%d waiting, most overdue %s", f.RetryWaiting, sec(f.RetryOverdueSeconds)))
	row("dead letters", fmt.Sprintf("%d (quita dead list)", f.DeadLetters))
	row("reminders", fmt.Sprintf("%d due, most overdue %s", f.RemindersDue, sec(f.RemindersOverdueSeconds)))
	row("handoff queue", fmt.Sprintf("%d waiting, oldest wait %s", f.HandoffWaiting, sec(f.HandoffOldestWaitSeconds)))
	if r := f.Redis; r.Known {
		row("redis", redisMemoryFigures(r))
	}
	if len(rep.Templates) > 0 {
		figures, problems := templateFigures(rep.Templates)
		v := "ok"
		if len(problems) > 0 {
			v = fmt.Sprintf("WARN: %d need you; their messages take the fallback (RUNBOOK.md#whatsapp-template-rejected-or-paused)", len(problems))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", templatesItem, figures, v)
	}
	if cw := rep.Chatwoot; cw != nil {
		v := "ok"
		if p := cw.Problem(); p != "" {
			v = "WARN: " + p
		}
		figures := fmt.Sprintf("%d queued, oldest %s, %d mirrored, %d webhooks to apply, %d errors", cw.Queued, sec(cw.OldestDueSec),
			cw.Mirrored, cw.Webhooks, cw.Errors)
		if cw.LastError != "" {
			figures += fmt.Sprintf(" (last %s: %s)", cw.LastErrorAt.Format(time.RFC3339), cw.LastError)
		}
		fmt.Fprintf(tw, "chatwoot\t%s\t%s\n", figures, v)
	}
	if r := rep.Ready; r != nil {
		v := "ok"
		if !r.OK {
			v = "WARN: " + r.Problem
		}
		fmt.Fprintf(tw, "readyz\t%s\t%s\n", r.Summary(), v)
	}
	tw.Flush()
	if rep.OK {
		fmt.Fprintln(w, "\nall ok")
	} else {
		fmt.Fprintf(w, "\n%d WARN: see RUNBOOK.md\n", len(rep.Problems))
	}
}

// redisMemoryFigures is the server's memory against its limit and policy.
func redisMemoryFigures(r metrics.RedisServer) string {
	if r.MaxMemoryBytes <= 0 {
		return fmt.Sprintf("memory %s, no maxmemory (bounded by the host)", mib(r.UsedMemoryBytes))
	}
	return fmt.Sprintf("memory %s of %s (%.0f%%), maxmemory-policy %s",
		mib(r.UsedMemoryBytes), mib(r.MaxMemoryBytes), 100*r.MemoryUsedRatio(), r.MaxMemoryPolicy)
}

// verdict is "ok", or "WARN: " and the reasons of the item's failed checks.
func verdict(checks []metrics.Check, item string) string {
	var why []string
	for _, c := range checks {
		if c.Item == item && !c.OK {
			why = append(why, c.Reason())
		}
	}
	if len(why) == 0 {
		return "ok"
	}
	return "WARN: " + strings.Join(why, "; ")
}

// readyzResult is one process's GET /readyz.
type readyzResult struct {
	URL      string            `json:"url"`
	Code     int               `json:"code"`
	Status   string            `json:"status"`
	Redis    string            `json:"redis"`
	Channels map[string]string `json:"channels"`
	OK       bool              `json:"ok"`
	Problem  string            `json:"problem,omitempty"`
}

// Summary is the result on one line: "ready: redis ok, sms configured".
func (r readyzResult) Summary() string {
	if r.Code == 0 {
		return r.URL + ": no answer"
	}
	parts := []string{"redis " + r.Redis}
	names := make([]string, 0, len(r.Channels))
	for n := range r.Channels {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		parts = append(parts, n+" "+r.Channels[n])
	}
	return r.Status + ": " + strings.Join(parts, ", ")
}

// checkReadyz asks base's /readyz (base may already end in /readyz).
func checkReadyz(ctx context.Context, base string) readyzResult {
	url := strings.TrimRight(base, "/")
	if !strings.HasSuffix(url, "/readyz") {
		url += "/readyz"
	}
	r := readyzResult{URL: url}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		r.Problem = fmt.Sprintf("bad --url %q: %v", base, err)
		return r
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.Problem = fmt.Sprintf("no answer from %s: %v (QuitaTargetDown, RUNBOOK.md#quitatargetdown)", url, err)
		return r
	}
	defer resp.Body.Close()
	r.Code = resp.StatusCode
	var body struct {
		Status   string            `json:"status"`
		Redis    string            `json:"redis"`
		Channels map[string]string `json:"channels"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body); err != nil || body.Status == "" {
		r.Problem = fmt.Sprintf("%d from %s, not /readyz's JSON: is --url a quita serve?", r.Code, url)
		return r
	}
	r.Status, r.Redis, r.Channels = body.Status, body.Redis, body.Channels
	r.OK = resp.StatusCode == http.StatusOK
	if !r.OK {
		r.Problem = notReadyReason(r)
	}
	return r
}

// notReadyReason names what /readyz says is wrong and where to look.
func notReadyReason(r readyzResult) string {
	if r.Redis != "" && r.Redis != "ok" {
		return fmt.Sprintf("%d from %s, redis %s (QuitaRedisDown, RUNBOOK.md#quitaredisdown)", r.Code, r.URL, r.Redis)
	}
	var bad []string
	for n, st := range r.Channels {
		bad = append(bad, n+" "+st)
	}
	sort.Strings(bad)
	if len(bad) == 0 {
		return fmt.Sprintf("%d from %s", r.Code, r.URL)
	}
	return fmt.Sprintf("%d from %s: channels %s (QuitaChannelNotReady, RUNBOOK.md#quitachannelnotready)",
		r.Code, r.URL, strings.Join(bad, ", "))
}
