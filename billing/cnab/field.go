package cnab

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// RecordLen is the length of every CNAB 240 record, before its CRLF.
const RecordLen = 240

// kind is a field's picture: numeric (right-aligned, zero-padded) or
// alphanumeric (left-aligned, space-padded), FEBRABAN §2.1 "Alinhamento de
// Campos".
type kind byte

const (
	num   kind = 'N'
	alpha kind = 'A'
)

// field is one field of a record, positions 1-based and inclusive as the
// manual prints them.
type field struct {
	id   string // the manual's field id, e.g. "21.3P"
	name string
	from int
	to   int
	kind kind
	// text marks free text (names, addresses, messages) that may be
	// shortened to fit, as banks read only the field's width; identifiers
	// and numbers never are.
	text bool
}

func (f field) width() int { return f.to - f.from + 1 }

func (f field) label() string {
	return fmt.Sprintf("%s %s (positions %d-%d)", f.id, f.name, f.from, f.to)
}

// FieldError names the line and field of a record that is wrong.
type FieldError struct {
	Line  int    // 1-based line of the file
	Field string // id, name and positions, e.g. "21.3P Valor do Título (positions 86-100)"
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("field %s: %s", e.Field, e.Msg)
	}
	return fmt.Sprintf("line %d, field %s: %s", e.Line, e.Field, e.Msg)
}

// foldASCII drops diacritics (ção → cao) so that text fits the ASCII the
// banks read.
var foldASCII = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// allowedAlpha is what an alphanumeric field may hold once folded and upper
// cased: letters, digits, space and the punctuation banks accept in names
// and addresses.
func allowedAlpha(r rune) bool {
	return (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || strings.ContainsRune(" .,-/()&@:;'_+*#", r)
}

// normalize folds accents, upper-cases and collapses whitespace.
func normalize(s string) string {
	out, _, err := transform.String(foldASCII, s)
	if err != nil {
		out = s
	}
	return strings.ToUpper(strings.Join(strings.Fields(out), " "))
}

// record is one 240-character line being written.
type record struct {
	line int
	buf  [RecordLen]byte
	errs []error
}

func newRecord(line int) *record {
	r := &record{line: line}
	for i := range r.buf {
		r.buf[i] = ' '
	}
	return r
}

func (r *record) fail(f field, format string, args ...any) {
	r.errs = append(r.errs, &FieldError{Line: r.line, Field: f.label(), Msg: fmt.Sprintf(format, args...)})
}

// put writes v into f, checking its charset and length: numeric fields take
// digits only, right-aligned with zeros; alphanumeric ones are folded to
// upper-case ASCII and left-aligned with spaces.
func (r *record) put(f field, v string) {
	w := f.width()
	switch f.kind {
	case num:
		if v == "" {
			v = "0"
		}
		for _, c := range v {
			if c < '0' || c > '9' {
				r.fail(f, "%q is not numeric (digits only)", v)
				return
			}
		}
		if len(v) > w {
			r.fail(f, "%q has %d digits, the field holds %d", v, len(v), w)
			return
		}
		copy(r.buf[f.from-1:f.to], strings.Repeat("0", w-len(v))+v)
	case alpha:
		s := normalize(v)
		for _, c := range s {
			if !allowedAlpha(c) {
				r.fail(f, "%q holds %q, which the layout cannot carry (letters, digits, spaces and .,-/()&@:;'_+*# only)", v, c)
				return
			}
		}
		if len(s) > w {
			if !f.text {
				r.fail(f, "%q has %d characters, the field holds %d", v, len(s), w)
				return
			}
			s = strings.TrimRight(s[:w], " ")
		}
		copy(r.buf[f.from-1:f.to], s+strings.Repeat(" ", w-len(s)))
	}
}

// putInt writes a non-negative integer (cents for the 13V2 money fields).
func (r *record) putInt(f field, n int64) {
	if n < 0 {
		r.fail(f, "%d is negative", n)
		return
	}
	r.put(f, strconv.FormatInt(n, 10))
}

// putDate writes DDMMAAAA, or zeros for no date.
func (r *record) putDate(f field, t time.Time) {
	if t.IsZero() {
		r.put(f, "0")
		return
	}
	r.put(f, t.Format("02012006"))
}

// putPercent writes a percentage with 2 decimals (13V2): 2 → 200.
func (r *record) putPercent(f field, p float64) {
	if p < 0 {
		r.fail(f, "%v%% is negative", p)
		return
	}
	r.putInt(f, int64(p*100+0.5))
}

// line is one record read from a retorno.
type line struct {
	n int
	s string
}

func (l line) fail(f field, format string, args ...any) error {
	return &FieldError{Line: l.n, Field: f.label(), Msg: fmt.Sprintf(format, args...)}
}

func (l line) raw(f field) string { return l.s[f.from-1 : f.to] }

// str is an alphanumeric field, trailing spaces removed.
func (l line) str(f field) string { return strings.TrimRight(l.raw(f), " ") }

// num is a numeric field; it must be all digits.
func (l line) num(f field) (int64, error) {
	v := l.raw(f)
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, l.fail(f, "%q is not numeric", v)
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, l.fail(f, "%q: %v", v, err)
	}
	return n, nil
}

// date is a DDMMAAAA field; zeros (or spaces) are no date.
func (l line) date(f field) (time.Time, error) {
	v := l.raw(f)
	if strings.Trim(v, "0 ") == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("02012006", v)
	if err != nil {
		return time.Time{}, l.fail(f, "%q is not a date (DDMMAAAA)", v)
	}
	return t, nil
}
