package config

import (
	"fmt"
	"io"
)

// Severities of a configuration problem.
const (
	SevError = "error" // quita refuses to start (production) and config check fails
	SevWarn  = "warn"  // quita runs, but a feature is off for that creditor
)

// Problem is one thing wrong or missing in the creditor file.
type Problem struct {
	Creditor string // "" for the whole file
	Severity string // SevError or SevWarn
	Text     string // what is wrong and how to fix it
}

func (p Problem) String() string {
	who := "file"
	if p.Creditor != "" {
		who = "creditor " + p.Creditor
	}
	return fmt.Sprintf("%s: %s", who, p.Text)
}

// BillingProblems lists, per creditor, what keeps it from issuing charges:
// a section that does not decode is an error; a missing or unusable boleto
// account or PIX key is a warning (its debtors are told that a person will
// send the code, and an ops task is opened).
func (d *Directory) BillingProblems() []Problem {
	var out []Problem
	for _, c := range d.file.Creditors {
		b, err := d.Billing(c.ID)
		if err != nil {
			out = append(out, Problem{Creditor: c.ID, Severity: SevError, Text: err.Error()})
			continue
		}
		if err := b.Policy.Validate(); err != nil {
			out = append(out, Problem{Creditor: c.ID, Severity: SevError, Text: "payments: " + err.Error()})
		}
		bp, err := d.BillingProvider(c.ID)
		if err != nil {
			out = append(out, Problem{Creditor: c.ID, Severity: SevError, Text: err.Error()})
			continue
		}
		// A provider that is named but cannot work is an error: the creditor
		// chose it, and nothing else may take its place.
		for _, text := range bp.Problems(nil) {
			out = append(out, Problem{Creditor: c.ID, Severity: SevError, Text: text})
		}
		if b.BoletoProblem != "" && !bp.IssuesBoletos() {
			out = append(out, Problem{Creditor: c.ID, Severity: SevWarn, Text: "cannot issue boletos: " + b.BoletoProblem})
		}
		if b.PixProblem != "" && !bp.IssuesPix() {
			out = append(out, Problem{Creditor: c.ID, Severity: SevWarn, Text: "cannot issue PIX codes: " + b.PixProblem})
		}
	}
	return out
}

// HasErrors reports whether any problem is an error.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == SevError {
			return true
		}
	}
	return false
}

// PrintProblems writes one line per problem, "ERROR"/"WARN" first.
func PrintProblems(w io.Writer, ps []Problem) {
	for _, p := range ps {
		tag := "WARN "
		if p.Severity == SevError {
			tag = "ERROR"
		}
		fmt.Fprintf(w, "%s %s\n", tag, p)
	}
}
