package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
)

func TestPackRecord(t *testing.T) {
	for _, c := range []struct {
		name string
		kv   []string
		want string
		back map[string]string
	}{
		{"empty", nil, "", map[string]string{}},
		{"one", []string{"n", "Ana"}, "n\x1fAna", map[string]string{"n": "Ana"}},
		{"several in order", []string{"n", "Ana Souza", "c", "52998224725", "ph", "+5511987650001,+5511987650002"},
			"n\x1fAna Souza\x1ec\x1f52998224725\x1eph\x1f+5511987650001,+5511987650002",
			map[string]string{"n": "Ana Souza", "c": "52998224725", "ph": "+5511987650001,+5511987650002"}},
		{"empty values left out", []string{"n", "", "c", "1", "e", ""}, "c\x1f1", map[string]string{"c": "1"}},
		{"separators in values become spaces", []string{"n", "a\x1eb\x1fc", "d", "\x1e"}, "n\x1fa b c\x1ed\x1f ",
			map[string]string{"n": "a b c", "d": " "}},
		{"values may hold commas, pipes, dots, unicode", []string{"n", "Sofá 3/10, R$ 1.280|x"}, "n\x1fSofá 3/10, R$ 1.280|x",
			map[string]string{"n": "Sofá 3/10, R$ 1.280|x"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := packRecord(c.kv...)
			if got != c.want {
				t.Fatalf("packRecord(%q) = %q, want %q", c.kv, got, c.want)
			}
			if back := unpackRecord(got); !reflect.DeepEqual(back, c.back) {
				t.Fatalf("unpackRecord(%q) = %q, want %q", got, back, c.back)
			}
		})
	}
}

func TestUnpackRecordTolerance(t *testing.T) {
	// Stray separators (an empty pair, a pair without value separator) are skipped.
	got := unpackRecord("\x1en\x1fAna\x1e\x1ejunk\x1ec\x1f1\x1e")
	if want := map[string]string{"n": "Ana", "c": "1"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestPackRecordProperty: for random records of random bytes, unpacking a
// packed record gives back every non-empty value, separators turned into
// spaces, and packing is deterministic in the order given.
func TestPackRecordProperty(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	alphabet := []byte("ab,|. \x1e\x1f0123456789\xc3\xa1")
	str := func(max int) string {
		b := make([]byte, rnd.Intn(max+1))
		for i := range b {
			b[i] = alphabet[rnd.Intn(len(alphabet))]
		}
		return string(b)
	}
	clean := strings.NewReplacer("\x1e", " ", "\x1f", " ")
	for n := 0; n < 2000; n++ {
		var kv []string
		want := map[string]string{}
		for _, a := range debtorAttrs[:rnd.Intn(len(debtorAttrs)+1)] {
			v := str(20)
			kv = append(kv, a, v)
			if v != "" {
				want[a] = clean.Replace(v)
			}
		}
		packed := packRecord(kv...)
		if got := unpackRecord(packed); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip of %q: packed %q, got %q", kv, packed, got)
		}
		if again := string(packMap(nil, debtorAttrs, unpackRecord(packed))); again != packed {
			t.Fatalf("repacking %q in attribute order gave %q", packed, again)
		}
	}
}

// testStores are stores on a real Redis (127.0.0.1:6379 or REDIS_URL),
// when one answers, and on miniredis (the embedded server's engine, whose
// Lua differs): the scripts must work on both.
func testStores(t *testing.T) map[string]*Store {
	t.Helper()
	out := map[string]*Store{}
	if rdb, prefix := realRedis(t); rdb != nil {
		out["redis"] = New(rdb, prefix)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	out["miniredis"] = New(rdb, "test")
	return out
}

// realRedisDown remembers that no real Redis answered an earlier test, so
// that the others do not each wait for the client's dial retries.
var realRedisDown atomic.Bool

// realRedis is the real server of REDIS_URL (or 127.0.0.1:6379) with a key
// prefix for this test, cleaned up after it; nil when none answers.
func realRedis(t testing.TB) (redis.UniversalClient, string) {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	if realRedisDown.Load() {
		return nil, ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rdb, err := Connect(ctx, url)
	if err != nil {
		if os.Getenv("QUITA_REQUIRE_REDIS") == "1" {
			t.Fatalf("no real Redis at %s: %v", url, err)
		}
		realRedisDown.Store(true)
		return nil, ""
	}
	prefix := "test:" + NewID()
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), prefix+":*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
		rdb.Close()
	})
	return rdb, prefix
}

