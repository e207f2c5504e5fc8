package archive

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Groupings of the recovery report (quita report recovery --by).
const (
	ByStep    = "step"    // the cadence step of the reminder an outcome followed
	ByVariant = "variant" // its step and A/B variant
	ByChannel = "channel" // the channel that reminder went by
	ByWeek    = "week"    // the week (Monday, UTC) the debt was first contacted
)

// Groupings lists what --by accepts.
var Groupings = []string{ByStep, ByVariant, ByChannel, ByWeek}

// RecoveryQuery selects what the recovery report counts.
type RecoveryQuery struct {
	Creditor string    `json:"creditor,omitempty"` // "": every creditor
	Since    time.Time `json:"since,omitzero"`     // contacts from this instant on; zero: all
	By       string    `json:"by,omitempty"`       // "" (one total row) or one of Groupings
}

// RecoveryRow is one group's figures. A debt is contacted when a reminder
// about it reached the provider (sent, delivered or read) since the
// query's start; promises, agreements and payments are counted for
// contacted debts from their first contact on, each attributed to the
// last reminder before it (so by step, by variant and by channel a debt
// contacted at several steps counts as contacted at each, and its outcome
// at one). Spend is what the creditor's prices say the messages cost:
// every reminder under its own step, variant and channel, and the bot's
// and agents' answers in the debtor's conversation shared among their
// contacted debts under the reminder they followed.
type RecoveryRow struct {
	Group          string `json:"group"` // the step, "step/variant", channel or week (YYYY-MM-DD); "" for the total
	Contacted      int64  `json:"debts_contacted"`
	Promises       int64  `json:"promises"`
	Agreements     int64  `json:"agreements"`
	Paid           int64  `json:"debts_paid"`      // debts with money recovered
	OwedCents      int64  `json:"owed_cents"`      // what the contacted debts owed
	RecoveredCents int64  `json:"recovered_cents"` // paid (refunds taken off)
	// RecoveryRate is recovered / owed.
	RecoveryRate float64 `json:"recovery_rate"`
	// MedianDaysToPayment is the median of the days from a debt's contact
	// (its first, or for step, variant and channel the reminder its payment
	// followed) to its first payment; nil when nothing was paid.
	MedianDaysToPayment *float64 `json:"median_days_to_payment"`
	SpendMicros         int64    `json:"spend_micros"`       // millionths of Currency
	Currency            string   `json:"currency,omitempty"` // "" when nothing was priced; "mixed" when prices differ in currency
	// SpendPerContactedMicros is spend / debts contacted.
	SpendPerContactedMicros int64 `json:"spend_per_debt_contacted_micros"`
	// SpendPerRealRecovered is the Currency spent per real (R$ 1.00)
	// recovered; nil when nothing was recovered.
	SpendPerRealRecovered *float64 `json:"spend_per_real_recovered"`
}

// RecoveryReport is the recovery report: the total, and one row per group.
type RecoveryReport struct {
	Query RecoveryQuery `json:"query"`
	Total RecoveryRow   `json:"total"`
	Rows  []RecoveryRow `json:"rows"`
}

// touch is one reminder message about a debt.
type touch struct {
	step, variant, channel string
	at                     time.Time
	contact                bool // it reached the provider
}

// debtFacts is everything the report knows of one debt.
type debtFacts struct {
	id, debtor   string
	owed         int64
	touches      []touch // oldest first
	first        int     // index of the first contact in touches; -1: none
	promise      time.Time
	agreement    time.Time
	chargePays   []payment
	reportedPaid *payment // the debt reported paid as a whole (no charge payment known)
}

type payment struct {
	cents int64
	at    time.Time
}

// cost is one priced outbound message.
type cost struct {
	debt, debtor           string // a reminder's debt; for an answer, "" and the conversation's debtor
	step, variant, channel string
	at                     time.Time
	micros                 int64
	currency               string
}

// Recovery computes the recovery report from the archive.
func (db *DB) Recovery(ctx context.Context, q RecoveryQuery) (RecoveryReport, error) {
	if q.By != "" && !contains(Groupings, q.By) {
		return RecoveryReport{}, fmt.Errorf("recovery report: cannot group by %q: use %s", q.By, strings.Join(Groupings, ", "))
	}
	debts, costs, err := db.recoveryFacts(ctx, q)
	if err != nil {
		return RecoveryReport{}, err
	}
	return buildRecovery(q, debts, costs), nil
}

