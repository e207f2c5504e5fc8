package nlu

// Typo correction for words the lexicons don't know: one insertion,
// deletion, substitution or swap of neighbours ("bolteo" → "boleto",
// "descadastar" → "descadastrar"). Built at init as a map from hashes of
// every word-minus-one-letter to the words, so a look-up costs one hash per
// letter and allocates nothing. When a word is one edit from several known
// words, the one sharing the most letters at both ends wins ("descadastar"
// → "descadastrar", not "descadastra"); on a tie it is left alone: "pafar"
// could be "pagar" or "parar", and guessing wrong could invent an opt-out.

const minFuzzyLen = 5

var fuzzyIndex = map[uint64][]int32{}

// hashSkip is FNV-1a over s without the byte at skip (-1 keeps all).
func hashSkip(s []byte, skip int) uint64 {
	h := uint64(14695981039346656037)
	for k := 0; k < len(s); k++ {
		if k == skip {
			continue
		}
		h ^= uint64(s[k])
		h *= 1099511628211
	}
	return h
}

func addFuzzy(id int32, w string) {
	b := []byte(w)
	if len(b) < minFuzzyLen {
		return
	}
	for k := -1; k < len(b); k++ {
		h := hashSkip(b, k)
		ids := fuzzyIndex[h]
		dup := false
		for _, x := range ids {
			dup = dup || x == id
		}
		if !dup {
			fuzzyIndex[h] = append(ids, id)
		}
	}
}

// correct returns the known word within one edit of w, or 0.
func correct(w []byte) int32 {
	if len(w) < minFuzzyLen || len(w) > 24 {
		return 0
	}
	found, prefix, tie := int32(0), -1, false
	for k := -1; k < len(w); k++ {
		for _, id := range fuzzyIndex[hashSkip(w, k)] {
			if id == found || !oneEdit(w, voc.words[id]) {
				continue
			}
			switch p := commonEnds(w, voc.words[id]); {
			case p > prefix:
				found, prefix, tie = id, p, false
			case p == prefix:
				tie = true
			}
		}
	}
	if tie {
		return 0
	}
	return found
}

// commonEnds counts the letters a and b share at their start and at their end.
func commonEnds(a []byte, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	m := 0
	for m < len(a)-n && m < len(b)-n && a[len(a)-1-m] == b[len(b)-1-m] {
		m++
	}
	return n + m
}

// oneEdit reports whether a and b differ by exactly one edit (Damerau).
func oneEdit(a []byte, b string) bool {
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		i := 0
		for i < la && a[i] == b[i] {
			i++
		}
		if i == la {
			return false
		}
		if string(a[i+1:]) == b[i+1:] {
			return true // substitution
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && string(a[i+2:]) == b[i+2:]
	case la == lb+1:
		i := 0
		for i < lb && a[i] == b[i] {
			i++
		}
		return string(a[i+1:]) == b[i:]
	case lb == la+1:
		i := 0
		for i < la && a[i] == b[i] {
			i++
		}
		return string(a[i:]) == b[i+1:]
	}
	return false
}