func eachStore(t *testing.T, f func(t *testing.T, s *Store)) {
	for name, s := range testStores(t) {
		t.Run(name, func(t *testing.T) { f(t, s) })
	}
}

func importRow(creditor, invoice, cpf string, phones []string, name, cents string, at int64) ImportRow {
	return ImportRow{Creditor: creditor, Invoice: invoice, CPF: cpf, Phones: phones,
		Debtor: map[string]string{DebtorAttrName: name, DebtorAttrBirth: "", DebtorAttrEmail: "", DebtorAttrLang: "pt",
			DebtorAttrTZ: "America/Sao_Paulo", DebtorAttrChannel: "sms", DebtorAttrVIP: "", DebtorAttrDelays: ""},
		Debt: map[string]string{DebtAttrDesc: "Parcela 3/10", DebtAttrAmount: cents, DebtAttrDue: "2026-12-10",
			DebtAttrPurchase: "", DebtAttrMethod: "boleto", DebtAttrNossoNumero: ""},
		ScheduleAt: at}
}

// TestImportPackedFormat: a new debt is one packed field (no status
// field: absent reads as open), its debtor one packed field with the debt
// in its list, and the indexes and schedule are written.
func TestImportPackedFormat(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		res, err := s.ImportDebts(ctx, []ImportRow{
			importRow("loja", "NF-1", "52998224725", []string{"+5511987650001", "+5511987650002"}, "Ana Souza", "35990", 1_800_000_000_000),
			importRow("loja", "NF-2", "11144477735", []string{"+5511987650003"}, "Bruno\x1eLima", "100", 0),
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 2 || !res[0].Created || !res[1].Created || res[0].DebtID == res[1].DebtID || res[0].DebtorID == res[1].DebtorID {
			t.Fatalf("results %+v", res)
		}
		did, pid := res[0].DebtID, res[0].DebtorID
		rdb := s.rdb
		rec, err := rdb.HGet(ctx, s.keys.DebtorBucket(pid), pid).Result()
		if err != nil {
			t.Fatal(err)
		}
		want := "c\x1f52998224725\x1eph\x1f+5511987650001,+5511987650002\x1en\x1fAna Souza\x1el\x1fpt\x1ez\x1fAmerica/Sao_Paulo\x1ech\x1fsms\x1eL\x1f" + did
		if rec != want {
			t.Fatalf("debtor record %q\nwant %q", rec, want)
		}
		rec, err = rdb.HGet(ctx, s.keys.DebtBucket(did), did).Result()
		if err != nil {
			t.Fatal(err)
		}
		want = "c\x1floja\x1ei\x1fNF-1\x1en\x1fParcela 3/10\x1ea\x1f35990\x1ed\x1f2026-12-10\x1em\x1fboleto\x1eo\x1f" + pid
		if rec != want {
			t.Fatalf("debt record %q\nwant %q", rec, want)
		}
		fields, _ := rdb.HKeys(ctx, s.keys.DebtBucket(did)).Result()
		for _, f := range fields {
			if strings.Contains(f, ".") {
				t.Fatalf("a new debt wrote field %s (bucket %v)", f, fields)
			}
		}
		d, err := s.Debt(ctx, did)
		if err != nil || d.Status != dialogs.DebtOpen || d.AmountCents != 35990 || d.DebtorID != pid || d.Invoice != "NF-1" || d.CreditorID != "loja" {
			t.Fatalf("Debt = %+v %v", d, err)
		}
		ana, err := s.DebtorByPhone(ctx, "+5511987650002")
		if err != nil || ana.ID != pid || ana.Name != "Ana Souza" || strings.Join(ana.Phones, " ") != "+5511987650001 +5511987650002" || ana.TimeZone != "America/Sao_Paulo" {
			t.Fatalf("DebtorByPhone = %+v %v", ana, err)
		}
		if bruno, err := s.Debtor(ctx, res[1].DebtorID); err != nil || bruno.Name != "Bruno Lima" {
			t.Fatalf("a separator in a name: %+v %v", bruno, err)
		}
		if id, err := s.DebtByInvoice(ctx, "loja", "NF-1"); err != nil || id != did {
			t.Fatalf("DebtByInvoice = %s %v", id, err)
		}
		if at, ok, err := s.NextReminder(ctx, did); err != nil || !ok || at.UnixMilli() != 1_800_000_000_000 {
			t.Fatalf("NextReminder = %v %v %v", at, ok, err)
		}
		if _, ok, _ := s.NextReminder(ctx, res[1].DebtID); ok {
			t.Fatal("a debt with no schedule time was scheduled")
		}
	})
}

