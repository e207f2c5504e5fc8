package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/quita-bot/quita/chatwoot"
	"github.com/quita-bot/quita/config"
)

func init() {
	register(command{name: "config", summary: "check the creditor file: `quita config check [--config FILE]`", run: runConfig})
}

func runConfig(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return errors.New("usage: quita config check [--config FILE] (checks the creditor file as a production start would)")
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	path := fs.String("config", os.Getenv("QUITA_CONFIG"), "the creditor YAML file (default: QUITA_CONFIG)")
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	if *path == "" {
		return errors.New("no file to check: pass --config FILE or set QUITA_CONFIG")
	}
	return configCheck(os.Stdout, *path)
}

// configCheck prints each creditor's billing and every problem a production
// start would log or refuse; it fails when any is an error.
func configCheck(w io.Writer, path string) error {
	file, err := config.LoadFile(path)
	if err != nil {
		return err
	}
	dir := config.NewDirectory(file)
	problems := creditorProblems(file, dir, true)
	cfg, _ := config.FromEnv() // which WhatsApp providers are on; the file is judged all the same
	tps, err := whatsAppTemplateProblems(dir, cfg)
	if err != nil {
		return err
	}
	for _, p := range tps {
		sev := config.SevError
		if p.Warning {
			sev = config.SevWarn
		}
		problems = append(problems, config.Problem{Creditor: p.Creditor, Severity: sev,
			Text: strings.TrimPrefix(p.String(), "creditor "+p.Creditor+": ")})
	}
	problems = append(problems, cnabProblems(dir)...)
	if _, err := chatwoot.ConfigFromEnv(os.Getenv); err != nil { // quita serve refuses to start on it too
		problems = append(problems, config.Problem{Severity: config.SevError, Text: err.Error()})
	}
	for _, c := range file.Creditors {
		fmt.Fprintf(w, "creditor %s (%s): %s\n", c.ID, c.Name, billingSummary(dir, c.ID))
	}
	config.PrintProblems(w, problems)
	if config.HasErrors(problems) {
		return fmt.Errorf("%s: %d error(s): fix them before starting quita with this file", path, countErrors(problems))
	}
	fmt.Fprintf(w, "%s: no errors\n", path)
	return nil
}

// billingSummary says in one line what the creditor can issue.
func billingSummary(dir *config.Directory, id string) string {
	b, err := dir.Billing(id)
	if err != nil {
		return "billing: " + err.Error()
	}
	bp, err := dir.BillingProvider(id)
	if err != nil {
		return "billing: " + err.Error()
	}
	part := func(kind, problem string, byProvider bool) string {
		switch {
		case byProvider && len(bp.Problems(nil)) > 0:
			return kind + ": cannot issue (" + bp.Provider + " is not usable)"
		case byProvider:
			return kind + ": ok (" + bp.Provider + ")"
		case problem != "":
			return kind + ": cannot issue"
		}
		return kind + ": ok"
	}
	return part("boleto", b.BoletoProblem, bp.IssuesBoletos()) + ", " + part("pix", b.PixProblem, bp.IssuesPix()) + "; billing provider " + bp.Provider
}

// creditorProblems is everything wrong with the file: with production set,
// example identities are errors too (issue: the example must never receive
// real charges).
func creditorProblems(file config.File, dir *config.Directory, production bool) []config.Problem {
	var ps []config.Problem
	if production {
		ps = append(ps, file.ExampleProblems()...)
	}
	ps = append(ps, dir.MessagingProblems()...)
	return append(ps, dir.BillingProblems()...)
}

func countErrors(ps []config.Problem) int {
	n := 0
	for _, p := range ps {
		if p.Severity == config.SevError {
			n++
		}
	}
	return n
}

// checkCreditorsAtStart logs each creditor that cannot issue charges and
// why, and refuses a production start (REDIS_URL set) on any error: the
// example file, an example identity, a section that does not decode.
func checkCreditorsAtStart(cfg config.Config, file config.File, dir *config.Directory, log *slog.Logger) error {
	production := !cfg.Embedded()
	if production && cfg.ConfigFile == "" {
		return errors.New("QUITA_CONFIG is not set: with REDIS_URL (production) quita needs your creditors' file, not the demo's; copy deploy/quita.example.yaml, put your creditors' data in it, remove its example: line and set QUITA_CONFIG to it")
	}
	problems := creditorProblems(file, dir, production)
	var errs []string
	for _, p := range problems {
		if p.Severity == config.SevError {
			errs = append(errs, p.String())
		}
	}
	if len(errs) > 0 {
		name := cfg.ConfigFile
		if name == "" {
			name = "the demo configuration"
		}
		return fmt.Errorf("QUITA_CONFIG %s:\n  %s", name, strings.Join(errs, "\n  "))
	}
	for _, p := range problems { // warnings only, by now
		log.Warn("creditor cannot issue charges: its debtors are told a person will send the code", "creditor", p.Creditor, "why", p.Text)
	}
	return nil
}
