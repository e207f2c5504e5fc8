package nlu_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs/nlu"
)

// labelledLine is one message line as testdata/LABELS.md defines it; unknown fields are an error.
type labelledLine struct {
	Lang         string   `json:"lang"`
	Text         string   `json:"text"`
	Intent       string   `json:"intent"`
	Flags        []string `json:"flags"`
	Date         string   `json:"date"`
	Installments *int     `json:"installments"`
	Amount       string   `json:"amount"`
	Option       *int     `json:"option"`
}

var (
	labelFlags  = map[string]bool{"distress": true, "stop_contact": true, "legal_threat": true, "abusive": true}
	labelLangs  = map[string]bool{"pt": true, "es": true, "en": true}
	labelAmount = regexp.MustCompile(`^\d+\.\d\d$`)
)

// TestLabelledFilesFollowLABELS checks every training file (and test.jsonl when present) against
// the format in testdata/LABELS.md, that no text is repeated, and that the held-out set shares no
// text with the training data.
func TestLabelledFilesFollowLABELS(t *testing.T) {
	files, err := filepath.Glob("testdata/train/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no training files in testdata/train (err %v)", err)
	}
	doc, err := os.ReadFile("testdata/LABELS.md")
	if err != nil {
		t.Fatal(err)
	}
	trainTexts := map[string]string{}
	for _, f := range files {
		if !bytes.Contains(doc, []byte("`"+filepath.Base(f)+"`")) {
			t.Errorf("%s is not listed in testdata/LABELS.md", f)
		}
		checkLabelledFile(t, f, trainTexts)
	}
	if _, err := os.Stat("testdata/test.jsonl"); err == nil {
		testTexts := map[string]string{}
		checkLabelledFile(t, "testdata/test.jsonl", testTexts)
		for k, where := range testTexts {
			if other, ok := trainTexts[k]; ok {
				t.Errorf("%s: text also in training data at %s", where, other)
			}
		}
	}
}

func checkLabelledFile(t *testing.T, path string, seen map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		where := path + ":" + strconv.Itoa(n)
		if n == 1 {
			var about map[string]string
			if err := json.Unmarshal(sc.Bytes(), &about); err != nil || len(about) != 1 || strings.TrimSpace(about["about"]) == "" {
				t.Errorf(`%s: the first line must be {"about":"how this file was made"}`, where)
			}
			continue
		}
		var m labelledLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if !labelLangs[m.Lang] {
			t.Errorf("%s: lang %q, want pt, es or en", where, m.Lang)
		}
		if m.Text == "" || m.Text != strings.TrimSpace(m.Text) {
			t.Errorf("%s: text %q is empty or has surrounding spaces", where, m.Text)
		}
		if !nlu.Intent(m.Intent).Valid() {
			t.Errorf("%s: unknown intent %q", where, m.Intent)
		}
		got := map[string]bool{}
		for _, fl := range m.Flags {
			if !labelFlags[fl] || got[fl] {
				t.Errorf("%s: flag %q unknown or repeated", where, fl)
			}
			got[fl] = true
		}
		if m.Intent == "opt_out" && !got["stop_contact"] {
			t.Errorf("%s: opt_out without the stop_contact flag", where)
		}
		if m.Date != "" {
			if _, err := time.Parse(time.DateOnly, m.Date); err != nil {
				t.Errorf("%s: date %q is not YYYY-MM-DD", where, m.Date)
			}
		}
		if m.Amount != "" && !labelAmount.MatchString(m.Amount) {
			t.Errorf(`%s: amount %q, want reais like "150.00"`, where, m.Amount)
		}
		if m.Installments != nil && *m.Installments < 1 {
			t.Errorf("%s: installments %d", where, *m.Installments)
		}
		key := strings.ToLower(m.Text)
		if other, ok := seen[key]; ok {
			t.Errorf("%s: text %q repeats %s", where, m.Text, other)
		}
		seen[key] = where
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
