package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/quita-bot/quita/storage"
)

// templatesItem is the row of quita status for the WhatsApp templates, as
// `quita whatsapp templates sync` last saw them at Meta.
const templatesItem = "whatsapp templates"

// templateFigures counts the translations by review status, and says what
// needs the operator: one reason per template Meta rejected, paused or
// reclassified (each blocks only its own messages, which take the fallback).
func templateFigures(rows []storage.TemplateStatus) (figures string, problems []string) {
	counts := map[string]int{}
	var last time.Time
	for _, r := range rows {
		st := strings.ToLower(r.Status)
		if st == "" {
			st = "not submitted"
		}
		counts[st]++
		if r.At.After(last) {
			last = r.At
		}
		if r.Problem != "" {
			problems = append(problems, fmt.Sprintf("%s %s %s (%s): %s", templatesItem, r.Creditor, r.Key, r.Code, r.Problem))
		}
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%d %s", counts[n], n)
	}
	return fmt.Sprintf("%s (synced %s)", strings.Join(parts, ", "), last.Format(time.RFC3339)), problems
}