// TestReimport: a known CPF gets the new phone and a second debt; a known
// invoice is updated in place and keeps its status, reminder state and
// schedule.
func TestReimport(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const cpf = "52998224725"
		first, err := s.ImportDebts(ctx, []ImportRow{importRow("loja", "NF-1", cpf, []string{"+5511987650001"}, "Ana Souza", "35990", 1_800_000_000_000)})
		if err != nil {
			t.Fatal(err)
		}
		d1, pid := first[0].DebtID, first[0].DebtorID
		if ch, err := s.SetDebtStatus(ctx, d1, dialogs.DebtAgreement); err != nil || !ch {
			t.Fatalf("SetDebtStatus = %v %v", ch, err)
		}
		if _, err := s.UpdateReminderState(ctx, d1, func(r *ReminderState) error { r.Next, r.LastStep = 2, "D+5"; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkWrongNumber(ctx, pid, "+5511000000000"); err != nil {
			t.Fatal(err)
		}
		if err := s.ScheduleReminder(ctx, d1, time.UnixMilli(1_900_000_000_000)); err != nil {
			t.Fatal(err)
		}

		again := importRow("loja", "NF-1", cpf, []string{"+5511987650002"}, "Ana S. Souza", "40000", 1_800_000_000_000)
		again.Debtor[DebtorAttrEmail] = "ana@example.com"
		again.Debt[DebtAttrNossoNumero] = "123"
		second := importRow("loja", "NF-2", cpf, []string{"+5511987650001"}, "", "9900", 1_850_000_000_000)
		res, err := s.ImportDebts(ctx, []ImportRow{again, second})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Created || res[0].DebtID != d1 || res[0].DebtorID != pid || !res[1].Created || res[1].DebtorID != pid {
			t.Fatalf("results %+v (first %+v)", res, first)
		}
		d2 := res[1].DebtID

		ana, debts, err := s.DebtorWithDebts(ctx, pid)
		if err != nil {
			t.Fatal(err)
		}
		if ana.Name != "Ana S. Souza" || ana.Email != "ana@example.com" || ana.CPF != cpf || ana.Language != "pt" ||
			strings.Join(ana.Phones, " ") != "+5511987650001 +5511987650002" {
			t.Fatalf("debtor after re-import: %+v", ana)
		}
		if len(debts) != 2 || debts[0].ID != d1 || debts[1].ID != d2 {
			t.Fatalf("debts %+v", debts)
		}
		if d := debts[0]; d.Status != dialogs.DebtAgreement || d.AmountCents != 40000 || d.DebtorID != pid || d.Description != "Parcela 3/10" {
			t.Fatalf("re-imported debt %+v", d)
		}
		if d := debts[1]; d.Status != dialogs.DebtOpen || d.AmountCents != 9900 {
			t.Fatalf("second debt %+v", d)
		}
		if rs, err := s.ReminderState(ctx, d1); err != nil || rs.Next != 2 || rs.LastStep != "D+5" {
			t.Fatalf("reminder state %+v %v", rs, err)
		}
		if at, _, _ := s.NextReminder(ctx, d1); at.UnixMilli() != 1_900_000_000_000 {
			t.Fatalf("re-import moved the schedule to %v", at)
		}
		if at, ok, _ := s.NextReminder(ctx, d2); !ok || at.UnixMilli() != 1_850_000_000_000 {
			t.Fatalf("second debt scheduled %v %v", at, ok)
		}
		if w, err := s.DebtorWrongNumbers(ctx, pid); err != nil || strings.Join(w, ",") != "+5511000000000" {
			t.Fatalf("wrong numbers %v %v", w, err)
		}
		if x, err := s.DebtExtras(ctx, d1); err != nil || x["nosso_numero"] != "123" {
			t.Fatalf("extras %v %v", x, err)
		}
		for _, p := range []string{"+5511987650001", "+5511987650002"} {
			if id, err := s.DebtorIDByPhone(ctx, p); err != nil || id != pid {
				t.Fatalf("phone %s → %s %v", p, id, err)
			}
		}

		// The same rows again change nothing.
		before, _ := s.rdb.HGet(ctx, s.keys.DebtorBucket(pid), pid).Result()
		if res, err = s.ImportDebts(ctx, []ImportRow{again, second}); err != nil || res[0].Created || res[1].Created {
			t.Fatalf("third import %+v %v", res, err)
		}
		if after, _ := s.rdb.HGet(ctx, s.keys.DebtorBucket(pid), pid).Result(); after != before {
			t.Fatalf("an identical re-import changed the debtor: %q → %q", before, after)
		}
	})
}

