//go:generate go run ./internal/train -corpus testdata/train -out model.bin

package nlu

import (
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// The trained model: a multinomial logistic regression over the intents
// and one binary logistic regression per flag head, all over the hashed
// features of features.go. It is trained by `go generate ./dialogs/nlu`
// (internal/train, model_train.go) from testdata/train/*.jsonl into
// model.bin, embedded here.
//
// model.bin, little endian:
//
//	"QNLU" u16 format version, u16 featureVersion
//	[32]byte fingerprint: SHA-256 of the training config and every training
//	         example's labels and features (TestCommittedModelIsFresh)
//	u32 n, n bytes of JSON: modelMeta (config, tuned decision parameters,
//	         cross-validation figures)
//	u16 outputs (numIntents intents then numHeads heads)
//	f32 × outputs: biases
//	u32 rows, then per row, rows sorted by feature hash:
//	         uvarint hash delta, f32 scale, i8 × outputs (weight = scale·q)
//
//go:embed model.bin
var modelBin []byte

const (
	modelMagic   = "QNLU"
	modelVersion = 1
	numHeads     = 4
	numOutputs   = numIntents + numHeads
)

// The flag heads, in output order after the intents.
var headFlags = [numHeads]uint8{flagDistress, flagStop, flagLegal, flagAbusive}

// decisionParams are how rules and model outputs become a Result; tuned on
// cross-validation of the training corpus (model_train.go).
type decisionParams struct {
	// Temperature divides the intent logits before the softmax (Platt-style
	// calibration of the confidence on out-of-fold predictions).
	Temperature float64 `json:"temperature"`
	// MinConfidence: a top intent probability below it is "unknown".
	MinConfidence float64 `json:"min_confidence"`
	// Thresholds of the heads (distress, stop_contact, legal_threat,
	// abusive): the probability at or above which the flag is raised.
	Thresholds [numHeads]float64 `json:"thresholds"`
	// RuleFlags: whether a flag the rules raise stands whatever the head says.
	RuleFlags [numHeads]bool `json:"rule_flags"`
}

// modelMeta is the JSON part of model.bin's header.
type modelMeta struct {
	Config  trainConfig    `json:"config"`
	Params  decisionParams `json:"params"`
	CV      cvReport       `json:"cross_validation"`
	Rows    int            `json:"rows"`
	Trained int            `json:"training_examples"`
}

// model is a decoded model.bin.
type model struct {
	fingerprint [32]byte
	meta        modelMeta
	bias        [numOutputs]float32
	keys        []uint32 // open-addressing table: feature hash → row+1 in vals
	vals        []int32
	mask        uint32
	scales      []float32
	weights     []int8 // rows × numOutputs
}

// defaultModel is the embedded model; nil when it cannot be read, and then
// Classify runs on the rules alone (TestEmbeddedModel fails).
var defaultModel, defaultModelErr = decodeModel(modelBin)

func decodeModel(b []byte) (*model, error) {
	if len(b) < 4+4+32+4 || string(b[:4]) != modelMagic {
		return nil, errors.New("model.bin: not a quita NLU model (run go generate ./dialogs/nlu)")
	}
	if v, fv := binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:]); v != modelVersion || fv != featureVersion {
		return nil, fmt.Errorf("model.bin: format %d, features %d; this code reads format %d, features %d (run go generate ./dialogs/nlu)", v, fv, modelVersion, featureVersion)
	}
	m := &model{}
	copy(m.fingerprint[:], b[8:40])
	p := b[40:]
	n := int(binary.LittleEndian.Uint32(p))
	p = p[4:]
	if n > len(p) {
		return nil, errors.New("model.bin: truncated header")
	}
	if err := json.Unmarshal(p[:n], &m.meta); err != nil {
		return nil, fmt.Errorf("model.bin: header: %w", err)
	}
	p = p[n:]
	if len(p) < 2 || int(binary.LittleEndian.Uint16(p)) != numOutputs {
		return nil, fmt.Errorf("model.bin: want %d outputs (intents and heads changed? run go generate ./dialogs/nlu)", numOutputs)
	}
	p = p[2:]
	if len(p) < 4*numOutputs+4 {
		return nil, errors.New("model.bin: truncated biases")
	}
	for k := range m.bias {
		m.bias[k] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*k:]))
	}
	p = p[4*numOutputs:]
	rows := int(binary.LittleEndian.Uint32(p))
	p = p[4:]
	if rows > len(p)/(numOutputs+5) {
		return nil, errors.New("model.bin: truncated rows")
	}
	size := 1
	for size < 2*rows {
		size <<= 1
	}
	m.keys, m.vals, m.mask = make([]uint32, size), make([]int32, size), uint32(size-1)
	m.scales, m.weights = make([]float32, rows), make([]int8, rows*numOutputs)
	var h uint64
	for r := 0; r < rows; r++ {
		d, k := binary.Uvarint(p)
		if k <= 0 || len(p) < k+4+numOutputs {
			return nil, fmt.Errorf("model.bin: bad row %d", r)
		}
		h += d
		if h > math.MaxUint32 {
			return nil, fmt.Errorf("model.bin: row %d: hash out of range", r)
		}
		p = p[k:]
		m.scales[r] = math.Float32frombits(binary.LittleEndian.Uint32(p))
		for o := 0; o < numOutputs; o++ {
			m.weights[r*numOutputs+o] = int8(p[4+o])
		}
		p = p[4+numOutputs:]
		m.insert(uint32(h), int32(r))
	}
	if len(p) != 0 {
		return nil, errors.New("model.bin: trailing bytes")
	}
	m.meta.Rows = rows
	return m, nil
}

func (m *model) insert(h uint32, row int32) {
	i := mix32(h) & m.mask
	for m.vals[i] != 0 {
		i = (i + 1) & m.mask
	}
	m.keys[i], m.vals[i] = h, row+1
}

// row returns the row of feature h, -1 when the model has none.
func (m *model) row(h uint32) int {
	i := mix32(h) & m.mask
	for {
		v := m.vals[i]
		if v == 0 {
			return -1
		}
		if m.keys[i] == h {
			return int(v - 1)
		}
		i = (i + 1) & m.mask
	}
}

// logits computes the raw outputs for features f: sparse dot products of
// the rows found.
func (m *model) logits(f *featureSet) [numOutputs]float32 {
	acc := m.bias
	if len(f.text) > 0 {
		inv := float32(1 / math.Sqrt(float64(len(f.text))))
		for _, h := range f.text {
			if r := m.row(h); r >= 0 {
				addRow(&acc, (*[numOutputs]int8)(m.weights[r*numOutputs:]), m.scales[r]*inv)
			}
		}
	}
	for _, h := range f.meta {
		if r := m.row(h); r >= 0 {
			addRow(&acc, (*[numOutputs]int8)(m.weights[r*numOutputs:]), m.scales[r])
		}
	}
	return acc
}

func addRow(acc *[numOutputs]float32, w *[numOutputs]int8, s float32) {
	for o := range acc {
		acc[o] += s * float32(w[o])
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + expDet(-x)) }
