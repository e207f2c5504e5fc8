package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/quita-bot/quita/payments"
)

func init() {
	register(command{name: "plan", summary: "list the payment plans a policy allows for a debt", run: func(_ context.Context, args []string) error {
		return runPlan(args, os.Stdout, os.Stderr, time.Now())
	}})
}

// planOut is one plan as `quita plan` prints it: amounts in reais, dates as
// YYYY-MM-DD.
type planOut struct {
	Kind            string           `json:"kind"`
	Installments    int              `json:"installments"`
	Installment     string           `json:"installment"` // the regular installment
	DiscountPercent float64          `json:"discount_percent,omitempty"`
	Discount        string           `json:"discount,omitempty"`
	DownPayment     string           `json:"down_payment,omitempty"`
	DownPaymentDue  string           `json:"down_payment_due,omitempty"`
	MonthlyInterest float64          `json:"monthly_interest_percent,omitempty"`
	Interest        string           `json:"interest"`
	Total           string           `json:"total"`
	Schedule        []installmentOut `json:"schedule"`
}

type installmentOut struct {
	Number int    `json:"number"`
	Due    string `json:"due_date"`
	Amount string `json:"amount"`
}

type planReport struct {
	Amount      string    `json:"amount"`
	DaysOverdue int       `json:"days_overdue"`
	FirstDue    string    `json:"first_due"`
	Offers      []planOut `json:"offers"`
	Nearest     *struct {
		Match string  `json:"match"`
		Plan  planOut `json:"plan"`
	} `json:"nearest,omitempty"`
}

func viewPlan(p payments.Plan) planOut {
	o := planOut{
		Kind: p.Kind, Installments: p.Count(), DiscountPercent: p.DiscountPercent, MonthlyInterest: p.MonthlyInterestPercent,
		Interest: payments.FormatAmount(p.InterestCents), Total: payments.FormatAmount(p.TotalCents),
	}
	if len(p.Installments) > 0 {
		o.Installment = payments.FormatAmount(p.Installments[0].AmountCents)
	}
	if p.DiscountCents > 0 {
		o.Discount = payments.FormatAmount(p.DiscountCents)
	}
	if p.DownPaymentCents > 0 {
		o.DownPayment = payments.FormatAmount(p.DownPaymentCents)
		o.DownPaymentDue = p.DownPaymentDue.Format(time.DateOnly)
	}
	for _, in := range p.Installments {
		o.Schedule = append(o.Schedule, installmentOut{in.Number, in.DueDate.Format(time.DateOnly), payments.FormatAmount(in.AmountCents)})
	}
	return o
}

// loadPolicy reads a YAML Policy over the defaults: fields left out keep
// their default, unknown fields are an error.
func loadPolicy(path string) (payments.Policy, error) {
	p := payments.DefaultPolicy()
	if path == "" {
		return p, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("--config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return p, fmt.Errorf("--config %s: %w", path, err)
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("--config %s: %w", path, err)
	}
	return p, nil
}

func runPlan(args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var amount, monthly, config, firstDue string
	var days, installments int
	fs.StringVar(&amount, "amount", "", "amount owed, in reais: 1200.00 or 1.200,00")
	fs.IntVar(&days, "days-overdue", 0, "days since the debt fell due (picks the discount tier)")
	fs.IntVar(&installments, "installments", 0, `the debtor asked for N installments: also print the nearest allowed plan`)
	fs.StringVar(&monthly, "monthly", "", `the debtor can pay this much a month: also print the nearest allowed plan`)
	fs.StringVar(&config, "config", "", "YAML file with a payments policy (defaults otherwise)")
	fs.StringVar(&firstDue, "first-due", "", "first due date, YYYY-MM-DD (default: the policy's segunda_via_days business days from today)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  quita plan --amount 1200.00 --days-overdue 45 [--installments 6 | --monthly 150.00] [--config policy.yaml]

Prints the offers the policy allows (payment in full with its discount, then each
number of installments by the Price table) as JSON, and with --installments or
--monthly the nearest allowed plan. The policy YAML uses the fields:
  fine_percent, monthly_interest, segunda_via_days, discount_tiers [{min_days_overdue, percent}],
  installment_monthly_interest, min_installment_cents, max_installments,
  down_payment_percent, agreement_grace_days

Flags:
`)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if amount == "" {
		return errors.New("--amount is required (see quita plan -h)")
	}
	if installments > 0 && monthly != "" {
		return errors.New("give --installments or --monthly, not both")
	}
	if days < 0 {
		return errors.New("--days-overdue must not be negative")
	}
	cents, err := payments.ParseAmount(amount)
	if err != nil {
		return fmt.Errorf("--amount: %w", err)
	}
	policy, err := loadPolicy(config)
	if err != nil {
		return err
	}
	first := payments.AddBusinessDays(now, policy.SegundaViaDays)
	if firstDue != "" {
		if first, err = time.Parse(time.DateOnly, firstDue); err != nil {
			return fmt.Errorf("--first-due %q: use YYYY-MM-DD", firstDue)
		}
	}
	offers, err := payments.OffersFor(policy, cents, days, first)
	if err != nil {
		return err
	}
	rep := planReport{Amount: payments.FormatAmount(cents), DaysOverdue: days, FirstDue: first.Format(time.DateOnly)}
	for _, o := range offers {
		rep.Offers = append(rep.Offers, viewPlan(o))
	}
	if installments > 0 || monthly != "" {
		var perMonth int64
		if monthly != "" {
			if perMonth, err = payments.ParseAmount(monthly); err != nil {
				return fmt.Errorf("--monthly: %w", err)
			}
			if perMonth == 0 {
				return errors.New("--monthly must be above zero")
			}
		}
		n, err := payments.NearestPlan(policy, cents, days, installments, perMonth, first)
		if err != nil {
			return err
		}
		rep.Nearest = &struct {
			Match string  `json:"match"`
			Plan  planOut `json:"plan"`
		}{n.Match, viewPlan(n.Plan)}
	}
	return emitJSON(stdout, rep)
}