// TestImportRecordGone: an index entry whose record was deleted is written
// as new; the debt is scheduled again unless it has reminder progress.
func TestImportRecordGone(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		rows := []ImportRow{
			importRow("loja", "NF-1", "52998224725", []string{"+5511987650001"}, "Ana", "100", 1_800_000_000_000),
			importRow("loja", "NF-2", "11144477735", []string{"+5511987650002"}, "Bruno", "200", 1_800_000_000_000),
		}
		res, err := s.ImportDebts(ctx, rows)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateReminderState(ctx, res[1].DebtID, func(r *ReminderState) error { r.Next = 1; return nil }); err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			s.rdb.HDel(ctx, s.keys.DebtBucket(r.DebtID), r.DebtID)
			s.rdb.HDel(ctx, s.keys.DebtorBucket(r.DebtorID), r.DebtorID)
			s.UnscheduleReminder(ctx, r.DebtID)
		}
		again, err := s.ImportDebts(ctx, rows)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range again {
			if r.Created || r.DebtID != res[i].DebtID || r.DebtorID != res[i].DebtorID {
				t.Fatalf("re-import %+v, first %+v", again, res)
			}
			d, debts, err := s.DebtorWithDebts(ctx, r.DebtorID)
			if err != nil || d.Name != rows[i].Debtor[DebtorAttrName] || len(debts) != 1 || debts[0].ID != r.DebtID || debts[0].DebtorID != r.DebtorID {
				t.Fatalf("rewritten %+v %+v %v", d, debts, err)
			}
		}
		if _, ok, _ := s.NextReminder(ctx, res[0].DebtID); !ok {
			t.Fatal("a rewritten debt without reminder progress was not scheduled")
		}
		if _, ok, _ := s.NextReminder(ctx, res[1].DebtID); ok {
			t.Fatal("a rewritten debt with reminder progress was scheduled again")
		}
	})
}

// TestDebtStatusDefault: a debt without a status field is open; changing
// to open is no change; an unknown debt is not found.
func TestDebtStatusDefault(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		res, err := s.ImportDebts(ctx, []ImportRow{importRow("loja", "NF-1", "52998224725", []string{"+5511987650001"}, "Ana", "100", 0)})
		if err != nil {
			t.Fatal(err)
		}
		id := res[0].DebtID
		if d, _ := s.Debt(ctx, id); d.Status != dialogs.DebtOpen {
			t.Fatalf("status %q", d.Status)
		}
		for _, c := range []struct {
			status  string
			changed bool
		}{{dialogs.DebtOpen, false}, {dialogs.DebtPaid, true}, {dialogs.DebtPaid, false}, {dialogs.DebtOpen, true}} {
			if ch, err := s.SetDebtStatus(ctx, id, c.status); err != nil || ch != c.changed {
				t.Fatalf("SetDebtStatus(%s) = %v %v, want %v", c.status, ch, err, c.changed)
			}
			if d, _ := s.Debt(ctx, id); d.Status != c.status {
				t.Fatalf("status %q, want %q", d.Status, c.status)
			}
		}
		if _, err := s.SetDebtStatus(ctx, "nope", dialogs.DebtPaid); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown debt: %v", err)
		}
		if _, err := s.Debt(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Debt(unknown): %v", err)
		}
		if _, err := s.Debtor(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Debtor(unknown): %v", err)
		}
	})
}

