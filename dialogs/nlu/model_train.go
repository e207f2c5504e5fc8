package nlu

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"sort"
	"strings"
)

// Training of model.bin (see model.go for the format). Deterministic: the
// corpus is read in file-name order, example order is shuffled by a seeded
// splitmix64, feature indices follow sorted hashes, and the arithmetic is
// plain float64 (explicit conversions keep compilers from fusing
// multiply-adds), with its own exp: the same corpus and config give the same
// bytes on every machine.

// trainConfig is every knob of training; it is stored in model.bin.
type trainConfig struct {
	Trainer      int               `json:"trainer"` // bumped when the training code changes its result
	Seed         uint64            `json:"seed"`
	Epochs       int               `json:"epochs"`
	LearningRate float64           `json:"learning_rate"` // AdaGrad step
	L2           float64           `json:"l2"`
	MinDF        int               `json:"min_df"` // text features in fewer training messages are dropped
	Folds        int               `json:"folds"`  // cross-validation folds for calibration and thresholds
	PosWeight    [numHeads]float64 `json:"positive_weight"`
	FPBudget     [numHeads]float64 `json:"false_positive_budget"` // per head, of the messages without the flag
	MinThreshold [numHeads]float64 `json:"min_threshold"`         // a head never fires below it
	Heads        [numHeads]string  `json:"heads"`
}

var defaultTrainConfig = trainConfig{
	Trainer:      1,
	Seed:         19,
	Epochs:       24,
	LearningRate: 0.4,
	L2:           1e-5,
	MinDF:        2,
	Folds:        5,
	PosWeight:    [numHeads]float64{3, 3, 2, 2},
	FPBudget:     [numHeads]float64{0.015, 0.007, 0.005, 0.005},
	// the safety heads work for recall; legal threats and insults are the
	// rules' job, the model adds only what it is sure of
	MinThreshold: [numHeads]float64{0.02, 0.02, 0.5, 0.5},
	Heads:        [numHeads]string{FlagDistress, FlagStopContact, FlagLegalThreat, FlagAbusive},
}

// cvReport is what cross-validation of the training corpus measured, with
// the tuned decision parameters (out-of-fold predictions of models trained
// on the other folds).
type cvReport struct {
	Examples       int               `json:"examples"`
	IntentAccuracy float64           `json:"intent_accuracy"`
	RulesAccuracy  float64           `json:"rules_accuracy"` // the rule layer alone
	Recall         [numHeads]float64 `json:"recall"`
	FalsePositive  [numHeads]float64 `json:"false_positive_rate"`
	FalseOptOut    float64           `json:"false_opt_out_rate"` // intent opt_out, of the messages that are not
	Positives      [numHeads]int     `json:"positives"`
}

// labelledExample is one corpus line, featurised.
type labelledExample struct {
	text   string
	lang   int
	intent int
	heads  [numHeads]bool
	rv     ruleView
	tf     []uint32 // text features
	mf     []uint32 // meta features
}

type corpusLine struct {
	About  string   `json:"about"`
	Lang   string   `json:"lang"`
	Text   string   `json:"text"`
	Intent string   `json:"intent"`
	Flags  []string `json:"flags"`
}

// readCorpus reads every *.jsonl of corpus (testdata/LABELS.md format), in
// file-name order, and featurises it.
func readCorpus(corpus fs.FS) ([]labelledExample, error) {
	files, err := fs.Glob(corpus, "*.jsonl")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.jsonl training files")
	}
	sort.Strings(files)
	sc := new(scratch)
	var out []labelledExample
	for _, name := range files {
		b, err := fs.ReadFile(corpus, name)
		if err != nil {
			return nil, err
		}
		lines := bufio.NewScanner(bytes.NewReader(b))
		lines.Buffer(make([]byte, 64*1024), 1024*1024)
		for n := 1; lines.Scan(); n++ {
			if len(bytes.TrimSpace(lines.Bytes())) == 0 {
				continue
			}
			var l corpusLine
			if err := json.Unmarshal(lines.Bytes(), &l); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			if l.About != "" && l.Text == "" {
				continue
			}
			k, ok := intentIndex[Intent(l.Intent)]
			if !ok {
				return nil, fmt.Errorf("%s:%d: unknown intent %q", name, n, l.Intent)
			}
			li := langIndex(l.Lang)
			if li < 0 {
				return nil, fmt.Errorf("%s:%d: lang %q, want pt, es or en", name, n, l.Lang)
			}
			ex := labelledExample{text: l.Text, lang: li, intent: k}
			for _, f := range l.Flags {
				for j, h := range defaultTrainConfig.Heads {
					if f == h {
						ex.heads[j] = true
					}
				}
			}
			a, rv := sc.readRules(l.Text, Options{})
			a.features(&sc.feat, &rv)
			ex.rv = rv
			ex.tf = slices.Clone(sc.feat.text)
			ex.mf = slices.Clone(sc.feat.meta)
			out = append(out, ex)
		}
		if err := lines.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return out, nil
}

