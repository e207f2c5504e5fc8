package dialogs

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// bareNumber is the option a message consists of ("2", "2)", "2️⃣"), or 0.
func bareNumber(text string) int {
	s := strings.TrimSpace(text)
	s = strings.TrimRight(s, ").-!\ufe0f\u20e3 ")
	if len(s) == 0 || len(s) > 2 {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// choice is the numbered option the debtor picked, or 0.
func (t *turn) choice() int {
	if n := bareNumber(t.text); n > 0 {
		return n
	}
	return t.u.Option
}

// isMenuCommand reports whether the message asks for the menu.
func isMenuCommand(text string) bool {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "menu", "menú", "0", "menu principal", "opções", "opcoes", "opciones", "options":
		return true
	}
	return false
}

// onlyDigits reports whether a message is digits alone ("2", "123", "2️⃣").
func onlyDigits(text string) bool {
	s := strings.TrimRight(strings.TrimSpace(text), ").!\ufe0f\u20e3 ")
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// digits keeps the digits of s.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// telling reports whether a text says enough to tell its language: two
// words, or one long word that is not a command every language shares.
func telling(text string) bool {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(words) >= 2 {
		return true
	}
	if len(words) == 1 && len([]rune(words[0])) >= 4 {
		switch strings.ToLower(words[0]) {
		case "menu", "menú", "boleto", "pix", "stop", "okay", "sair", "parar":
			return false
		}
		return true
	}
	return false
}

// months maps month names in pt, es and en (and their usual abbreviations)
// to numbers, for birth dates written in words.
var months = map[string]time.Month{
	"janeiro": 1, "jan": 1, "enero": 1, "january": 1,
	"fevereiro": 2, "fev": 2, "febrero": 2, "feb": 2, "february": 2,
	"março": 3, "marco": 3, "mar": 3, "marzo": 3, "march": 3,
	"abril": 4, "abr": 4, "april": 4, "apr": 4,
	"maio": 5, "mai": 5, "mayo": 5, "may": 5,
	"junho": 6, "jun": 6, "junio": 6, "june": 6,
	"julho": 7, "jul": 7, "julio": 7, "july": 7,
	"agosto": 8, "ago": 8, "august": 8, "aug": 8,
	"setembro": 9, "set": 9, "septiembre": 9, "setiembre": 9, "sep": 9, "sept": 9, "september": 9,
	"outubro": 10, "out": 10, "octubre": 10, "oct": 10, "october": 10,
	"novembro": 11, "nov": 11, "noviembre": 11, "november": 11,
	"dezembro": 12, "dez": 12, "diciembre": 12, "dic": 12, "december": 12, "dec": 12,
}

// birthDate reads a date of birth as people type it: 10/03/1990, 10-03-90,
// 10031990, 1990-03-10, "10 de março de 1990", "March 10, 1990". It
// returns YYYY-MM-DD. today resolves two-digit years.
func birthDate(text string, today time.Time) (string, bool) {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var nums []int
	var numLens []int
	month := 0
	for _, f := range fields {
		if n, err := strconv.Atoi(f); err == nil {
			nums = append(nums, n)
			numLens = append(numLens, len(f))
		} else if m, ok := months[f]; ok && month == 0 {
			month = int(m)
		}
	}
	var y, m, d int
	switch {
	case month != 0 && len(nums) == 2: // 10 de março de 1990 / March 10, 1990
		d, m, y = nums[0], month, nums[1]
		if numLens[0] == 4 {
			y, d = nums[0], nums[1]
		}
	case len(nums) == 3 && numLens[0] == 4: // 1990-03-10
		y, m, d = nums[0], nums[1], nums[2]
	case len(nums) == 3: // 10/03/1990
		d, m, y = nums[0], nums[1], nums[2]
	case len(nums) == 1 && (numLens[0] == 8 || numLens[0] == 6): // 10031990, 100390
		s := fields[0]
		for len(s) > 0 && (s[0] < '0' || s[0] > '9') {
			s = s[1:]
		}
		d, _ = strconv.Atoi(s[0:2])
		m, _ = strconv.Atoi(s[2:4])
		y, _ = strconv.Atoi(s[4:])
	default:
		return "", false
	}
	if y < 100 { // two digits: the most recent past century
		y += 2000
		if y > today.Year() {
			y -= 100
		}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m || t.Year() != y {
		return "", false
	}
	return t.Format(time.DateOnly), true
}