// TestSaveDebtorKeepsLinks: SaveDebtor replaces the debtor's attributes
// but keeps its debts and wrong numbers; SaveDebt keeps the nosso número.
func TestSaveDebtorKeepsLinks(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ana := dialogs.Debtor{ID: "demo-ana", Name: "Ana", CPF: "52998224725", Phones: []string{"+5511987650001"}, Email: "a@x", Delays: 2, VIP: true}
		if err := s.SaveDebtor(ctx, ana); err != nil {
			t.Fatal(err)
		}
		debt := dialogs.Debt{ID: "demo-ana-1", CreditorID: "loja", DebtorID: "demo-ana", Invoice: "NF-1", AmountCents: 100, DueDate: "2026-12-01"}
		if err := s.SaveDebt(ctx, debt); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveDebt(ctx, debt); err != nil { // linked once
			t.Fatal(err)
		}
		if err := s.MarkWrongNumber(ctx, "demo-ana", "+5511000000000"); err != nil {
			t.Fatal(err)
		}
		s.rdb.HSet(ctx, s.keys.DebtBucket(debt.ID), debt.ID, packRecord("c", "loja", "o", "demo-ana", "i", "NF-1", "nn", "77"))
		ana.Email, ana.Name, ana.VIP = "", "Ana Souza", false
		if err := s.SaveDebtor(ctx, ana); err != nil {
			t.Fatal(err)
		}
		debt.Status = dialogs.DebtPaid
		if err := s.SaveDebt(ctx, debt); err != nil {
			t.Fatal(err)
		}
		got, debts, err := s.DebtorWithDebts(ctx, "demo-ana")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(ana) {
			t.Fatalf("debtor %+v, want %+v", got, ana)
		}
		if len(debts) != 1 || fmt.Sprint(debts[0]) != fmt.Sprint(debt) {
			t.Fatalf("debts %+v, want %+v", debts, debt)
		}
		if w, _ := s.DebtorWrongNumbers(ctx, "demo-ana"); strings.Join(w, ",") != "+5511000000000" {
			t.Fatalf("wrong numbers %v", w)
		}
		if x, _ := s.DebtExtras(ctx, debt.ID); x["nosso_numero"] != "77" {
			t.Fatalf("extras %v", x)
		}
		if d, err := s.DebtorByCPF(ctx, "52998224725"); err != nil || d.ID != "demo-ana" {
			t.Fatalf("by CPF %+v %v", d, err)
		}
		if w, err := s.DebtorWrongNumbers(ctx, "nobody"); err != nil || w != nil {
			t.Fatalf("wrong numbers of nobody %v %v", w, err)
		}
		if ds, err := s.DebtsOf(ctx, "nobody"); err != nil || ds != nil {
			t.Fatalf("debts of nobody %v %v", ds, err)
		}
	})
}

