package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Limit is the threshold of one alert in deploy/alerts.yml that `quita
// status` applies too, so that the command and the pager agree;
// alerts_test.go fails when the alert's expr and the number here differ.
type Limit struct {
	Alert  string  // the alert's name in deploy/alerts.yml (and its RUNBOOK.md section)
	Series string  // the series the alert compares, as its expr writes it
	Max    float64 // fine up to and including this
	Secs   bool    // the figure is in seconds (else a count)
}

// The limits `quita status` checks. Each alert waits its own `for:` before
// firing; status reports the moment, so a WARN there may not page (yet).
var (
	InboundBacklog   = Limit{"QuitaInboundBacklog", `quita_queue_oldest_age_seconds{stream="in"}`, 60, true}
	OutboundBacklog  = Limit{"QuitaOutboundBacklog", `quita_queue_oldest_age_seconds{stream="out"}`, 900, true}
	ActionsBacklog   = Limit{"QuitaActionsBacklog", `quita_queue_oldest_age_seconds{stream="actions"}`, 300, true}
	InFlightStuck    = Limit{"QuitaInFlightStuck", `quita_queue_oldest_pending_age_seconds`, 600, true}
	RetriesOverdue   = Limit{"QuitaRetriesOverdue", `quita_outbound_retry_overdue_seconds`, 300, true}
	DeadLetters      = Limit{"QuitaDeadLetters", `quita_dead_letters`, 0, false}
	RemindersOverdue = Limit{"QuitaRemindersOverdue", `quita_reminders_overdue_seconds`, 1800, true}
	HandoffWaiting   = Limit{"QuitaHandoffWaiting", `quita_handoff_oldest_wait_seconds`, 4 * 3600, true}
	RedisMemoryHigh  = Limit{"QuitaRedisMemoryHigh", `quita_redis_memory_used_ratio`, 0.85, false}
	ArchiveLag       = Limit{"QuitaArchiveLag", `quita_archive_lag_seconds`, 900, true}
)

// Limits lists every limit above.
func Limits() []Limit {
	return []Limit{InboundBacklog, OutboundBacklog, ActionsBacklog, InFlightStuck, RetriesOverdue,
		DeadLetters, RemindersOverdue, HandoffWaiting, RedisMemoryHigh, ArchiveLag}
}

// backlogLimits are the streams' oldest-entry limits by stream name.
var backlogLimits = map[string]Limit{"in": InboundBacklog, "out": OutboundBacklog, "actions": ActionsBacklog}

// Check is one figure held against its limit.
type Check struct {
	Item   string  `json:"item"`   // what it is about: "stream in", "retries", …
	Figure string  `json:"figure"` // which of its figures: "oldest entry", …
	Value  float64 `json:"value"`
	Max    float64 `json:"max"`
	Alert  string  `json:"alert"`
	OK     bool    `json:"ok"`
	secs   bool
}

// Reason says why a check is not ok, naming the alert and its runbook section.
func (c Check) Reason() string {
	return fmt.Sprintf("%s %s > %s (%s, RUNBOOK.md#%s)", c.Figure, c.format(c.Value), c.format(c.Max), c.Alert, Anchor(c.Alert))
}

func (c Check) format(v float64) string {
	if c.secs {
		return FormatSeconds(v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// FormatSeconds prints a figure in seconds the way people read a delay: 1m30s.
func FormatSeconds(v float64) string {
	return time.Duration(v * float64(time.Second)).Round(time.Second).String()
}

// Checks holds every figure against its limit, in the order of Figures.
func (f Figures) Checks() []Check {
	check := func(item, figure string, v float64, l Limit) Check {
		return Check{Item: item, Figure: figure, Value: v, Max: l.Max, Alert: l.Alert, OK: v <= l.Max, secs: l.Secs}
	}
	var out []Check
	for _, s := range f.Streams {
		item := "stream " + s.Name
		if l, ok := backlogLimits[s.Name]; ok {
			out = append(out, check(item, "oldest entry", s.OldestAgeSeconds, l))
		}
		out = append(out, check(item, "oldest in flight", s.OldestPendingAgeSeconds, InFlightStuck))
	}
	out = append(out,
		check("retries", "most overdue", f.RetryOverdueSeconds, RetriesOverdue),
		check("dead letters", "entries", float64(f.DeadLetters), DeadLetters),
		check("reminders", "most overdue", f.RemindersOverdueSeconds, RemindersOverdue),
		check("handoff queue", "oldest wait", f.HandoffOldestWaitSeconds, HandoffWaiting),
		check("archive", "oldest unarchived change", f.ArchiveLagSeconds, ArchiveLag))
	if f.Redis.MaxMemoryBytes > 0 { // without a limit there is nothing to run out of but the host
		ratio := math.Round(f.Redis.MemoryUsedRatio()*1000) / 1000 // reads as 0.913, not 0.91298…
		out = append(out, check("redis", "memory used of maxmemory", ratio, RedisMemoryHigh))
	}
	return out
}

// Anchor is the GitHub anchor of a Markdown heading: lower case, spaces to
// '-', punctuation other than '-' and '_' dropped.
func Anchor(heading string) string {
	var b []rune
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b = append(b, '-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b = append(b, r)
		}
	}
	return string(b)
}
