package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/dialogs/nlu"
)

func init() { benchmarks["dialogs"] = benchDialogs }

// sampleMessages are what debtors write, when the corpus file is not at hand.
var sampleMessages = []string{
	"oi", "bom dia", "quero a segunda via do boleto", "já paguei ontem", "posso pagar dia 15?",
	"não tenho dinheiro agora, perdi o emprego", "quero parcelar em 3 vezes", "me manda o pix",
	"isso é golpe?", "não sou eu, número errado", "para de me mandar mensagem", "quero falar com uma pessoa",
	"529", "12/04/1988", "1", "obrigado", "hola, quiero pagar", "¿puedo pagar el viernes?",
	"hi, I already paid", "can I pay in installments?", "vou pagar semana que vem sem falta",
	"o valor está errado, não reconheço essa compra", "qual o valor com desconto à vista?",
}

func benchDialogs(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench dialogs", flag.ContinueOnError)
	corpusPath := fs.String("corpus", "dialogs/nlu/testdata/corpus.tsv", "classifier sample: a corpus TSV (lang, intent, entities, text); the built-in sample when missing")
	benchtime := fs.Duration("benchtime", time.Second, "run time of each benchmark")
	out := fs.String("out", benchHistory, "append the result to this file (- for none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	texts, source := loadSample(*corpusPath)
	today := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	if err := setBenchtime(*benchtime); err != nil {
		return err
	}

	// The engine as serve builds it: the demo creditor's policies, the local cashier.
	file, err := config.LoadFile("")
	if err != nil {
		return err
	}
	dir := config.NewDirectory(file).AllowExamples() // the demo's documents, as embedded demo mode makes them
	engine := dialogs.NewEngine(dialogs.EngineConfig{Cashier: bot.Cashier{Billing: billingFor(dir)}, DefaultTimeZone: "America/Sao_Paulo"})
	debtors, debts := demoPortfolio(today)
	known := dialogs.Case{Creditor: dir.DefaultCreditor(), Debtor: &debtors[0], Debts: debts[:1]}
	unknown := dialogs.Case{Creditor: dir.DefaultCreditor()}
	steps := []struct {
		name string
		conv dialogs.Conversation
		ev   dialogs.Event
	}{
		{"first message, unknown number", dialogs.Conversation{ID: "+5511900000001", Phone: "+5511900000001"},
			dialogs.Event{Kind: dialogs.EventInbound, Channel: "sms", Text: "oi", Case: &unknown}},
		{"first message, known debtor (asks to verify)", dialogs.Conversation{ID: debtors[0].Phones[0], Phone: debtors[0].Phones[0]},
			dialogs.Event{Kind: dialogs.EventInbound, Channel: "whatsapp", Text: "oi, boa tarde", Case: &known}},
		{"verified, free text promise", dialogs.Conversation{ID: debtors[0].Phones[0], Phone: debtors[0].Phones[0], State: dialogs.StateMenu,
			Verified: true, Language: "pt", Channel: "whatsapp", LastIn: today.Add(-10 * time.Minute)},
			dialogs.Event{Kind: dialogs.EventInbound, Channel: "whatsapp", Text: "posso pagar dia 20?", Case: &known}},
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Engine: serve's dialogs.Engine (real classifier, demo creditor policy, local cashier). Classifier sample: %s (%d messages). One goroutine unless noted; `parallel` uses every core (GOMAXPROCS %d).\n\n",
		source, len(texts), runtime.GOMAXPROCS(0))
	b.WriteString("| benchmark | ops/s | µs/op | allocs/op | B/op |\n|---|---:|---:|---:|---:|\n")
	row := func(name string, r testing.BenchmarkResult, perOp float64) {
		nsop := float64(r.T.Nanoseconds()) / float64(r.N)
		fmt.Fprintf(&b, "| %s | %.0f | %.2f | %d | %d |\n", name, perOp*1e9/nsop, nsop/1e3, r.AllocsPerOp(), r.AllocedBytesPerOp())
		fmt.Fprintf(os.Stderr, "%-50s %10.0f ops/s\n", name, perOp*1e9/nsop)
	}
	for _, st := range steps {
		if _, acts, err := engine.Step(st.conv, st.ev, today); err != nil || len(acts) == 0 {
			return fmt.Errorf("sample step %q: %v, %d actions", st.name, err, len(acts))
		}
		r := testing.Benchmark(func(tb *testing.B) {
			tb.ReportAllocs()
			for tb.Loop() {
				engine.Step(st.conv, st.ev, today)
			}
		})
		row("dialogs.Step: "+st.name, r, 1)
	}
	opt := nlu.Options{Today: today}
	r := testing.Benchmark(func(tb *testing.B) {
		tb.ReportAllocs()
		i := 0
		for tb.Loop() {
			nlu.Classify(texts[i%len(texts)], opt)
			i++
		}
	})
	row("nlu.Classify (messages/s, one core)", r, 1)
	var seq atomic.Int64
	r = testing.Benchmark(func(tb *testing.B) {
		tb.ReportAllocs()
		tb.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				nlu.Classify(texts[int(seq.Add(1))%len(texts)], opt)
			}
		})
	})
	row(fmt.Sprintf("nlu.Classify parallel (messages/s, %d cores)", runtime.GOMAXPROCS(0)), r, 1)
	return report(*out, "Dialogs", "quita bench dialogs "+strings.Join(args, " "), machine(ctx, nil), b.String())
}

// loadSample reads the corpus TSV's texts, or falls back to the built-in sample.
func loadSample(path string) ([]string, string) {
	f, err := os.Open(path)
	if err != nil {
		return sampleMessages, "built-in sample"
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if p := strings.SplitN(line, "\t", 4); len(p) == 4 {
			texts = append(texts, p[3])
		}
	}
	if len(texts) == 0 {
		return sampleMessages, "built-in sample"
	}
	return texts, path
}

// setBenchtime sets testing's -test.benchtime for testing.Benchmark.
func setBenchtime(d time.Duration) error {
	testing.Init()
	return flag.CommandLine.Set("test.benchtime", d.String())
}