// TestMigratePortfolio: legacy per-attribute fields are packed, the fields
// of their own kept, the format marked, and a second run does nothing.
func TestMigratePortfolio(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		legacyDebtor := map[string]string{"n": "Ana Souza", "c": "52998224725", "b": "1988-04-12", "ph": "+5511987650001", "e": "",
			"l": "pt", "z": "America/Sao_Paulo", "ch": "whatsapp", "v": "", "dl": "0", "L": "demo-ana-1,1", "w": "+5511000000000"}
		legacyDebt := map[string]string{"c": "loja", "o": "demo-ana", "i": "NF-1001", "n": "Geladeira", "a": "35990", "d": "2026-11-20",
			"p": "2026-08-01", "m": "boleto", "s": "agreement", "r": "2|D+5|a|1764000000|||0|", "O": "1"}
		legacyDebt2 := map[string]string{"c": "loja", "o": "demo-ana", "i": "NF-7", "a": "100", "d": "2026-11-20", "s": "open", "nn": "55"}
		hset := func(key, id string, m map[string]string) {
			for a, v := range m {
				if err := s.rdb.HSet(ctx, key, id+"."+a, v).Err(); err != nil {
					t.Fatal(err)
				}
			}
		}
		hset(s.keys.DebtorBucket("demo-ana"), "demo-ana", legacyDebtor)
		hset(s.keys.DebtBucket("demo-ana-1"), "demo-ana-1", legacyDebt)
		hset(s.keys.DebtBucket("1"), "1", legacyDebt2)
		s.rdb.HSet(ctx, s.keys.Index("cpf", "52998224725"), "52998224725", "demo-ana")
		// A record written in the new format meanwhile is left as it is.
		newer := packRecord("n", "Bruno", "c", "11144477735", "L", "2")
		s.rdb.HSet(ctx, s.keys.DebtorBucket("demo-bruno"), "demo-bruno", newer)
		// One written meanwhile beside legacy fields keeps its attributes;
		// the legacy ones fill the gaps, the debt lists are merged.
		hset(s.keys.DebtorBucket("demo-carmen"), "demo-carmen", map[string]string{"n": "Carmen", "b": "1992-01-05", "L": "7,8"})
		s.rdb.HSet(ctx, s.keys.DebtorBucket("demo-carmen"), "demo-carmen", packRecord("n", "Carmen Ruiz", "c", "12345678909", "L", "8,9"))

		n, err := s.MigratePortfolio(ctx)
		if err != nil || n != 4 {
			t.Fatalf("MigratePortfolio = %d %v, want 4 records", n, err)
		}
		carmen, _ := s.rdb.HGet(ctx, s.keys.DebtorBucket("demo-carmen"), "demo-carmen").Result()
		if want := packRecord("n", "Carmen Ruiz", "c", "12345678909", "b", "1992-01-05", "L", "8,9,7"); carmen != want {
			t.Fatalf("merged record %q, want %q", carmen, want)
		}
		ana, debts, err := s.DebtorWithDebts(ctx, "demo-ana")
		if err != nil {
			t.Fatal(err)
		}
		if ana.Name != "Ana Souza" || ana.BirthDate != "1988-04-12" || ana.Channel != "whatsapp" || len(ana.Phones) != 1 || ana.CPF != "52998224725" {
			t.Fatalf("migrated debtor %+v", ana)
		}
		if len(debts) != 2 || debts[0].Status != "agreement" || debts[0].AmountCents != 35990 || debts[0].Description != "Geladeira" ||
			debts[1].ID != "1" || debts[1].Status != "open" || debts[1].Invoice != "NF-7" {
			t.Fatalf("migrated debts %+v", debts)
		}
		if w, _ := s.DebtorWrongNumbers(ctx, "demo-ana"); strings.Join(w, ",") != "+5511000000000" {
			t.Fatalf("wrong numbers %v", w)
		}
		if x, _ := s.DebtExtras(ctx, "1"); x["nosso_numero"] != "55" {
			t.Fatalf("extras %v", x)
		}
		if rs, _ := s.ReminderState(ctx, "demo-ana-1"); rs.Next != 2 || rs.LastStep != "D+5" {
			t.Fatalf("reminder state %+v", rs)
		}
		fields, _ := s.rdb.HKeys(ctx, s.keys.DebtBucket("demo-ana-1")).Result()
		sort.Strings(fields)
		if strings.Join(fields, " ") != "demo-ana-1 demo-ana-1.O demo-ana-1.r demo-ana-1.s" {
			t.Fatalf("debt fields after migration: %v", fields)
		}
		fields, _ = s.rdb.HKeys(ctx, s.keys.DebtorBucket("demo-ana")).Result()
		if strings.Join(fields, " ") != "demo-ana" {
			t.Fatalf("debtor fields after migration: %v", fields)
		}
		if v, _ := s.rdb.HGet(ctx, s.keys.DebtorBucket("demo-bruno"), "demo-bruno").Result(); v != newer {
			t.Fatalf("a packed record changed: %q", v)
		}
		if ch, err := s.SetDebtStatus(ctx, "demo-ana-1", dialogs.DebtPaid); err != nil || !ch {
			t.Fatalf("SetDebtStatus after migration %v %v", ch, err)
		}
		if f, _ := s.rdb.Get(ctx, s.keys.Format()).Result(); f != "2" {
			t.Fatalf("format %q", f)
		}
		// Already migrated: nothing to do, even with legacy-looking fields about.
		hset(s.keys.DebtorBucket("x"), "x", map[string]string{"n": "X"})
		if n, err := s.MigratePortfolio(ctx); err != nil || n != 0 {
			t.Fatalf("second MigratePortfolio = %d %v", n, err)
		}
	})
}

