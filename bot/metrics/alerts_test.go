package metrics

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// alertRule is one rule of deploy/alerts.yml.
type alertRule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleFile struct {
	Groups []struct {
		Name  string      `yaml:"name"`
		Rules []alertRule `yaml:"rules"`
	} `yaml:"groups"`
}

var (
	quitaMetric    = regexp.MustCompile(`\bquita_[a-z0-9_]+`)
	promDuration   = regexp.MustCompile(`^[0-9]+[smhdw]$`)
	comparedNumber = regexp.MustCompile(`>\s*([0-9][0-9.e+]*)`)
	mdHeading      = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*$`)
)

// lintAlerts lists what is wrong with a rule file: a missing field, a
// metric quita does not export, a runbook_url whose section the runbook
// lacks, or a threshold that differs from the limit quita status uses.
func lintAlerts(rules, runbook []byte, known map[string]bool, limits []Limit) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var f ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(rules))
	dec.KnownFields(true) // a misspelt field (anotations:) is an error, not a silent no-op
	if err := dec.Decode(&f); err != nil {
		return []string{"parse: " + err.Error()}
	}
	anchors := map[string]bool{}
	for _, m := range mdHeading.FindAllSubmatch(runbook, -1) {
		anchors[Anchor(string(m[1]))] = true
	}
	byName := map[string]alertRule{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			name := r.Alert
			if name == "" {
				bad("group %s: a rule without alert:", g.Name)
				continue
			}
			if _, dup := byName[name]; dup {
				bad("%s: defined twice", name)
			}
			byName[name] = r
			if strings.TrimSpace(r.Expr) == "" {
				bad("%s: no expr", name)
			}
			if !promDuration.MatchString(r.For) {
				bad("%s: for %q, want a duration such as 5m", name, r.For)
			}
			if s := r.Labels["severity"]; s != "page" && s != "ticket" {
				bad("%s: severity %q, want page or ticket", name, s)
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					bad("%s: no %s annotation", name, a)
				}
			}
			if u := r.Annotations["runbook_url"]; u != "" {
				file, anchor, _ := strings.Cut(u, "#")
				if file != "RUNBOOK.md" || !anchors[anchor] {
					bad("%s: runbook_url %q: RUNBOOK.md has no heading with anchor #%s", name, u, anchor)
				}
			}
			for _, m := range quitaMetric.FindAllString(r.Expr, -1) {
				if !known[metricBase(m)] {
					bad("%s: expr uses %s, which quita does not export", name, m)
				}
			}
		}
	}
	for _, l := range limits {
		r, ok := byName[l.Alert]
		if !ok {
			bad("%s: quita status checks it but no alert has that name", l.Alert)
			continue
		}
		if !strings.Contains(r.Expr, l.Series) {
			bad("%s: expr does not compare %s", l.Alert, l.Series)
		}
		found := false
		for _, m := range comparedNumber.FindAllStringSubmatch(r.Expr, -1) {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil && v == l.Max {
				found = true
			}
		}
		if !found {
			bad("%s: expr has no \"> %v\", the limit quita status uses (bot/metrics/limits.go)", l.Alert, l.Max)
		}
	}
	return problems
}

func TestAlertsMatchMetricsRunbookAndStatus(t *testing.T) {
	rules, err := os.ReadFile("../../deploy/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	runbook, err := os.ReadFile("../../RUNBOOK.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range lintAlerts(rules, runbook, knownMetrics(t), Limits()) {
		t.Error(p)
	}
	// The runbook's own links between sections resolve too.
	anchors := map[string]bool{}
	for _, m := range mdHeading.FindAllSubmatch(runbook, -1) {
		anchors[Anchor(string(m[1]))] = true
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllSubmatch(runbook, -1) {
		if !anchors[string(m[1])] {
			t.Errorf("RUNBOOK.md links to #%s, which no heading has", m[1])
		}
	}
	// The alerts an on-call engineer relies on are all there.
	var f ruleFile
	if err := yaml.Unmarshal(rules, &f); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			have[r.Alert] = true
		}
	}
	for _, name := range []string{"QuitaTargetDown", "QuitaRedisDown", "QuitaChannelNotReady", "QuitaProviderErrors"} {
		if !have[name] {
			t.Errorf("alert %s missing", name)
		}
	}
	for _, l := range Limits() {
		if !have[l.Alert] {
			t.Errorf("alert %s missing", l.Alert)
		}
	}
}

// lintAlerts must catch each kind of drift, or the test above proves nothing.
func TestLintAlertsCatchesDrift(t *testing.T) {
	known := map[string]bool{"quita_dead_letters": true, "quita_dialog_step_seconds": true}
	limit := Limit{Alert: "Dead", Series: "quita_dead_letters", Max: 0}
	runbook := []byte("# Runbook\n\n## Dead\n\n## Slow steps\n")
	rule := func(alert, expr, forDur, severity, runbookURL string) string {
		return fmt.Sprintf(`groups:
  - name: g
    rules:
      - alert: %s
        expr: %s
        for: %s
        labels: {severity: %s}
        annotations: {summary: s, description: d, runbook_url: %q}
`, alert, expr, forDur, severity, runbookURL)
	}
	for _, c := range []struct {
		name, rules string
		want        string // a problem containing this; "" for none
	}{
		{"good", rule("Dead", "max(quita_dead_letters) > 0", "1m", "ticket", "RUNBOOK.md#dead"), ""},
		{"histogram suffix", rule("Dead", "max(quita_dead_letters) > 0 or histogram_quantile(0.9, rate(quita_dialog_step_seconds_bucket[5m])) > 1", "1m", "page", "RUNBOOK.md#dead"), ""},
		{"renamed metric", rule("Dead", "max(quita_dead_letter_count) > 0", "1m", "ticket", "RUNBOOK.md#dead"), "quita_dead_letter_count, which quita does not export"},
		{"missing section", rule("Dead", "max(quita_dead_letters) > 0", "1m", "ticket", "RUNBOOK.md#dead-letters"), "no heading with anchor #dead-letters"},
		{"other file", rule("Dead", "max(quita_dead_letters) > 0", "1m", "ticket", "README.md#dead"), "no heading"},
		{"threshold drift", rule("Dead", "max(quita_dead_letters) > 5", "1m", "ticket", "RUNBOOK.md#dead"), `no "> 0"`},
		{"no for", rule("Dead", "max(quita_dead_letters) > 0", `""`, "ticket", "RUNBOOK.md#dead"), "want a duration"},
		{"bad severity", rule("Dead", "max(quita_dead_letters) > 0", "1m", "critical", "RUNBOOK.md#dead"), "severity"},
		{"renamed alert", rule("DeadLetters", "max(quita_dead_letters) > 0", "1m", "ticket", "RUNBOOK.md#dead"), "Dead: quita status checks it"},
		{"misspelt field", strings.Replace(rule("Dead", "max(quita_dead_letters) > 0", "1m", "ticket", "RUNBOOK.md#dead"), "annotations", "anotations", 1), "parse"},
		{"second section by heading with punctuation", rule("Dead", "max(quita_dead_letters) > 0", "1m", "ticket", "RUNBOOK.md#dead") +
			"      - alert: Slow\n        expr: quita_dialog_step_seconds_count > 1\n        for: 5m\n        labels: {severity: ticket}\n" +
			"        annotations: {summary: s, description: d, runbook_url: \"RUNBOOK.md#slow-steps\"}\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			problems := lintAlerts([]byte(c.rules), runbook, known, []Limit{limit})
			if c.want == "" {
				if len(problems) > 0 {
					t.Errorf("problems %q, want none", problems)
				}
				return
			}
			for _, p := range problems {
				if strings.Contains(p, c.want) {
					return
				}
			}
			t.Errorf("problems %q, want one containing %q", problems, c.want)
		})
	}
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"QuitaRedisDown":             "quitaredisdown",
		"First five minutes":         "first-five-minutes",
		"Never, whatever the alert":  "never-whatever-the-alert",
		"quita:dead — what to do?":   "quitadead--what-to-do",
		"snake_case and kebab-case!": "snake_case-and-kebab-case",
	} {
		if got := Anchor(in); got != want {
			t.Errorf("Anchor(%q) = %q, want %q", in, got, want)
		}
	}
}
