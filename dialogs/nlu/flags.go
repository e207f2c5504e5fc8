package nlu

// Flags raised beside the intent; the dialog treats them before anything else.
const (
	FlagDistress    = "distress"     // despair, illness, a death in the family, hints of self-harm
	FlagAbusive     = "abusive"      // insults and profanity
	FlagLegalThreat = "legal_threat" // Procon, lawyer, lawsuit, police, Reclame Aqui…
	// FlagStopContact is a request to stop being contacted on this channel
	// ("para de me ligar", "revogo o consentimento", "STOP"), whatever else
	// the message asks: every opt_out carries it, and so does "para de me
	// ligar, pago sexta" (a promise_to_pay).
	FlagStopContact = "stop_contact"
)

// Bit positions of the flags in analysis.flags, in output order.
const (
	flagDistress = iota
	flagAbusive
	flagLegal
	flagStop
)

var flagNames = [...]string{FlagDistress, FlagAbusive, FlagLegalThreat, FlagStopContact}

// distressCue is a weak sign of distress ("hospital", "morreu"): never a
// flag of the result, a feature the model weighs.
const (
	distressCue     = "~distress"
	flagDistressCue = 4
)

func flagBit(name string) uint8 {
	if name == distressCue {
		return 1 << flagDistressCue
	}
	for k, n := range flagNames {
		if n == name {
			return 1 << k
		}
	}
	return 0
}

// scoreFlags runs the flag lexicon. A negation cancels distress and legal
// threats ("não vou no Procon"), never an insult.
func (a *analysis) scoreFlags() {
	c := a.c
	c.flags.scan(a.toks, func(m match) {
		bit := flagBit(m.rule.flag)
		if bit == 0 { // a look-alike: it only keeps its words from other patterns
			return
		}
		if bit != 1<<flagAbusive && !c.is(a.toks[m.start].id, wNeg) && c.negated(a.toks, m.start) {
			return
		}
		a.flags |= bit
	})
}

// flagList returns the raised flags; an empty, non-nil slice when none, so
// that JSON shows [].
func flagList(bits uint8) []string {
	if bits == 0 {
		return []string{}
	}
	out := make([]string, 0, len(flagNames))
	for k, n := range flagNames {
		if bits&(1<<k) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Has reports whether the result carries flag.
func (r Result) Has(flag string) bool {
	for _, f := range r.Flags {
		if f == flag {
			return true
		}
	}
	return false
}
