package nlu

// DetectLanguage guesses the language of a message: "pt", "es" or "en".
// Each word scores for every language whose lexicon knows it, stopwords
// double, plus letters only one language writes (ã, õ, ç for Portuguese; ñ,
// ¿, ¡ for Spanish). Portuguese wins ties and messages with no evidence,
// since it is the bot's first language.
func DetectLanguage(text string) string {
	sc := getScratch()
	defer putScratch(sc)
	sc.tz.tokenize(text)
	sc.tz.identify()
	best, _ := detect(&sc.tz)
	return langs[best].code
}

// detect returns the index of the likeliest language and of the runner-up
// when it is close enough to deserve a reading too (-1 otherwise).
func detect(tz *tokenizer) (best, close int) {
	var score [3]int
	score[0] += 3 * tz.ptCue
	score[1] += 3 * tz.esCue
	for _, sp := range tz.spans {
		if sp.kind != spanWord {
			continue
		}
		id := sp.id
		if id == 0 {
			continue
		}
		for k, c := range langs {
			switch {
			case c.is(id, wStop):
				score[k] += 2
			case c.is(id, wKnown):
				score[k]++
			}
		}
	}
	best, second := 0, -1
	for k := 1; k < 3; k++ {
		if score[k] > score[best] {
			best = k
		}
	}
	for k := 0; k < 3; k++ {
		if k != best && (second < 0 || score[k] > score[second]) {
			second = k
		}
	}
	if score[best]-score[second] <= 2 {
		return best, second
	}
	return best, -1
}