// Creditors lists the creditors the archive holds debts of.
func (db *DB) Creditors(ctx context.Context) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT creditor FROM debts ORDER BY creditor`)
	if err != nil {
		return nil, fmt.Errorf("archive creditors: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// contactStatuses are the delivery statuses of a message the provider took.
const contactStatuses = `('sent', 'delivered', 'read')`

// recoveryFacts reads, with one query per table, the reminders, outcomes,
// payments and priced messages the report needs.
func (db *DB) recoveryFacts(ctx context.Context, q RecoveryQuery) (map[string]*debtFacts, []cost, error) {
	since := q.Since.UTC()
	if q.Since.IsZero() {
		since = time.Unix(0, 0).UTC()
	}
	creditor := ""
	args := []any{since}
	if q.Creditor != "" {
		creditor = ` AND d.creditor = $2`
		args = append(args, q.Creditor)
	}
	debts := map[string]*debtFacts{}
	var costs []cost
	// Reminders: every outbound message about a debt.
	err := db.each(ctx, `SELECT m.debt_id, d.debtor_id, d.amount_cents, m.step, m.variant, m.channel, m.at,
  CASE WHEN m.status IN `+contactStatuses+` THEN 1 ELSE 0 END, m.cost_micros, m.cost_currency
FROM messages m JOIN debts d ON d.id = m.debt_id
WHERE m.direction = 'out' AND m.debt_id <> '' AND m.at >= $1`+creditor+`
ORDER BY m.debt_id, m.at, m.seq`, args, func(scan func(...any) error) error {
		var id, debtor, step, variant, channel, currency string
		var owed, micros int64
		var contact int
		var at time.Time
		if err := scan(&id, &debtor, &owed, &step, &variant, &channel, &at, &contact, &micros, &currency); err != nil {
			return err
		}
		d := debts[id]
		if d == nil {
			d = &debtFacts{id: id, debtor: debtor, owed: owed, first: -1}
			debts[id] = d
		}
		d.touches = append(d.touches, touch{step: step, variant: variant, channel: channel, at: at.UTC(), contact: contact == 1})
		if contact == 1 && d.first < 0 {
			d.first = len(d.touches) - 1
		}
		if currency != "" {
			costs = append(costs, cost{debt: id, debtor: debtor, step: step, variant: variant, channel: channel, at: at.UTC(), micros: micros, currency: currency})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for id, d := range debts {
		if d.first < 0 {
			delete(debts, id) // never contacted: its reminders' spend still counts
		}
	}
	// Outcomes of the contacted debts.
	firstAt := func(table, col string, set func(d *debtFacts, at time.Time)) error {
		return db.each(ctx, `SELECT t.debt_id, t.`+col+` FROM `+table+` t JOIN debts d ON d.id = t.debt_id
WHERE t.`+col+` >= $1`+creditor+` ORDER BY t.`+col, args, func(scan func(...any) error) error {
			var id string
			var at time.Time
			if err := scan(&id, &at); err != nil {
				return err
			}
			if d := debts[id]; d != nil && !at.Before(d.touches[d.first].at) {
				set(d, at.UTC())
			}
			return nil
		})
	}
	if err := firstAt("promises", "created_at", func(d *debtFacts, at time.Time) {
		if d.promise.IsZero() {
			d.promise = at
		}
	}); err != nil {
		return nil, nil, err
	}
	if err := firstAt("agreements", "created_at", func(d *debtFacts, at time.Time) {
		if d.agreement.IsZero() {
			d.agreement = at
		}
	}); err != nil {
		return nil, nil, err
	}
	err = db.each(ctx, `SELECT t.debt_id, t.source, t.amount_cents, t.paid_at FROM payments t JOIN debts d ON d.id = t.debt_id
WHERE t.paid_at >= $1`+creditor+` ORDER BY t.paid_at`, args, func(scan func(...any) error) error {
		var id, source string
		var cents int64
		var at time.Time
		if err := scan(&id, &source, &cents, &at); err != nil {
			return err
		}
		d := debts[id]
		if d == nil || at.Before(d.touches[d.first].at) {
			return nil
		}
		p := payment{cents: cents, at: at.UTC()}
		if source == "debt" {
			d.reportedPaid = &p
		} else {
			d.chargePays = append(d.chargePays, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	// Answers (the bot's, agents'): priced outbound messages about no one
	// debt, in the conversations of the contacted debts' debtors.
	err = db.each(ctx, `SELECT c.debtor_id, m.channel, m.at, m.cost_micros, m.cost_currency
