// Command train trains dialogs/nlu's model from the labelled corpus and
// writes model.bin; `go generate ./dialogs/nlu` runs it:
//
//	go run ./internal/train -corpus testdata/train -out model.bin
//
// It never reads testdata/test.jsonl: the held-out set only measures.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/quita-bot/quita/dialogs/nlu"
)

func main() {
	corpus := flag.String("corpus", "testdata/train", "directory of the labelled *.jsonl training files")
	out := flag.String("out", "model.bin", "weights file to write")
	flag.Parse()
	if err := run(*corpus, *out); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(corpus, out string) error {
	b, summary, err := nlu.TrainModel(os.DirFS(corpus))
	if err != nil {
		return fmt.Errorf("training on %s: %w", corpus, err)
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	abs, _ := filepath.Abs(out)
	fmt.Fprintf(os.Stderr, "%swrote %s\n", summary, abs)
	return nil
}
