package console

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeRecovery answers the dashboard as the archive would, and records
// what it was asked.
type fakeRecovery struct {
	mu    sync.Mutex
	asked []string
	since time.Time
	err   error
}

func (f *fakeRecovery) RecoveryGroups(_ context.Context, since time.Time, by string) ([]RecoveryGroup, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked, f.since = append(f.asked, by), since
	if f.err != nil {
		return nil, f.err
	}
	perReal := 0.003
	switch by {
	case "week": // the second week of the period only
		return []RecoveryGroup{{Label: since.AddDate(0, 0, 7).Format(time.DateOnly), Contacted: 3, Paid: 3, OwedCents: 60000, RecoveredCents: 44000,
			Rate: 44000.0 / 60000, SpendMicros: 540000, Currency: "BRL", SpendPerContactedMicros: 180000}}, nil
	case "step":
		return []RecoveryGroup{
			{Label: "D-3", Contacted: 2, Paid: 1, OwedCents: 30000, RecoveredCents: 4000, Rate: 4000.0 / 30000, SpendMicros: 120000, Currency: "BRL",
				SpendPerContactedMicros: 60000, SpendPerRealRecovered: &perReal},
			{Label: "D+1", Contacted: 2, Paid: 2, OwedCents: 40000, RecoveredCents: 40000, Rate: 1},
		}, nil
	}
	return []RecoveryGroup{{Label: "D-3/<b>", Contacted: 1, OwedCents: 10000}}, nil
}

var svgOf = regexp.MustCompile(`(?s)<figure id="recovery-(\w+)">.*?</figure>`)

func TestDashboardRecoveryCharts(t *testing.T) {
	rec := &fakeRecovery{}
	e := newEnv(t, func(o *Options) { o.Recovery = rec })
	root, _ := e.login("root@quita.test", "senha-do-root")
	resp, body := e.do(request{method: "GET", path: "/console/admin", cookies: root})
	if resp.StatusCode != 200 {
		t.Fatalf("dashboard = %d", resp.StatusCode)
	}
	if rec.since.Weekday() != time.Monday || time.Since(rec.since) < 11*7*24*time.Hour || time.Since(rec.since) > 12*7*24*time.Hour {
		t.Errorf("asked from %v: want the Monday 11 weeks before this week's", rec.since)
	}
	if strings.Join(rec.asked, ",") != "week,step,variant" {
		t.Errorf("asked by %v", rec.asked)
	}
	figs := map[string]string{}
	for _, m := range svgOf.FindAllStringSubmatch(body, -1) {
		figs[m[1]] = m[0]
	}
	if len(figs) != 3 {
		t.Fatalf("recovery figures %v, want week, step and variant:\n%s", len(figs), body)
	}
	for by, f := range figs {
		if strings.Contains(f, "<script") || !strings.Contains(f, `<svg class="chart recovery"`) || !strings.Contains(f, `data-by="`+by+`"`) {
			t.Errorf("%s: not an inline SVG chart without script:\n%s", by, f)
		}
	}
	week := figs["week"]
	if n := strings.Count(week, `<g class="group"`); n != recoveryWeeks {
		t.Errorf("week chart has %d bars, want one per week (%d)", n, recoveryWeeks)
	}
	// The only week with contacts is the tallest: its owed bar fills the
	// plot (130 px), its recovered bar 44/60 of it; 73% above.
	second := rec.since.AddDate(0, 0, 7)
	for _, want := range []string{
		`data-label="` + second.Format(time.DateOnly) + `" data-recovered="44000" data-owed="60000"`,
		`class="owed" x="41.0" y="28.0" width="32.0" height="130.0"`,
		`class="recovered" x="47.8" y="62.7" width="18.4" height="95.3"`,
		`>73%</text>`, ">" + second.Format("02/01") + "</text>",
		"<td>BRL 0,1800</td>", "recuperado R$ 440,00 (73,3%)",
	} {
		if !strings.Contains(week, want) {
			t.Errorf("week chart lacks %s:\n%s", want, week)
		}
	}
	step := figs["step"]
	for _, want := range []string{"<td>D-3</td><td>2</td><td>R$ 40,00</td><td>13,3%</td><td>BRL 0,0600</td><td>BRL 0,0030</td>",
		"<td>D&#43;1</td><td>2</td><td>R$ 400,00</td><td>100,0%</td><td>—</td><td>—</td>", ">100%</text>"} {
		if !strings.Contains(step, want) {
			t.Errorf("step chart lacks %s:\n%s", want, step)
		}
	}
	if v := figs["variant"]; strings.Contains(v, "<b>") || !strings.Contains(v, "D-3/&lt;b&gt;") {
		t.Errorf("a label is not escaped:\n%s", v)
	}
	// The API has the same figures.
	_, js := e.do(request{method: "GET", path: "/api/v1/admin/stats", token: adminToken})
	var d Dashboard
	if err := json.Unmarshal([]byte(js), &d); err != nil || len(d.Recovery) != 3 || d.Recovery[1].Groups[0].RecoveredCents != 4000 {
		t.Errorf("stats API recovery: %v %.300s", err, js)
	}
}

// The archive failing leaves the dashboard up, saying so.
func TestDashboardWithoutTheArchive(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Recovery = &fakeRecovery{err: errors.New("connection refused")} })
	root, _ := e.login("root@quita.test", "senha-do-root")
	resp, body := e.do(request{method: "GET", path: "/console/admin", cookies: root})
	if resp.StatusCode != 200 || !strings.Contains(body, "O arquivo não respondeu") || !strings.Contains(body, `<svg class="chart"`) || strings.Contains(body, `id="recovery-`) {
		t.Fatalf("dashboard = %d:\n%s", resp.StatusCode, body)
	}
}
