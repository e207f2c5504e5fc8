package bot

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"sort"

	"github.com/quita-bot/quita/storage"
)

// AssignVariant picks a step's A/B variant for a debtor: a hash of debtor
// id and step, so the same debtor always gets the same variant of a step.
func AssignVariant(debtorID, step string, variants []string) string {
	if len(variants) == 0 {
		return "a"
	}
	h := fnv.New32a()
	h.Write([]byte(debtorID + "|" + step))
	return variants[h.Sum32()%uint32(len(variants))]
}

// Wilson is the Wilson score interval (95%, z = 1.96) of k successes in n trials.
func Wilson(k, n int64) (lo, hi float64) {
	if n <= 0 {
		return 0, 0
	}
	const z = 1.959964
	p := float64(k) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// Rate is one outcome's rate for a variant.
type Rate struct {
	Count int64   `json:"count"`
	Rate  float64 `json:"rate"`
	Low   float64 `json:"ci95_low"`
	High  float64 `json:"ci95_high"`
}

// VariantReport is one variant's results.
type VariantReport struct {
	Creditor string          `json:"creditor"`
	Step     string          `json:"step"`
	Variant  string          `json:"variant"`
	Sent     int64           `json:"sent"`
	Outcomes map[string]Rate `json:"outcomes"`
	// Cost is what the variant's reminders cost, from the archive (nil
	// without one): AddVariantCosts.
	Cost *VariantCost `json:"cost,omitempty"`
}

// VariantCost is a variant's spend: its reminders and the answers that
// followed them, per debt contacted and per real recovered (the archive's
// recovery report by variant, storage/archive/report.go).
type VariantCost struct {
	Contacted               int64    `json:"debts_contacted"`
	RecoveredCents          int64    `json:"recovered_cents"`
	SpendMicros             int64    `json:"spend_micros"`
	Currency                string   `json:"currency,omitempty"`
	SpendPerContactedMicros int64    `json:"spend_per_debt_contacted_micros"`
	SpendPerRealRecovered   *float64 `json:"spend_per_real_recovered"`
}

// VariantCosts gives a creditor's variant costs by "step/variant".
type VariantCosts interface {
	VariantCosts(ctx context.Context, creditor string) (map[string]VariantCost, error)
}

// AddVariantCosts fills each variant's Cost (a variant the source knows
// nothing of gets a zero cost: nothing contacted, nothing spent).
func AddVariantCosts(ctx context.Context, rep *Report, src VariantCosts) error {
	byCreditor := map[string]map[string]VariantCost{}
	for i := range rep.Variants {
		v := &rep.Variants[i]
		costs, ok := byCreditor[v.Creditor]
		if !ok {
			var err error
			if costs, err = src.VariantCosts(ctx, v.Creditor); err != nil {
				return fmt.Errorf("variant costs of %s: %w", v.Creditor, err)
			}
			byCreditor[v.Creditor] = costs
		}
		c := costs[v.Step+"/"+v.Variant]
		v.Cost = &c
	}
	return nil
}

// Leader says which variant of a step leads on an outcome.
type Leader struct {
	Creditor string `json:"creditor"`
	Step     string `json:"step"`
	Outcome  string `json:"outcome"`
	Variant  string `json:"variant"`
	// Significant: its interval lies above every other variant's.
	Significant bool `json:"significant"`
}

// Report is the A/B report.
type Report struct {
	Variants []VariantReport `json:"variants"`
	Leaders  []Leader        `json:"leaders"`
}

// VariantsReport computes rates, Wilson intervals and leaders from the counters.
func VariantsReport(ctx context.Context, st *storage.Store) (Report, error) {
	counts, err := st.VariantCounts(ctx)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Variants: []VariantReport{}, Leaders: []Leader{}}
	groups := map[[2]string][]int{}
	var order [][2]string
	for _, c := range counts {
		vr := VariantReport{Creditor: c.Creditor, Step: c.Step, Variant: c.Variant, Sent: c.Counts["sent"], Outcomes: map[string]Rate{}}
		for _, o := range storage.VariantOutcomes {
			k := c.Counts[o]
			lo, hi := Wilson(k, vr.Sent)
			r := Rate{Count: k, Low: lo, High: hi}
			if vr.Sent > 0 {
				r.Rate = float64(k) / float64(vr.Sent)
			}
			vr.Outcomes[o] = r
		}
		g := [2]string{c.Creditor, c.Step}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], len(rep.Variants))
		rep.Variants = append(rep.Variants, vr)
	}
	for _, g := range order {
		idx := groups[g]
		if len(idx) < 2 {
			continue
		}
		for _, o := range storage.VariantOutcomes {
			sorted := append([]int(nil), idx...)
			sort.SliceStable(sorted, func(i, j int) bool {
				return rep.Variants[sorted[i]].Outcomes[o].Rate > rep.Variants[sorted[j]].Outcomes[o].Rate
			})
			best := rep.Variants[sorted[0]]
			if best.Outcomes[o].Count == 0 {
				continue
			}
			sig := true
			for _, i := range sorted[1:] {
				if rep.Variants[i].Outcomes[o].High >= best.Outcomes[o].Low {
					sig = false
				}
			}
			rep.Leaders = append(rep.Leaders, Leader{Creditor: g[0], Step: g[1], Outcome: o, Variant: best.Variant, Significant: sig})
		}
	}
	return rep, nil
}