// fingerprint hashes the config and what training sees of every example:
// its labels and features. A change to the corpus, the normaliser, the
// lexicons (through the rule features) or the feature code changes it.
func fingerprint(cfg trainConfig, exs []labelledExample) [32]byte {
	h := sha256.New()
	c, _ := json.Marshal(cfg)
	h.Write(c)
	var b [4]byte
	put := func(v uint32) { binary.LittleEndian.PutUint32(b[:], v); h.Write(b[:]) }
	put(featureVersion)
	put(uint32(numOutputs))
	for _, ex := range exs {
		put(uint32(ex.intent))
		for _, z := range ex.heads {
			put(map[bool]uint32{false: 0, true: 1}[z])
		}
		put(uint32(len(ex.tf)))
		for _, f := range ex.tf {
			put(f)
		}
		put(uint32(len(ex.mf)))
		for _, f := range ex.mf {
			put(f)
		}
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// CorpusFingerprint is the fingerprint a model trained now on corpus would
// carry; TestCommittedModelIsFresh compares it with model.bin's.
func corpusFingerprint(corpus fs.FS) ([32]byte, error) {
	exs, err := readCorpus(corpus)
	if err != nil {
		return [32]byte{}, err
	}
	return fingerprint(defaultTrainConfig, exs), nil
}

// TrainModel trains the model on the labelled corpus (the *.jsonl files of
// corpus, testdata/LABELS.md format) and returns model.bin's bytes and a
// summary of the cross-validation. It is what `go generate ./dialogs/nlu`
// runs (internal/train); Classify never trains.
func TrainModel(corpus fs.FS) (modelBytes []byte, summary string, err error) {
	exs, err := readCorpus(corpus)
	if err != nil {
		return nil, "", err
	}
	return trainWith(defaultTrainConfig, exs)
}

func trainWith(cfg trainConfig, exs []labelledExample) (modelBytes []byte, summary string, err error) {
	fp := fingerprint(cfg, exs)

	oof, err := crossValidate(cfg, exs)
	if err != nil {
		return nil, "", err
	}
	params, report := tune(cfg, exs, oof)
	b := trainOnce(cfg, exs, identity(len(exs)), fp, modelMeta{Config: cfg, Params: params, CV: report, Trained: len(exs)})
	m, err := decodeModel(b)
	if err != nil {
		return nil, "", err
	}
	var s strings.Builder
	fmt.Fprintf(&s, "trained on %d messages, %d weight rows, %d bytes\n", len(exs), m.meta.Rows, len(b))
	fmt.Fprintf(&s, "%d-fold cross-validation: intent accuracy %.3f (rules alone %.3f); false opt_out %.4f\n",
		cfg.Folds, report.IntentAccuracy, report.RulesAccuracy, report.FalseOptOut)
	for j, h := range cfg.Heads {
		fmt.Fprintf(&s, "  %-13s recall %.3f (%d positives), false positives %.4f, threshold %.3f, rules trusted %v\n",
			h, report.Recall[j], report.Positives[j], report.FalsePositive[j], params.Thresholds[j], params.RuleFlags[j])
	}
	fmt.Fprintf(&s, "  temperature %.2f, min confidence %.2f\n", params.Temperature, params.MinConfidence)
	return b, s.String(), nil
}

// crossValidate returns every example's outputs from a model trained on
// the other folds.
func crossValidate(cfg trainConfig, exs []labelledExample) ([][numOutputs]float32, error) {
	fold := make([]int, len(exs))
	order := identity(len(exs))
	rng := splitmix64(cfg.Seed)
	shuffle(order, &rng)
	for k, i := range order {
		fold[i] = k % cfg.Folds
	}
	oof := make([][numOutputs]float32, len(exs))
	for f := 0; f < cfg.Folds; f++ {
		var trainSet []int
		for i := range exs {
			if fold[i] != f {
				trainSet = append(trainSet, i)
			}
		}
		m, err := decodeModel(trainOnce(cfg, exs, trainSet, [32]byte{}, modelMeta{}))
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", f, err)
		}
		var fs featureSet
		for i := range exs {
			if fold[i] == f {
				fs.text, fs.meta = exs[i].tf, exs[i].mf
				oof[i] = m.logits(&fs)
			}
		}
	}
	return oof, nil
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// splitmix64 is a tiny seeded generator whose sequence is fixed forever.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func shuffle(xs []int, rng *splitmix64) {
	for i := len(xs) - 1; i > 0; i-- {
		j := int(rng.next() % uint64(i+1))
		xs[i], xs[j] = xs[j], xs[i]
	}
}

// expDet is exp(x) in plain float64 arithmetic (range reduction by ln 2 and
// a degree-12 Taylor polynomial, relative error below 1e-15), identical on
// every platform, unlike math.Exp whose assembly differs between CPUs.
func expDet(x float64) float64 {
	if x > 700 {
		x = 700
	}
	if x < -700 {
		return 0
	}
	const ln2hi, ln2lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
	k := math.Floor(float64(x*1.4426950408889634) + 0.5)
	r := float64(x-float64(k*ln2hi)) - float64(k*ln2lo)
	p := 1.0 / 479001600
	p = float64(p*r) + 1.0/39916800
	p = float64(p*r) + 1.0/3628800
	p = float64(p*r) + 1.0/362880
	p = float64(p*r) + 1.0/40320
	p = float64(p*r) + 1.0/5040
	p = float64(p*r) + 1.0/720
	p = float64(p*r) + 1.0/120
	p = float64(p*r) + 1.0/24
	p = float64(p*r) + 1.0/6
	p = float64(p*r) + 0.5
	p = float64(p*r) + 1
	p = float64(p*r) + 1
	return math.Ldexp(p, int(k))
}

// sparse is one example as training sees it.
type sparse struct {
	idx []int32
	val []float64
}

// trainOnce trains on the examples in set, and pairs of them, and encodes
// the model.
func trainOnce(cfg trainConfig, exs []labelledExample, set []int, fp [32]byte, meta modelMeta) []byte {
	train := make([]labelledExample, 0, len(set))
	for _, i := range set {
		train = append(train, exs[i])
	}
	// vocabulary: text features in at least MinDF messages, every meta feature
	df := map[uint32]int{}
	seen := map[uint32]bool{}
	for i := range train {
		clear(seen)
		for _, h := range train[i].tf {
			if !seen[h] {
				seen[h] = true
				df[h]++
			}
		}
		for _, h := range train[i].mf {
			if !seen[h] {
				seen[h] = true
				df[h] += cfg.MinDF
			}
		}
	}
	var hashes []uint32
	for h, n := range df {
		if n >= cfg.MinDF {
			hashes = append(hashes, h)
		}
	}
	slices.Sort(hashes)
	index := make(map[uint32]int32, len(hashes))
	for k, h := range hashes {
		index[h] = int32(k)
	}
	xs := make([]sparse, len(train))
	for i := range train {
		xs[i] = toSparse(train[i], index)
	}
	exs, set = train, identity(len(train))

	const no = numOutputs
	w := make([]float64, len(hashes)*no)
	g := make([]float64, len(w))
	var bias, gb [no]float64
	order := slices.Clone(set)
	rng := splitmix64(cfg.Seed + 1)
	var z, grad [no]float64
	for ep := 0; ep < cfg.Epochs; ep++ {
		shuffle(order, &rng)
		for _, i := range order {
			x, ex := &xs[i], &exs[i]
			z = bias
			for j, f := range x.idx {
				v, row := x.val[j], w[int(f)*no:int(f)*no+no]
				for o := range z {
					z[o] += float64(row[o] * v)
				}
			}
			mx := z[0]
			for o := 1; o < numIntents; o++ {
				mx = math.Max(mx, z[o])
			}
			sum := 0.0
			for o := 0; o < numIntents; o++ {
				grad[o] = expDet(z[o] - mx)
				sum += grad[o]
			}
			for o := 0; o < numIntents; o++ {
				grad[o] /= sum
			}
			grad[ex.intent] -= 1
			for j := 0; j < numHeads; j++ {
				q := 1 / (1 + expDet(-z[numIntents+j]))
				if ex.heads[j] {
					grad[numIntents+j] = float64(q-1) * cfg.PosWeight[j]
				} else {
					grad[numIntents+j] = q
				}
			}
			for o := range bias {
				gb[o] += float64(grad[o] * grad[o])
				bias[o] -= float64(cfg.LearningRate*grad[o]) / (math.Sqrt(gb[o]) + 1e-8)
			}
			for j, f := range x.idx {
				v := x.val[j]
				base := int(f) * no
				for o := 0; o < no; o++ {
					gr := float64(grad[o]*v) + float64(cfg.L2*w[base+o])
					g[base+o] += float64(gr * gr)
					w[base+o] -= float64(cfg.LearningRate*gr) / (math.Sqrt(g[base+o]) + 1e-8)
				}
			}
		}
	}
	return encodeModel(fp, meta, bias, hashes, w)
}

func toSparse(ex labelledExample, index map[uint32]int32) sparse {
	var s sparse
	pos := map[int32]int{}
	add := func(h uint32, v float64) {
		f, ok := index[h]
		if !ok {
			return
		}
		if p, ok := pos[f]; ok {
			s.val[p] += v
			return
		}
		pos[f] = len(s.idx)
		s.idx = append(s.idx, f)
		s.val = append(s.val, v)
	}
	if len(ex.tf) > 0 {
		// the run-time value: float32(1/sqrt(n)) per occurrence
		inv := float64(float32(1 / math.Sqrt(float64(len(ex.tf)))))
		for _, h := range ex.tf {
			add(h, inv)
		}
	}
	for _, h := range ex.mf {
		add(h, 1)
	}
	return s
}

// encodeModel quantises the weights (int8 per output, a float32 scale per
// row) and writes model.bin.
func encodeModel(fp [32]byte, meta modelMeta, bias [numOutputs]float64, hashes []uint32, w []float64) []byte {
	const no = numOutputs
	var rows bytes.Buffer
	n := 0
	prev := uint64(0)
	var tmp [binary.MaxVarintLen64]byte
	for k, h := range hashes {
		row := w[k*no : k*no+no]
		mx := 0.0
		for _, v := range row {
			mx = math.Max(mx, math.Abs(v))
		}
		if mx < 1e-4 {
			continue
		}
		scale := float32(mx / 127)
		rows.Write(tmp[:binary.PutUvarint(tmp[:], uint64(h)-prev)])
		prev = uint64(h)
		binary.LittleEndian.PutUint32(tmp[:4], math.Float32bits(scale))
		rows.Write(tmp[:4])
		for _, v := range row {
			q := math.Round(v / float64(scale))
			rows.WriteByte(byte(int8(max(-127, min(127, q)))))
		}
		n++
	}
	meta.Rows = n
	js, _ := json.Marshal(meta)
	var out bytes.Buffer
	out.WriteString(modelMagic)
	binary.Write(&out, binary.LittleEndian, uint16(modelVersion))
	binary.Write(&out, binary.LittleEndian, uint16(featureVersion))
	out.Write(fp[:])
	binary.Write(&out, binary.LittleEndian, uint32(len(js)))
	out.Write(js)
	binary.Write(&out, binary.LittleEndian, uint16(no))
	for _, b := range bias {
		binary.Write(&out, binary.LittleEndian, math.Float32bits(float32(b)))
	}
	binary.Write(&out, binary.LittleEndian, uint32(n))
	out.Write(rows.Bytes())
	return out.Bytes()
}

// tune chooses the decision parameters on the out-of-fold outputs and
// reports what they give.
func tune(cfg trainConfig, exs []labelledExample, oof [][numOutputs]float32) (decisionParams, cvReport) {
	p := decisionParams{Temperature: 1}
	// temperature: the lowest negative log-likelihood of the true intent
	bestNLL := math.Inf(1)
	for t := 0.5; t <= 3.001; t += 0.05 {
		nll := 0.0
		for i, ex := range exs {
			nll -= logSoftmax(&oof[i], ex.intent, t)
		}
		if nll < bestNLL-1e-9 {
			bestNLL, p.Temperature = nll, math.Round(t*100)/100
		}
	}
	// heads: the lowest threshold keeping false positives within budget,
	// with or without the rules' flag, whichever recalls more
	scores := make([][numHeads]float64, len(exs))
	for i := range exs {
		probs := intentProbs(&oof[i], p.Temperature)
		scores[i] = headScores(&oof[i], &probs)
	}
	for j := range numHeads {
		bit := headFlags[j]
		bestRecall := -1.0
		for _, rules := range []bool{false, true} {
			var negs []float64
			pos, caught, nNeg, ruleFP := 0, 0, 0, 0
			for i, ex := range exs {
				q := scores[i][j]
				ruled := rules && ex.rv.flags&(1<<bit) != 0
				if ex.heads[j] {
					pos++
					continue
				}
				nNeg++
				if ruled {
					ruleFP++
				} else {
					negs = append(negs, q)
				}
			}
			allowed := int(cfg.FPBudget[j]*float64(nNeg)) - ruleFP
			if allowed < 0 {
				continue
			}
			sort.Sort(sort.Reverse(sort.Float64Slice(negs)))
			thr := cfg.MinThreshold[j]
			if allowed < len(negs) {
				k := allowed
				for k > 0 && negs[k-1] == negs[allowed] { // ties: stay within budget
					k--
				}
				thr = math.Max(thr, negs[k]+1e-6)
			}
			for i, ex := range exs {
				if ex.heads[j] && (scores[i][j] >= thr || rules && ex.rv.flags&(1<<bit) != 0) {
					caught++
				}
			}
			r := float64(caught) / float64(max(pos, 1))
			if r > bestRecall+1e-9 {
				bestRecall, p.Thresholds[j], p.RuleFlags[j] = r, math.Round(thr*1e4)/1e4, rules
			}
		}
	}
	// minimum confidence: the best accuracy
	bestAcc := -1.0
	for mc := 0.0; mc <= 0.601; mc += 0.01 {
		q := p
		q.MinConfidence = math.Round(mc*100) / 100
		right := 0
		for i := range exs {
			if d := combine(&exs[i].rv, &oof[i], &q); intentIndex[d.intent] == exs[i].intent {
				right++
			}
		}
		if acc := float64(right) / float64(len(exs)); acc > bestAcc+1e-9 {
			bestAcc, p.MinConfidence = acc, q.MinConfidence
		}
	}
	// the report
	r := cvReport{Examples: len(exs)}
	right, rulesRight, falseOpt, nonOpt := 0, 0, 0, 0
	var caught, fpos, negs [numHeads]int
	optOut := intentIndex[IntentOptOut]
	for i, ex := range exs {
		d := combine(&exs[i].rv, &oof[i], &p)
		if intentIndex[d.intent] == ex.intent {
			right++
		}
		if intentIndex[ex.rv.intent] == ex.intent {
			rulesRight++
		}
		if ex.intent != optOut {
			nonOpt++
			if d.intent == IntentOptOut {
				falseOpt++
			}
		}
		for j, bit := range headFlags {
			got := d.flags&(1<<bit) != 0
			if ex.heads[j] {
				r.Positives[j]++
				if got {
					caught[j]++
				}
			} else {
				negs[j]++
				if got {
					fpos[j]++
				}
			}
		}
	}
	r.IntentAccuracy = round4(float64(right) / float64(len(exs)))
	r.RulesAccuracy = round4(float64(rulesRight) / float64(len(exs)))
	r.FalseOptOut = round4(float64(falseOpt) / float64(max(nonOpt, 1)))
	for j := range numHeads {
		r.Recall[j] = round4(float64(caught[j]) / float64(max(r.Positives[j], 1)))
		r.FalsePositive[j] = round4(float64(fpos[j]) / float64(max(negs[j], 1)))
	}
	return p, r
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func logSoftmax(out *[numOutputs]float32, k int, t float64) float64 {
	mx := float64(out[0])
	for o := 1; o < numIntents; o++ {
		mx = math.Max(mx, float64(out[o]))
	}
	sum := 0.0
	for o := 0; o < numIntents; o++ {
		sum += expDet((float64(out[o]) - mx) / t)
	}
	return (float64(out[k])-mx)/t - math.Log(sum)
}
