package console

import (
	"context"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// registerStats counts, per day, what the dashboard charts, from the
// dialog's actions.
func registerStats(b *bot.Bot, st *storage.Store, now func() time.Time) {
	count := func(deltas func(a dialogs.Action) map[string]int64) bot.ActionHandler {
		return func(ctx context.Context, _ string, a dialogs.Action) error {
			return st.IncrStats(ctx, now(), deltas(a))
		}
	}
	b.OnAction(dialogs.ActCreateAgreement, count(func(a dialogs.Action) map[string]int64 {
		m := map[string]int64{"agreements": 1}
		if a.Agreement != nil {
			m["agreed_cents"] = a.Agreement.TotalCents
		}
		return m
	}))
	b.OnAction(dialogs.ActRecordPromise, count(func(dialogs.Action) map[string]int64 { return map[string]int64{"promises": 1} }))
	b.OnAction(dialogs.ActOptOut, count(func(dialogs.Action) map[string]int64 { return map[string]int64{"optouts": 1} }))
	b.OnAction(dialogs.ActHandoff, count(func(a dialogs.Action) map[string]int64 {
		return map[string]int64{"handoffs": 1, "handoff:" + a.Reason: 1}
	}))
	b.OnAction(dialogs.ActOutcome, count(func(a dialogs.Action) map[string]int64 {
		m := map[string]int64{"outcome:" + a.Reason: 1}
		if a.Step != "" {
			m["ab:"+a.Step+"|"+a.Variant+"|"+a.Reason] = 1
		}
		return m
	}))
	b.OnAction(dialogs.ActStopReminders, count(func(a dialogs.Action) map[string]int64 {
		if a.Reason == "paid" {
			return map[string]int64{"paid": 1}
		}
		return nil
	}))
}

// Series is one chart: a value per day.
type Series struct {
	Title  string   `json:"title"`
	Unit   string   `json:"unit,omitempty"`
	Values []int64  `json:"values"`
	Days   []string `json:"days"`
	Total  int64    `json:"total"`
}

// ABRow is one reminder variant's outcomes.
type ABRow struct {
	Step     string           `json:"step"`
	Variant  string           `json:"variant"`
	Outcomes map[string]int64 `json:"outcomes"`
}

// Dashboard is the admin overview.
type Dashboard struct {
	Days    []string `json:"days"`
	Charts  []Series `json:"charts"`
	AB      []ABRow  `json:"ab"`
	Queued  int      `json:"queued"`
	Held    int      `json:"held"`
	Reasons []ABStat `json:"handoff_reasons"`
	// Recovery is the archive's recovery over the last RecoveryWeeks weeks
	// (nil without an archive); RecoveryError says why it is missing.
	Recovery      []RecoveryChart `json:"recovery,omitempty"`
	RecoveryWeeks int             `json:"recovery_weeks,omitempty"`
	RecoveryError string          `json:"recovery_error,omitempty"`
}

// ABStat is one named count.
type ABStat struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

func (c *Console) dashboard(ctx context.Context, days int) (Dashboard, error) {
	labels, perDay, err := c.store.StatsDays(ctx, c.h.Now(), days)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Days: labels}
	series := func(title, unit string, f func(m map[string]int64) int64) {
		s := Series{Title: title, Unit: unit, Days: labels}
		for _, m := range perDay {
			v := f(m)
			s.Values = append(s.Values, v)
			s.Total += v
		}
		d.Charts = append(d.Charts, s)
	}
	field := func(k string) func(map[string]int64) int64 { return func(m map[string]int64) int64 { return m[k] } }
	series("Valor recuperado em acordos", "cents", field("agreed_cents"))
	series("Acordos", "", field("agreements"))
	series("Promessas de pagamento", "", field("promises"))
	series("Pagamentos confirmados (promessas cumpridas)", "", field("paid"))
	series("Opt-outs", "", field("optouts"))
	series("Transferências para pessoas", "", field("handoffs"))
	series("Tempo médio até um agente assumir", "s", func(m map[string]int64) int64 {
		if m["handoff_claims"] == 0 {
			return 0
		}
		return m["handoff_wait_ms"] / m["handoff_claims"] / 1000
	})
	// The last chart shows an average: its total is the average of the days with claims.
	{
		last := &d.Charts[len(d.Charts)-1]
		var sum, n int64
		for _, m := range perDay {
			sum += m["handoff_wait_ms"]
			n += m["handoff_claims"]
		}
		last.Total = 0
		if n > 0 {
			last.Total = sum / n / 1000
		}
	}
	ab := map[string]*ABRow{}
	reasons := map[string]int64{}
	for _, m := range perDay {
		for k, v := range m {
			if rest, ok := strings.CutPrefix(k, "ab:"); ok {
				parts := strings.SplitN(rest, "|", 3)
				if len(parts) != 3 {
					continue
				}
				key := parts[0] + "|" + parts[1]
				if ab[key] == nil {
					ab[key] = &ABRow{Step: parts[0], Variant: parts[1], Outcomes: map[string]int64{}}
				}
				ab[key].Outcomes[parts[2]] += v
			}
			if r, ok := strings.CutPrefix(k, "handoff:"); ok {
				reasons[r] += v
			}
		}
	}
	for _, r := range ab {
		d.AB = append(d.AB, *r)
	}
	sort.Slice(d.AB, func(i, j int) bool {
		if d.AB[i].Step != d.AB[j].Step {
			return d.AB[i].Step < d.AB[j].Step
		}
		return d.AB[i].Variant < d.AB[j].Variant
	})
	for r, n := range reasons {
		d.Reasons = append(d.Reasons, ABStat{Name: r, Count: n})
	}
	sort.Slice(d.Reasons, func(i, j int) bool { return d.Reasons[i].Count > d.Reasons[j].Count })
	q, err := c.store.HandoffQueued(ctx, 10000)
	if err != nil {
		return d, err
	}
	h, err := c.store.HandoffHeld(ctx, 10000)
	if err != nil {
		return d, err
	}
	d.Queued, d.Held = len(q), len(h)
	if c.opts.Recovery != nil {
		// The archive being down leaves the rest of the dashboard up.
		if d.Recovery, err = c.recoveryCharts(ctx, c.h.Now()); err != nil {
			c.log.Warn("dashboard: the archive's recovery figures are unavailable", "err", err)
			d.RecoveryError = "O arquivo não respondeu; os gráficos de recuperação voltam quando ele responder."
		} else {
			d.RecoveryWeeks = recoveryWeeks
		}
	}
	return d, nil
}

