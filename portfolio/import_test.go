package portfolio

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

func creditorsOnly(ids ...string) Creditors {
	return func(id string) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	}
}

func importFile(t *testing.T, st *storage.Store, path string) Summary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, perrs := ParseCSV(f)
	im := &Importer{Store: st, Creditors: creditorsOnly("loja-exemplo"),
		FirstReminder: func(_, due, _ string) (time.Time, error) {
			return time.Parse(time.DateOnly, due)
		}}
	sum, err := im.Import(context.Background(), rows, perrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestImportGoodCSVIsIdempotent(t *testing.T) {
	st := redistest.New(t).Store()
	ctx := context.Background()
	first := importFile(t, st, "testdata/good.csv")
	if first.Created != 3 || first.Updated != 0 || first.Failed != 0 || len(first.Errors) != 0 {
		t.Fatalf("first import: %+v", first)
	}
	again := importFile(t, st, "testdata/good.csv")
	if again.Created != 0 || again.Updated != 3 {
		t.Fatalf("second import of the same file: %+v; want 3 updates, nothing new", again)
	}
	ana, err := st.DebtorByCPF(ctx, "52998224725")
	if err != nil {
		t.Fatal(err)
	}
	if ana.Name != "Ana Souza" || ana.BirthDate != "1988-04-12" || strings.Join(ana.Phones, ",") != "+5511987650001" {
		t.Fatalf("Ana = %+v", ana)
	}
	debts, err := st.DebtsOf(ctx, ana.ID)
	if err != nil || len(debts) != 2 || debts[0].Invoice != "NF-1001" || debts[1].Invoice != "NF-1002" || debts[1].AmountCents != 9900 {
		t.Fatalf("Ana's debts: %+v %v; want NF-1001 and NF-1002 (R$ 99,00): two rows, one CPF", debts, err)
	}
	if d, ds, err := st.DebtorWithDebts(ctx, ana.ID); err != nil || fmt.Sprint(d) != fmt.Sprint(ana) || fmt.Sprint(ds) != fmt.Sprint(debts) {
		t.Fatalf("DebtorWithDebts = %+v %+v %v; want what Debtor and DebtsOf read", d, ds, err)
	}
	bruno, err := st.DebtorByPhone(ctx, "+551130000000")
	if err != nil || bruno.Name != "Bruno Lima" || !bruno.VIP {
		t.Fatalf("Bruno by his landline: %+v %v", bruno, err)
	}
	id, err := st.DebtByInvoice(ctx, "loja-exemplo", "NF-2042")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := st.Debt(ctx, id)
	if d.AmountCents != 128050 || d.DueDate != "2026-12-04" || d.Status != "open" {
		t.Fatalf("NF-2042 = %+v", d)
	}
	if n, _ := st.ScheduledCount(ctx); n != 3 {
		t.Fatalf("%d debts scheduled, want 3", n)
	}
}

// TestMalformedCSV: every bad row is reported by line and field, and
// nothing of a bad row is written; the good row is imported.
func TestMalformedCSV(t *testing.T) {
	st := redistest.New(t).Store()
	ctx := context.Background()
	sum := importFile(t, st, "testdata/bad.csv")
	var got []string
	for _, e := range sum.Errors {
		got = append(got, e.Field+"@"+itoa(e.Line))
	}
	want := []string{"cpf@3", "phone@4", "amount@4", "due_date@4", "creditor@5", "row@6", "cpf@7", "invoice@7", "row@8"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("errors %v\nwant %v\n%+v", got, want, sum.Errors)
	}
	if sum.Created != 1 || sum.Failed != 6 {
		t.Fatalf("summary %+v; want 1 created, 6 refused", sum)
	}
	for _, inv := range []string{"NF-2", "NF-3", "NF-4", "NF-5", "NF-7"} {
		if _, err := st.DebtByInvoice(ctx, "loja-exemplo", inv); err == nil {
			t.Errorf("bad row %s was written", inv)
		}
	}
	for _, phone := range []string{"+5511987650002", "+5511987650004", "+5511987650005"} {
		if _, err := st.DebtorByPhone(ctx, phone); err == nil {
			t.Errorf("debtor of bad row %s was written", phone)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCPF(t *testing.T) {
	for cpf, ok := range map[string]bool{"52998224725": true, "11144477735": true, "12345678909": true,
		"12345678900": false, "11111111111": false, "5299822472": false, "5299822472a": false} {
		if ValidCPF(cpf) != ok {
			t.Errorf("ValidCPF(%s) = %v", cpf, !ok)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"359.90": 35990, "1.280,50": 128050, "R$ 99,00": 9900, "1,234.56": 123456, "10": 1000, "0,5": 50} {
		if got, err := ParseAmount(in); err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "1.2.3,456", "-5", "0", "1e5"} {
		if _, err := ParseAmount(in); err == nil {
			t.Errorf("ParseAmount(%q) accepted", in)
		}
	}
}

// FuzzImportCSV: any input gives rows or errors, never a panic, and every
// row either validates or reports at least one error.
func FuzzImportCSV(f *testing.F) {
	for _, p := range []string{"testdata/good.csv", "testdata/bad.csv"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("creditor,debtor_name\n\"unterminated"))
	f.Add([]byte("\ufeffcreditor;cpf\n;;;;\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, _ := ParseCSV(strings.NewReader(string(data)))
		for _, r := range rows {
			v, errs := Validate(r, nil)
			if len(errs) == 0 && (v.Row.CPF == "" || len(v.Row.Phones) == 0 || v.DueDate == "") {
				t.Fatalf("row %+v validated without cpf, phone or due date", r)
			}
			for _, e := range errs {
				if e.Line != r.Line || e.Field == "" {
					t.Fatalf("error %+v does not name line %d and a field", e, r.Line)
				}
			}
		}
	})
}

func TestCPFForMakesValidCPFs(t *testing.T) {
	if got := CPFFor(529982247); got != "52998224725" { // the CPF of DOMAIN.md's examples
		t.Fatalf("CPFFor(529982247) = %s, want 52998224725", got)
	}
	for n := 1; n < 5000; n += 7 {
		if c := CPFFor(n); !ValidCPF(c) {
			t.Fatalf("CPFFor(%d) = %s is not a valid CPF", n, c)
		}
	}
}

// TestImportTripsInFlight: with many small trips, two in flight at once,
// rows that touch the same debtor or invoice still end as written in file
// order, and the summary lists the debts in row order.
func TestImportTripsInFlight(t *testing.T) {
	st := redistest.New(t).Store()
	ctx := context.Background()
	var rows []Row
	for k := 0; k < 400; k++ {
		inv := k
		if k%5 == 4 && k >= 10 {
			inv = k - 10 // the invoice of a row one trip back, again
		}
		rows = append(rows, Row{Line: k + 2, Creditor: "loja-exemplo", DebtorName: fmt.Sprint("Cliente ", k), CPF: CPFFor(1000 + k%37),
			Phone: fmt.Sprintf("+55119%08d", k%53), Invoice: fmt.Sprint("NF-", inv), Amount: fmt.Sprint(100+k, ",00"), DueDate: "2026-12-10"})
	}
	im := &Importer{Store: st, FirstReminder: firstAt, Batch: 10, PerTrip: 1}
	sum, err := im.Import(ctx, rows, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	lastAmount, lastName, invoicesOf := map[string]int64{}, map[string]string{}, map[string]map[string]bool{}
	for k, r := range rows {
		lastAmount[r.Invoice] = int64(100+k) * 100
		lastName[r.CPF] = r.DebtorName
		if invoicesOf[r.CPF] == nil {
			invoicesOf[r.CPF] = map[string]bool{}
		}
		invoicesOf[r.CPF][r.Invoice] = true
	}
	if sum.Created != len(lastAmount) || sum.Updated != len(rows)-len(lastAmount) || len(sum.DebtIDs) != len(rows) {
		t.Fatalf("summary %+v", sum)
	}
	for k, r := range rows {
		id, err := st.DebtByInvoice(ctx, r.Creditor, r.Invoice)
		if err != nil || sum.DebtIDs[k] != id {
			t.Fatalf("row %d: debt %s, summary says %s (%v)", k, id, sum.DebtIDs[k], err)
		}
		d, err := st.Debt(ctx, id)
		if err != nil || d.AmountCents != lastAmount[r.Invoice] {
			t.Fatalf("%s: %+v %v, want the last row's amount %d", r.Invoice, d, err, lastAmount[r.Invoice])
		}
	}
	for cpf, invs := range invoicesOf {
		d, err := st.DebtorByCPF(ctx, cpf)
		if err != nil || d.Name != lastName[cpf] {
			t.Fatalf("debtor %s: %+v %v, want the last row's name %s", cpf, d, err, lastName[cpf])
		}
		debts, err := st.DebtsOf(ctx, d.ID)
		if err != nil || len(debts) != len(invs) {
			t.Fatalf("debtor %s: %d debts %v, want %d", cpf, len(debts), err, len(invs))
		}
	}
	// Each phone points to the debtor of the last row that had it.
	lastOwner := map[string]string{}
	for _, r := range rows {
		lastOwner[r.Phone] = r.CPF
	}
	for phone, cpf := range lastOwner {
		d, err := st.DebtorByPhone(ctx, phone)
		if err != nil || d.CPF != cpf {
			t.Fatalf("phone %s: %+v %v, want CPF %s", phone, d, err, cpf)
		}
	}
}

// TestImportSeq: rows produced one at a time (with one refused among them)
// are imported in one stream, progress counts up to the rows written, and
// the ids are not listed.
func TestImportSeq(t *testing.T) {
	st := redistest.New(t).Store()
	ctx := context.Background()
	const n = 120
	rows := func(yield func(Row) bool) {
		for k := range n {
			r := Row{Line: k + 2, Creditor: "loja-exemplo", DebtorName: fmt.Sprint("Cliente ", k), CPF: CPFFor(5000 + k),
				Phone: fmt.Sprintf("+55118%08d", k), Invoice: fmt.Sprint("NF-", k), Amount: "10,00", DueDate: "2026-12-10"}
			if k == 7 {
				r.Amount = "dez reais"
			}
			if !yield(r) {
				return
			}
		}
	}
	var last, lastTotal int
	im := &Importer{Store: st, FirstReminder: firstAt, Batch: 25, PerTrip: 2}
	sum, err := im.ImportSeq(ctx, rows, n, nil, func(done, total int) { last, lastTotal = done, total })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != n || sum.Created != n-1 || sum.Failed != 1 || len(sum.Errors) != 1 || sum.Errors[0].Line != 9 || sum.DebtIDs != nil {
		t.Fatalf("summary %+v", sum)
	}
	if last != n-1 || lastTotal != n-1 {
		t.Fatalf("last progress %d of %d, want %d of %d", last, lastTotal, n-1, n-1)
	}
	if _, err := st.DebtByInvoice(ctx, "loja-exemplo", "NF-7"); err == nil {
		t.Fatal("the refused row NF-7 was written")
	}
	id, err := st.DebtByInvoice(ctx, "loja-exemplo", "NF-119")
	if err != nil {
		t.Fatal(err)
	}
	if at, ok, err := st.NextReminder(ctx, id); err != nil || !ok || at.IsZero() {
		t.Fatalf("NF-119 not scheduled: %v %v %v", at, ok, err)
	}
}