// TestImportLargeBatch: one script run of many rows (several writes per
// bucket and ZADDs of at most 500 members), with CPFs and invoices that
// repeat inside the batch, which later rows read back before the batch's
// writes are made.
func TestImportLargeBatch(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const n = 1200
		var rows []ImportRow
		for k := 0; k < n; k++ {
			cpf := fmt.Sprintf("%011d", k-k%3) // three debts per debtor
			inv := fmt.Sprintf("NF-%d", k)
			if k%10 == 9 {
				inv = fmt.Sprintf("NF-%d", k-1) // the previous row's invoice again
			}
			rows = append(rows, importRow("loja", inv, cpf, []string{fmt.Sprintf("+55119%08d", k)}, fmt.Sprint("Cliente ", k), fmt.Sprint(100+k), int64(1_800_000_000_000+k)))
		}
		res, err := s.ImportDebts(ctx, rows)
		if err != nil {
			t.Fatal(err)
		}
		created := 0
		for k, r := range res {
			if r.Created {
				created++
			}
			if k%10 == 9 && (r.Created || r.DebtID != res[k-1].DebtID) {
				t.Fatalf("row %d repeats row %d's invoice: %+v vs %+v", k, k-1, r, res[k-1])
			}
			if k%3 != 0 && r.DebtorID != res[k-k%3].DebtorID {
				t.Fatalf("row %d: debtor %s, want %s", k, r.DebtorID, res[k-k%3].DebtorID)
			}
		}
		if created != n-n/10 {
			t.Fatalf("%d created, want %d", created, n-n/10)
		}
		if c, _ := s.ScheduledCount(ctx); c != int64(created) {
			t.Fatalf("%d scheduled, want %d", c, created)
		}
		for k := 0; k < n; k += 3 {
			d, debts, err := s.DebtorWithDebts(ctx, res[k].DebtorID)
			if err != nil {
				t.Fatal(err)
			}
			// Every row links its debt to its debtor, a repeated invoice
			// too (the debt keeps its first debtor), once.
			var want []string
			for j := k; j < k+3; j++ {
				if !slices.Contains(want, res[j].DebtID) {
					want = append(want, res[j].DebtID)
				}
			}
			var got []string
			for _, debt := range debts {
				got = append(got, debt.ID)
			}
			if len(d.Phones) != 3 || !slices.Equal(got, want) || d.Name != fmt.Sprint("Cliente ", k+2) {
				t.Fatalf("debtor of row %d: %+v with debts %v, want 3 phones, debts %v", k, d, got, want)
			}
			for _, debt := range debts {
				var last int
				fmt.Sscanf(debt.Invoice, "NF-%d", &last)
				if last%10 == 8 && (debt.AmountCents != int64(100+last+1) || debt.DebtorID != res[last].DebtorID) {
					t.Fatalf("debt %+v: the repeated invoice's last row should win, its first debtor stay", debt)
				}
			}
		}
	})
}

// TestImportOntoSavedDebtor: an import row whose CPF belongs to a debtor
// saved with a non-sequence id (demo data, hash-bucketed) updates that
// debtor in place.
func TestImportOntoSavedDebtor(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ana := dialogs.Debtor{ID: "demo-ana", Name: "Ana Souza", CPF: "52998224725", Phones: []string{"+5511987650001"}, Language: "pt"}
		if err := s.SaveDebtor(ctx, ana); err != nil {
			t.Fatal(err)
		}
		old := dialogs.Debt{ID: "demo-ana-1", CreditorID: "loja", DebtorID: "demo-ana", Invoice: "NF-1", AmountCents: 100, DueDate: "2026-12-01"}
		if err := s.SaveDebt(ctx, old); err != nil {
			t.Fatal(err)
		}
		res, err := s.ImportDebts(ctx, []ImportRow{
			importRow("loja", "NF-1", ana.CPF, []string{"+5511987650009"}, "", "200", 1_800_000_000_000),
			importRow("loja", "NF-2", ana.CPF, []string{"+5511987650001"}, "", "300", 1_800_000_000_000),
		})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Created || res[0].DebtID != "demo-ana-1" || res[0].DebtorID != "demo-ana" || !res[1].Created || res[1].DebtorID != "demo-ana" {
			t.Fatalf("results %+v", res)
		}
		d, debts, err := s.DebtorWithDebts(ctx, "demo-ana")
		if err != nil || d.Name != "Ana Souza" || strings.Join(d.Phones, " ") != "+5511987650001 +5511987650009" || d.TimeZone != "America/Sao_Paulo" {
			t.Fatalf("debtor %+v %v", d, err)
		}
		if len(debts) != 2 || debts[0].AmountCents != 200 || debts[0].DebtorID != "demo-ana" || debts[1].AmountCents != 300 {
			t.Fatalf("debts %+v", debts)
		}
		if _, ok, _ := s.NextReminder(ctx, "demo-ana-1"); ok {
			t.Fatal("an existing debt was scheduled by a re-import")
		}
	})
}
