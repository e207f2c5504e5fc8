package console

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Recovery gives the dashboard the archive's recovery figures (the same as
// quita report recovery, storage/archive/report.go); nil without an archive.
type Recovery interface {
	// RecoveryGroups is one group's figures per row, contacts from since
	// on, grouped by "week" (label YYYY-MM-DD, the Monday), "step" or
	// "variant" (label "step/variant").
	RecoveryGroups(ctx context.Context, since time.Time, by string) ([]RecoveryGroup, error)
}

// RecoveryGroup is one bar of a recovery chart.
type RecoveryGroup struct {
	Label                   string   `json:"label"`
	Contacted               int64    `json:"debts_contacted"`
	Paid                    int64    `json:"debts_paid"`
	OwedCents               int64    `json:"owed_cents"`
	RecoveredCents          int64    `json:"recovered_cents"`
	Rate                    float64  `json:"recovery_rate"`
	SpendMicros             int64    `json:"spend_micros"`
	Currency                string   `json:"currency,omitempty"`
	SpendPerContactedMicros int64    `json:"spend_per_debt_contacted_micros"`
	SpendPerRealRecovered   *float64 `json:"spend_per_real_recovered"`
}

// RecoveryChart is one chart of the dashboard's recovery section.
type RecoveryChart struct {
	By     string          `json:"by"`
	Title  string          `json:"title"`
	Groups []RecoveryGroup `json:"groups"`
}

// recoveryWeeks is how far back the dashboard's recovery charts look.
const recoveryWeeks = 12

// recoveryCharts reads the three charts: recovery by week (every week of
// the period, empty ones too), by cadence step and by variant.
func (c *Console) recoveryCharts(ctx context.Context, now time.Time) ([]RecoveryChart, error) {
	since := monday(now).AddDate(0, 0, -7*(recoveryWeeks-1))
	var out []RecoveryChart
	for _, ch := range []RecoveryChart{
		{By: "week", Title: "Recuperado por semana do primeiro contato"},
		{By: "step", Title: "Recuperado por etapa da régua"},
		{By: "variant", Title: "Recuperado por variante (A/B)"},
	} {
		groups, err := c.opts.Recovery.RecoveryGroups(ctx, since, ch.By)
		if err != nil {
			return nil, fmt.Errorf("recovery by %s: %w", ch.By, err)
		}
		if ch.By == "week" {
			groups = everyWeek(since, now, groups)
		}
		ch.Groups = groups
		out = append(out, ch)
	}
	return out, nil
}

// everyWeek gives each week from since to now its group, zero when the
// archive had none, so that the chart's axis is time.
func everyWeek(since, now time.Time, groups []RecoveryGroup) []RecoveryGroup {
	byLabel := map[string]RecoveryGroup{}
	for _, g := range groups {
		byLabel[g.Label] = g
	}
	var out []RecoveryGroup
	for w := since; !w.After(now); w = w.AddDate(0, 0, 7) {
		label := w.Format(time.DateOnly)
		g, ok := byLabel[label]
		if !ok {
			g = RecoveryGroup{Label: label}
		}
		out = append(out, g)
	}
	return out
}

// monday is the Monday (UTC) of t's week, at midnight.
func monday(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// recoveryChart renders a recovery chart as inline SVG: per group a pale
// bar for what the contacted debts owed and a solid one for what came
// back, the recovery rate above and the group's name below. Every text
// is escaped; the numbers are ours.
func recoveryChart(ch RecoveryChart) template.HTML {
	const w, h, top, bottom, pad = 420, 180, 28, 22, 6
	var maxV int64 = 1
	for _, g := range ch.Groups {
		maxV = max(maxV, g.OwedCents, g.RecoveredCents)
	}
	n := max(len(ch.Groups), 1)
	bw := float64(w-2*pad) / float64(n)
	plot := float64(h - top - bottom)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart recovery" viewBox="0 0 %d %d" role="img" aria-label="%s" data-by="%s">`, w, h,
		template.HTMLEscapeString(ch.Title), template.HTMLEscapeString(ch.By))
	if len(ch.Groups) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">nenhum contato no período</text></svg>`, w/2, h/2)
		return template.HTML(b.String()) // #nosec: a constant
	}
	for i, g := range ch.Groups {
		x := float64(pad) + float64(i)*bw
		oh := plot * float64(g.OwedCents) / float64(maxV)
		rh := plot * float64(g.RecoveredCents) / float64(maxV)
		base := float64(h - bottom)
		label := groupLabel(ch.By, g.Label)
		tip := fmt.Sprintf("%s: %d contatadas, %d pagas, devido %s, recuperado %s (%s)", label, g.Contacted, g.Paid,
			money(g.OwedCents), money(g.RecoveredCents), ratePercent(g.Rate))
		if g.Currency != "" {
			tip += fmt.Sprintf(", gasto %s por dívida contatada", spendText(g.SpendPerContactedMicros, g.Currency))
		}
		fmt.Fprintf(&b, `<g class="group" data-label="%s" data-recovered="%d" data-owed="%d"><title>%s</title>`,
			template.HTMLEscapeString(g.Label), g.RecoveredCents, g.OwedCents, template.HTMLEscapeString(tip))
		fmt.Fprintf(&b, `<rect class="owed" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x+1, base-oh, bw-2, oh)
		fmt.Fprintf(&b, `<rect class="recovered" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x+1+bw*0.2, base-rh, bw*0.6-2, rh)
		if g.Contacted > 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%.0f%%</text>`, x+bw/2, base-max(oh, rh)-3, 100*g.Rate)
		}
		if n <= 12 || i%2 == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+bw/2, h-8, template.HTMLEscapeString(label))
		}
		b.WriteString(`</g>`)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d"/>`, pad, h-bottom, w-pad, h-bottom)
	fmt.Fprintf(&b, `<text x="%d" y="11" text-anchor="end">máx %s</text>`, w-pad, template.HTMLEscapeString(money(maxV)))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec: built from numbers and escaped strings above
}

// groupLabel is a group's short name on the axis: a week as DD/MM.
func groupLabel(by, label string) string {
	if by == "week" {
		if t, err := time.Parse(time.DateOnly, label); err == nil {
			return t.Format("02/01")
		}
	}
	return label
}

// spendText shows millionths of a currency ("BRL 0,0700").
func spendText(micros int64, currency string) string {
	if currency == "" {
		return "—"
	}
	return currency + " " + strings.Replace(fmt.Sprintf("%.4f", float64(micros)/1e6), ".", ",", 1)
}

// perRealText shows what was spent per real recovered.
func perRealText(v *float64, currency string) string {
	if v == nil || currency == "" {
		return "—"
	}
	return currency + " " + strings.Replace(fmt.Sprintf("%.4f", *v), ".", ",", 1)
}

// ratePercent shows a rate as the console does ("13,3%").
func ratePercent(r float64) string { return strings.Replace(fmt.Sprintf("%.1f%%", 100*r), ".", ",", 1) }