FROM messages m JOIN conversations c ON c.id = m.conversation
WHERE m.direction = 'out' AND m.debt_id = '' AND m.cost_currency <> '' AND c.debtor_id <> '' AND m.at >= $1
ORDER BY m.at`, args[:1], func(scan func(...any) error) error {
		var c cost
		if err := scan(&c.debtor, &c.channel, &c.at, &c.micros, &c.currency); err != nil {
			return err
		}
		c.at = c.at.UTC()
		costs = append(costs, c)
		return nil
	})
	return debts, costs, err
}

// each runs a query and calls f with each row's Scan.
func (db *DB) each(ctx context.Context, q string, args []any, f func(scan func(...any) error) error) error {
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("recovery report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows.Scan); err != nil {
			return fmt.Errorf("recovery report: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("recovery report: %w", err)
	}
	return nil
}

// groupAcc accumulates one group.
type groupAcc struct {
	row       RecoveryRow
	debts     map[string]bool
	days      []float64
	currency  map[string]bool
	paidDebts map[string]bool
}

// buildRecovery turns the facts into the report's rows.
func buildRecovery(q RecoveryQuery, debts map[string]*debtFacts, costs []cost) RecoveryReport {
	groups := map[string]*groupAcc{}
	acc := func(key string) *groupAcc {
		g := groups[key]
		if g == nil {
			g = &groupAcc{row: RecoveryRow{Group: key}, debts: map[string]bool{}, currency: map[string]bool{}, paidDebts: map[string]bool{}}
			groups[key] = g
		}
		return g
	}
	keyOf := func(d *debtFacts, t touch) string {
		switch q.By {
		case ByStep:
			return t.step
		case ByVariant:
			return t.step + "/" + t.variant
		case ByChannel:
			return t.channel
		case ByWeek:
			return weekOf(d.touches[d.first].at)
		}
		return ""
	}
	// lastContact is the debt's last contact at or before at (its first
	// when at is earlier).
	lastContact := func(d *debtFacts, at time.Time) touch {
		best := d.touches[d.first]
		for _, t := range d.touches[d.first:] {
			if t.contact && !t.at.After(at) {
				best = t
			}
		}
		return best
	}
	// since is when an outcome's days to payment count from.
	since := func(d *debtFacts, t touch) time.Time {
		if q.By == ByWeek || q.By == "" {
			return d.touches[d.first].at
		}
		return t.at
	}
	ids := make([]string, 0, len(debts))
	for id := range debts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	byDebtor := map[string][]*debtFacts{}
	for _, id := range ids {
		d := debts[id]
		byDebtor[d.debtor] = append(byDebtor[d.debtor], d)
		for _, t := range d.touches {
			if !t.contact {
				continue
			}
			g := acc(keyOf(d, t))
			if !g.debts[d.id] {
				g.debts[d.id] = true
				g.row.Contacted++
				g.row.OwedCents += d.owed
			}
		}
		if !d.promise.IsZero() {
			acc(keyOf(d, lastContact(d, d.promise))).row.Promises++
		}
		if !d.agreement.IsZero() {
			acc(keyOf(d, lastContact(d, d.agreement))).row.Agreements++
		}
		pays := d.chargePays
		if len(pays) == 0 && d.reportedPaid != nil {
			pays = []payment{*d.reportedPaid}
		}
		firstPaid := false
		for _, p := range pays {
			t := lastContact(d, p.at)
			g := acc(keyOf(d, t))
			g.row.RecoveredCents += p.cents
			if p.cents > 0 && !firstPaid {
				firstPaid = true
				g.days = append(g.days, p.at.Sub(since(d, t)).Hours()/24)
			}
		}
		// A debt counts as paid in the group its first payment went to,
		// if refunds did not take it all back.
		var net int64
		for _, p := range pays {
			net += p.cents
		}
		if net > 0 {
			for _, p := range pays {
				if p.cents > 0 {
					acc(keyOf(d, lastContact(d, p.at))).row.Paid++
					break
				}
			}
		}
	}
	for _, c := range costs {
		if c.debt != "" { // a reminder: under its own step, variant and channel
			t := touch{step: c.step, variant: c.variant, channel: c.channel, at: c.at}
			key := ""
			switch q.By {
			case ByStep, ByVariant, ByChannel:
				key = keyOf(nil, t)
			case ByWeek:
				if d := debts[c.debt]; d != nil {
					key = keyOf(d, t)
				} else {
					key = weekOf(c.at)
				}
			}
			addSpend(acc(key), c.micros, c.currency)
			continue
		}
		// An answer: shared among the debtor's contacted debts (those
		// contacted by then, or all when none was yet).
		var share []*debtFacts
		for _, d := range byDebtor[c.debtor] {
			if !d.touches[d.first].at.After(c.at) {
				share = append(share, d)
			}
		}
		if len(share) == 0 {
			share = byDebtor[c.debtor]
		}
		for i, d := range share {
			part := c.micros / int64(len(share))
			if i == 0 {
				part += c.micros % int64(len(share))
			}
			addSpend(acc(keyOf(d, lastContact(d, c.at))), part, c.currency)
		}
	}
	rep := RecoveryReport{Query: q, Rows: []RecoveryRow{}}
	total := &groupAcc{row: RecoveryRow{}, currency: map[string]bool{}}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sortGroups(q.By, keys)
	totalDebts := map[string]bool{}
	for _, k := range keys {
		g := groups[k]
		finish(g)
		r := g.row
		t := &total.row
		t.Promises += r.Promises
		t.Agreements += r.Agreements
		t.Paid += r.Paid
		t.RecoveredCents += r.RecoveredCents
		t.SpendMicros += r.SpendMicros
		for c := range g.currency {
			total.currency[c] = true
		}
		total.days = append(total.days, g.days...)
		for id := range g.debts {
			if !totalDebts[id] {
				totalDebts[id] = true
				t.Contacted++
				t.OwedCents += debts[id].owed
			}
		}
		if q.By != "" {
			rep.Rows = append(rep.Rows, r)
		}
	}
	if q.By != "" && q.By != ByWeek {
		// Days to payment count from the first contact in the total.
		total.days = total.days[:0]
		for _, id := range ids {
			d := debts[id]
			pays := d.chargePays
			if len(pays) == 0 && d.reportedPaid != nil {
				pays = []payment{*d.reportedPaid}
			}
			for _, p := range pays {
				if p.cents > 0 {
					total.days = append(total.days, p.at.Sub(d.touches[d.first].at).Hours()/24)
					break
				}
			}
		}
	}
	finish(total)
	rep.Total = total.row
	return rep
}

func addSpend(g *groupAcc, micros int64, currency string) {
	g.row.SpendMicros += micros
	g.currency[currency] = true
}

// finish computes a group's rates, median and spend ratios.
func finish(g *groupAcc) {
	r := &g.row
	if r.OwedCents > 0 {
		r.RecoveryRate = float64(r.RecoveredCents) / float64(r.OwedCents)
	}
	if len(g.days) > 0 {
		m := median(g.days)
		r.MedianDaysToPayment = &m
	}
	switch len(g.currency) {
	case 0:
	case 1:
		for c := range g.currency {
			r.Currency = c
		}
	default:
		r.Currency = "mixed"
	}
	if r.Contacted > 0 {
		r.SpendPerContactedMicros = r.SpendMicros / r.Contacted
	}
	if r.RecoveredCents > 0 && r.Currency != "" {
		v := float64(r.SpendMicros) / 1e6 / (float64(r.RecoveredCents) / 100)
		r.SpendPerRealRecovered = &v
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// weekOf is the Monday (UTC) of t's ISO week, as YYYY-MM-DD.
func weekOf(t time.Time) string {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)).Format(time.DateOnly)
}

// sortGroups orders rows: steps by their day offset (D-3 before D+0
// before D+10; other names after), everything else by name.
func sortGroups(by string, keys []string) {
	if by != ByStep && by != ByVariant {
		sort.Strings(keys)
		return
	}
	sort.Slice(keys, func(i, j int) bool {
		si, vi, _ := strings.Cut(keys[i], "/")
		sj, vj, _ := strings.Cut(keys[j], "/")
		oi, iok := stepOffset(si)
		oj, jok := stepOffset(sj)
		switch {
		case iok != jok:
			return iok
		case iok && oi != oj:
			return oi < oj
		case si != sj:
			return si < sj
		}
		return vi < vj
	})
}

// stepOffset reads a step id "D-3", "D+0", "D+10" as its day offset.
func stepOffset(step string) (int, bool) {
	if len(step) < 3 || step[0] != 'D' || (step[1] != '+' && step[1] != '-') {
		return 0, false
	}
	n, err := strconv.Atoi(step[2:])
	if err != nil {
		return 0, false
	}
	if step[1] == '-' {
		n = -n
	}
	return n, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
