package nlu

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"testing"
)

// TestCommittedModelIsFresh fails when model.bin was not trained on the
// corpus, features and config of this tree. The fingerprint in its header
// hashes the training config and every training example's labels and
// features (so a change to testdata/train, the normaliser, the lexicons or
// the feature code shows); without -short and -race it also retrains and
// compares the bytes, which catches a change to the training code.
func TestCommittedModelIsFresh(t *testing.T) {
	if defaultModel == nil {
		t.Fatalf("embedded model.bin unreadable: %v", defaultModelErr)
	}
	fp, err := corpusFingerprint(os.DirFS("testdata/train"))
	if err != nil {
		t.Fatal(err)
	}
	if fp != defaultModel.fingerprint {
		t.Fatalf("model.bin is stale: trained on fingerprint %x, testdata/train and this code give %x; run go generate ./dialogs/nlu and commit model.bin",
			defaultModel.fingerprint[:6], fp[:6])
	}
	if testing.Short() || raceEnabled {
		t.Skip("retraining skipped with -short or -race; the fingerprint matched")
	}
	b, _, err := TrainModel(os.DirFS("testdata/train"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, modelBin) {
		t.Fatalf("retraining gives different bytes (sha256 %x, committed %x): the training code changed; run go generate ./dialogs/nlu",
			sha256.Sum256(b), sha256.Sum256(modelBin))
	}
}

// TestModelFileLimits keeps model.bin compact and its decisions sane.
func TestModelFileLimits(t *testing.T) {
	if len(modelBin) > 3<<20 {
		t.Errorf("model.bin is %d bytes, over 3 MiB", len(modelBin))
	}
	p := defaultModel.meta.Params
	for j, thr := range p.Thresholds {
		if thr <= 0 || thr >= 1 {
			t.Errorf("head %d threshold %v outside (0,1)", j, thr)
		}
	}
	if p.Temperature <= 0 {
		t.Errorf("temperature %v", p.Temperature)
	}
}

// TestDecodeModelRejects shows a damaged model is refused with a reason
// (and Classify then runs on the rules alone), never a panic.
func TestDecodeModelRejects(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXX"), modelBin[4:]...),
		"truncated": modelBin[:len(modelBin)/2],
		"trailing":  append(append([]byte(nil), modelBin...), 0),
	} {
		if m, err := decodeModel(b); err == nil || m != nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	r := classifyWith(nil, "para de me ligar", Options{Lang: "pt", Today: corpusToday})
	if r.Intent != IntentOptOut || !r.Has(FlagStopContact) {
		t.Errorf("rules alone: %+v", r)
	}
}

// TestSafetyFlags: the messages of issue 19 that the rules alone got wrong.
func TestSafetyFlags(t *testing.T) {
	cases := []struct {
		text   string
		intent Intent
		flags  []string
		date   string
	}{
		{"para de me ligar, pago sexta", IntentPromise, []string{FlagStopContact}, "2026-11-27"},
		{"stop calling me, I'll pay on Friday", IntentPromise, []string{FlagStopContact}, "2026-11-27"},
		{"I do not authorise you to contact me", IntentOptOut, []string{FlagStopContact}, ""},
		{"não autorizo que entrem em contato comigo", IntentOptOut, []string{FlagStopContact}, ""},
		{"my father died last week", IntentHardship, []string{FlagDistress}, ""},
		{"meu pai morreu semana passada", IntentHardship, []string{FlagDistress}, ""},
		{"STOP", IntentOptOut, []string{FlagStopContact}, ""},
		{"kkkkk to morrendo de rir", IntentUnknown, nil, ""},
		{"para de me mandar boleto errado", IntentDispute, nil, ""},
		{"quero sair do vermelho", IntentNegotiate, nil, ""},
	}
	for _, c := range cases {
		r := Classify(c.text, Options{Today: corpusToday})
		for _, f := range []string{FlagDistress, FlagStopContact} {
			want := false
			for _, w := range c.flags {
				want = want || w == f
			}
			if r.Has(f) != want {
				t.Errorf("%q: %s=%v, want %v (%s %v)", c.text, f, r.Has(f), want, r.Intent, r.Flags)
			}
		}
		if r.Intent != c.intent || r.Entities.Date != c.date {
			t.Errorf("%q: %s date %q, want %s date %q", c.text, r.Intent, r.Entities.Date, c.intent, c.date)
		}
		if r.Intent == IntentOptOut && !r.Has(FlagStopContact) {
			t.Errorf("%q: opt_out without %s", c.text, FlagStopContact)
		}
	}
}

func ExampleClassify() {
	r := Classify("para de me ligar, pago sexta", Options{Lang: "pt", Today: corpusToday})
	fmt.Println(r.Intent, r.Entities.Date, r.Flags)
	// Output: promise_to_pay 2026-11-27 [stop_contact]
}