// barChart renders a series as an inline SVG bar chart. Every text in it is
// ours (titles and dates), and html/template escapes it anyway.
func barChart(s Series) template.HTML {
	const w, h, pad = 420, 140, 18
	var maxV int64 = 1
	for _, v := range s.Values {
		maxV = max(maxV, v)
	}
	n := max(len(s.Values), 1)
	bw := float64(w-2*pad) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h+20, template.HTMLEscapeString(s.Title))
	for i, v := range s.Values {
		bh := float64(h-2*pad) * float64(v) / float64(maxV)
		x := float64(pad) + float64(i)*bw
		y := float64(h-pad) - bh
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
			x+1, y, bw-2, bh, template.HTMLEscapeString(s.Days[i]), template.HTMLEscapeString(formatValue(v, s.Unit)))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d"/>`, pad, h-pad, w-pad, h-pad)
	if len(s.Days) > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, pad, h+2, template.HTMLEscapeString(s.Days[0][5:]))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, w-pad, h+2, template.HTMLEscapeString(s.Days[len(s.Days)-1][5:]))
	}
	fmt.Fprintf(&b, `<text x="%d" y="12" text-anchor="end">máx %s</text>`, w-pad, template.HTMLEscapeString(formatValue(maxV, s.Unit)))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec: built from numbers and escaped strings above
}

func formatValue(v int64, unit string) string {
	switch unit {
	case "cents":
		return money(v)
	case "s":
		return (time.Duration(v) * time.Second).String()
	}
	return fmt.Sprint(v)
}
