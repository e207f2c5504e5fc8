package nlu

import "math"

// How the rule layer and the model's outputs become one decision.
//
//   - A message made only of opt-out keywords ("SAIR", "stop 🙏") is
//     opt_out with confidence 1, whatever the model says: the legal rule.
//   - Otherwise the intent is the model's likeliest (the rules' decision and
//     evidence are among its features, so it has learnt where they are right);
//     its probability, temperature-scaled on cross-validation, is the
//     confidence, and below MinConfidence the message is "unknown".
//   - Each safety flag is raised when its head's probability reaches its
//     threshold (chosen on cross-validation for recall within a false
//     positive budget), or when the rules raise it and that rule layer is
//     trusted for the flag.
//   - A stop request with nothing else actionable (a greeting, thanks, a
//     bare no, or nothing understood beside it) is opt_out; with another
//     request the intent is that request, and the flag says stop
//     (testdata/LABELS.md, "What wins"). opt_out always carries the flag.

type decision struct {
	intent Intent
	conf   float64
	probs  [numIntents]float64
	flags  uint8
}

// notActionable are the intents a stop request outranks.
var notActionable = func() (s [numIntents]bool) {
	for _, in := range []Intent{IntentGreeting, IntentAffirm, IntentDeny, IntentThanksBye, IntentUnknown} {
		s[intentIndex[in]] = true
	}
	return s
}()

func combine(rv *ruleView, out *[numOutputs]float32, p *decisionParams) decision {
	var d decision
	d.probs = intentProbs(out, p.Temperature)
	best := 0
	for k, pr := range d.probs {
		if pr > d.probs[best] {
			best = k
		}
	}
	d.flags = rv.flags &^ (1<<flagDistress | 1<<flagStop | 1<<flagLegal | 1<<flagAbusive | 1<<flagDistressCue)
	hs := headScores(out, &d.probs)
	for j, bit := range headFlags {
		if hs[j] >= p.Thresholds[j] || p.RuleFlags[j] && rv.flags&(1<<bit) != 0 {
			d.flags |= 1 << bit
		}
	}
	optOut := intentIndex[IntentOptOut]
	stop := d.flags&(1<<flagStop) != 0 || rv.bareOptOut
	if best == optOut && !stop { // opt_out needs the stop flag: take the runner-up
		d.probs[optOut] = -1
		best = 0
		for k, pr := range d.probs {
			if pr > d.probs[best] {
				best = k
			}
		}
		d.probs[optOut] = 0
	}
	d.intent, d.conf = allIntents[best], d.probs[best]
	switch {
	case rv.bareOptOut:
		d.intent, d.conf = IntentOptOut, 1
	case d.conf < p.MinConfidence:
		d.intent, d.conf = IntentUnknown, 0
	}
	if stop && notActionable[intentIndex[d.intent]] && d.intent != IntentOptOut {
		d.intent, d.conf = IntentOptOut, hs[1]
	}
	if d.intent == IntentOptOut {
		d.flags |= 1 << flagStop
	}
	d.conf = round2(d.conf)
	return d
}

// intentProbs is the softmax of the intent logits divided by t.
func intentProbs(out *[numOutputs]float32, t float64) (probs [numIntents]float64) {
	if t <= 0 {
		t = 1
	}
	mx := float64(out[0])
	for k := 1; k < numIntents; k++ {
		mx = math.Max(mx, float64(out[k]))
	}
	sum := 0.0
	for k := 0; k < numIntents; k++ {
		probs[k] = expDet((float64(out[k]) - mx) / t)
		sum += probs[k]
	}
	for k := range probs {
		probs[k] /= sum
	}
	return probs
}

// headScores are the heads' probabilities; a stop request is also scored
// by the intent model's probability of opt_out, whichever is higher.
func headScores(out *[numOutputs]float32, probs *[numIntents]float64) (s [numHeads]float64) {
	for j := range s {
		s[j] = sigmoid(float64(out[numIntents+j]))
	}
	s[1] = math.Max(s[1], probs[intentIndex[IntentOptOut]])
	return s
}

// alternatives are the runner-up intents: at most three, each at least 0.01.
func (d *decision) alternatives() []Scored {
	var top [3]Scored
	n := 0
	for k, pr := range d.probs {
		in := allIntents[k]
		pr = round2(pr)
		if in == d.intent || pr < 0.01 {
			continue
		}
		i := n
		if n < len(top) {
			n++
		} else if pr <= top[n-1].Confidence {
			continue
		} else {
			i = n - 1
		}
		for i > 0 && top[i-1].Confidence < pr {
			top[i] = top[i-1]
			i--
		}
		top[i] = Scored{Intent: in, Confidence: pr}
	}
	if n == 0 {
		return nil
	}
	return append([]Scored(nil), top[:n]...)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
