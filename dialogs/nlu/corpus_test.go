package nlu

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// corpusToday is the conversation's today for every corpus line: Thursday.
var corpusToday = time.Date(2026, 11, 26, 10, 0, 0, 0, saoPaulo())

func saoPaulo() *time.Location {
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		return time.FixedZone("BRT", -3*3600)
	}
	return loc
}

type example struct {
	line   int
	lang   string
	intent Intent
	want   map[string]string // expected entities and flags
	text   string
}

func loadCorpus(t testing.TB) []example { return loadExamples(t, "testdata/corpus.tsv") }

func loadExamples(t testing.TB, path string) []example {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.SplitN(line, "\t", 4)
		if len(p) != 4 {
			t.Fatalf("%s:%d: want 4 tab-separated fields", path, n)
		}
		ex := example{line: n, lang: p[0], intent: Intent(p[1]), want: map[string]string{}, text: p[3]}
		if !ex.intent.Valid() {
			t.Fatalf("%s:%d: unknown intent %q", path, n, p[1])
		}
		if p[2] != "-" {
			for _, kv := range strings.Split(p[2], ";") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("%s:%d: bad expectation %q", path, n, kv)
				}
				ex.want[k] = v
			}
		}
		out = append(out, ex)
	}
	return out
}

// entityMismatch says how got differs from the example's expectations.
func entityMismatch(ex example, got Result) string {
	var bad []string
	for k, v := range ex.want {
		var have string
		switch k {
		case "date":
			have = got.Entities.Date
		case "installments":
			have = strconv.Itoa(got.Entities.Installments)
		case "amount":
			have = strconv.FormatFloat(got.Entities.Amount, 'f', -1, 64)
		case "option":
			have = strconv.Itoa(got.Entities.Option)
		case "flags":
			continue
		}
		if have != v {
			bad = append(bad, fmt.Sprintf("%s=%s want %s", k, have, v))
		}
	}
	want := strings.Split(ex.want["flags"], "|")
	if ex.want["flags"] == "" {
		want = nil
	}
	sort.Strings(want)
	var have []string
	for _, f := range got.Flags {
		if f != FlagStopContact { // the TSV files predate the flag; evaluate checks it on opt-outs
			have = append(have, f)
		}
	}
	sort.Strings(have)
	if strings.Join(want, "|") != strings.Join(have, "|") {
		bad = append(bad, fmt.Sprintf("flags=%v want %v", have, want))
	}
	return strings.Join(bad, "; ")
}

// TestCorpus classifies the labelled corpus, with the conversation's
// language given (as the dialog does) and detected (as the CLI does).
func TestCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	counts := map[string]int{}
	for _, ex := range corpus {
		counts[ex.lang]++
	}
	if len(corpus) < 300 || counts["pt"] < 180 || counts["es"] < 60 || counts["en"] < 60 {
		t.Fatalf("corpus too small: %d messages %v", len(corpus), counts)
	}
	for _, mode := range []string{"given", "detected"} {
		t.Run(mode, func(t *testing.T) {
			acc, entityBad := evaluate(t, corpus, mode == "detected")
			if acc < 0.95 {
				t.Errorf("intent accuracy %.3f < 0.95", acc)
			}
			if ebad := float64(entityBad) / float64(len(corpus)); ebad > 0.03 {
				t.Errorf("entity/flag mismatches on %.1f%% of the corpus (> 3%%)", 100*ebad)
			}
		})
	}
}

// TestHoldout measures messages written after the rules and never used to
// tune them: it reports accuracy and fails only on opt-out errors, which are
// legal failures wherever they happen.
func TestHoldout(t *testing.T) {
	evaluate(t, loadExamples(t, "testdata/holdout.tsv"), true)
}

// evaluate classifies examples, logs every miss and the per-intent
// precision/recall table, and fails on any missed or false opt-out.
func evaluate(t *testing.T, corpus []example, detectLang bool) (accuracy float64, entityBad int) {
	tp, fp, fn := map[Intent]int{}, map[Intent]int{}, map[Intent]int{}
	right, langRight := 0, 0
	for _, ex := range corpus {
		opt := Options{Today: corpusToday}
		if !detectLang {
			opt.Lang = ex.lang
		}
		got := Classify(ex.text, opt)
		if got.Lang == ex.lang {
			langRight++
		}
		if got.Intent == ex.intent {
			right++
			tp[ex.intent]++
		} else {
			fp[got.Intent]++
			fn[ex.intent]++
			t.Logf("line %d [%s] %q: got %s (%.2f), want %s", ex.line, ex.lang, ex.text, got.Intent, got.Confidence, ex.intent)
			if ex.intent == IntentOptOut && !got.Has(FlagStopContact) {
				t.Errorf("MISSED OPT-OUT line %d: %q → %s without %s", ex.line, ex.text, got.Intent, FlagStopContact)
			}
			if got.Intent == IntentOptOut {
				t.Errorf("FALSE OPT-OUT line %d: %q (want %s)", ex.line, ex.text, ex.intent)
			}
		}
		if bad := entityMismatch(ex, got); bad != "" {
			entityBad++
			t.Logf("line %d entities %q: %s", ex.line, ex.text, bad)
		}
	}
	accuracy = float64(right) / float64(len(corpus))
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-15s %9s %7s %7s\n", "intent", "precision", "recall", "support")
	for _, in := range Intents() {
		p, r := ratio(tp[in], tp[in]+fp[in]), ratio(tp[in], tp[in]+fn[in])
		fmt.Fprintf(&b, "%-15s %9.2f %7.2f %7d\n", in, p, r, tp[in]+fn[in])
	}
	fmt.Fprintf(&b, "accuracy %.3f (%d/%d); entity/flag mismatches %d; language detected right %d/%d",
		accuracy, right, len(corpus), entityBad, langRight, len(corpus))
	t.Log(b.String())
	return accuracy, entityBad
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
