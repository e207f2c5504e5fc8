package portfolio

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage/redistest"
)

func syntheticRows(n, offset int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		k := offset + i
		rows[i] = Row{Line: i + 2, Creditor: "loja-exemplo", DebtorName: "Cliente " + strconv.Itoa(k), CPF: CPFFor(k + 1000),
			Phone: fmt.Sprintf("+55119%08d", k), Invoice: "NF-" + strconv.Itoa(k), Description: "Parcela 3/10",
			Amount: "359,90", DueDate: "2026-12-10", PaymentMethod: "boleto"}
	}
	return rows
}

func firstAt(_, due, _ string) (time.Time, error) { return time.Parse(time.DateOnly, due) }

// BenchmarkImport measures the import rate into Redis (pipelined batches of
// atomic upserts); the figure is reported as debts/s.
func BenchmarkImport(b *testing.B) {
	r := redistest.New(b)
	if !r.Real {
		b.Skip("needs a real Redis")
	}
	st := r.Store()
	im := &Importer{Store: st, FirstReminder: firstAt}
	const n = 20000
	b.ResetTimer()
	total := 0
	start := time.Now()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		rows := syntheticRows(n, i*n)
		b.StartTimer()
		sum, err := im.Import(context.Background(), rows, nil, nil)
		if err != nil || sum.Created != n {
			b.Fatalf("%+v %v", sum, err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "debts/s")
}

// TestMemoryPerScheduledDebt imports debts (debtor, debt, indexes, debt
// link, schedule entry) into a real Redis and reports used_memory per debt.
// Run with QUITA_MEASURE=1 (it needs a quiet server; KEYS.md has the figure).
func TestMemoryPerScheduledDebt(t *testing.T) {
	if os.Getenv("QUITA_MEASURE") != "1" {
		t.Skip("set QUITA_MEASURE=1 to measure Redis memory per debt")
	}
	r := redistest.New(t)
	if !r.Real {
		t.Skip("needs a real Redis")
	}
	n := 200000
	if v, err := strconv.Atoi(os.Getenv("QUITA_MEASURE_N")); err == nil {
		n = v
	}
	ctx := context.Background()
	used := func() int64 {
		info, err := r.Client.Info(ctx, "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(l, "used_memory:"); ok {
				x, _ := strconv.ParseInt(v, 10, 64)
				return x
			}
		}
		t.Fatal("no used_memory in INFO")
		return 0
	}
	st := r.Store()
	im := &Importer{Store: st, FirstReminder: firstAt}
	before := used()
	start := time.Now()
	for off := 0; off < n; off += 50000 {
		if _, err := im.Import(ctx, syntheticRows(min(50000, n-off), off), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(start)
	after := used()
	if c, _ := st.ScheduledCount(ctx); c != int64(n) {
		t.Fatalf("%d scheduled, want %d", c, n)
	}
	per := float64(after-before) / float64(n)
	t.Logf("%d debts: %.0f bytes of Redis memory per scheduled debt; import %.0f debts/s", n, per, float64(n)/took.Seconds())
	if per > 600 {
		t.Errorf("%.0f bytes per debt exceeds the 600-byte budget", per)
	}
}
