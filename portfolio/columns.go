package portfolio

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Aliases are the header names a Brazilian shop writes for each column, in
// the order the error messages list them; a header matches a column when
// both read the same once lowercased, without accents, spaces or
// punctuation ("Data da Compra" is "datadacompra", "E-mail" is "email").
// The first alias is the Portuguese header of an export.
var Aliases = map[string][]string{
	"creditor":       {"credor"},
	"debtor_name":    {"nome", "devedor", "cliente"},
	"cpf":            {"cpf"},
	"phone":          {"telefone", "celular", "whatsapp"},
	"phone2":         {"telefone2"},
	"email":          {"e-mail"},
	"channel":        {"canal"},
	"language":       {"idioma"},
	"timezone":       {"fuso", "fuso horário"},
	"invoice":        {"fatura", "nota", "nf", "documento", "nota fiscal"},
	"description":    {"descrição"},
	"amount":         {"valor"},
	"due_date":       {"vencimento", "data de vencimento"},
	"purchase_date":  {"data da compra", "data de compra"},
	"payment_method": {"forma de pagamento"},
	"nosso_numero":   {"nosso número"},
	"birth_date":     {"nascimento", "data de nascimento"},
	"vip":            {"vip"},
	"delays":         {"atrasos"},
	"address":        {"endereço", "logradouro"},
	"district":       {"bairro"},
	"cep":            {"cep"},
	"city":           {"cidade", "município"},
	"state":          {"uf", "estado"},
	// What an export adds (the state quita keeps): read back as nothing,
	// so that an exported sheet imports again as it is.
	colStatus:       {"situação"},
	colLastContact:  {"último contato"},
	colNextReminder: {"próximo lembrete"},
}

// The export's own columns, skipped on import.
const (
	colStatus       = "status"
	colLastContact  = "last_contact"
	colNextReminder = "next_reminder"
)

// StatusColumns are the columns an export adds after Columns.
var StatusColumns = []string{colStatus, colLastContact, colNextReminder}

// skipColumn is the target of a header that is read as nothing.
const skipColumn = "-"

// byKey maps a header's key (headerKey) to its column.
var byKey = func() map[string]string {
	m := map[string]string{}
	for _, c := range append(slices.Clone(Columns), StatusColumns...) {
		m[headerKey(c)] = c
		for _, a := range Aliases[c] {
			m[headerKey(a)] = c
		}
	}
	return m
}()

var stripMarks = runes.Remove(runes.In(unicode.Mn))

// headerKey is how a header is compared: lowercase letters and digits
// only, accents removed (NFKD, so "º" is an "o" too).
func headerKey(h string) string {
	s, _, err := transform.String(transform.Chain(norm.NFKD, stripMarks), h)
	if err != nil {
		s = h
	}
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Mapping names the column of headers the aliases do not know (or reads
// them as nothing, "-"): header keys to columns.
type Mapping map[string]string

// ParseMap reads --map "Nome do Cliente=debtor_name,Valor em aberto=amount":
// each pair is a header of the sheet and a column (or one of its aliases,
// or "-" to skip the header).
func ParseMap(s string) (Mapping, error) {
	m := Mapping{}
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		header, col, ok := strings.Cut(pair, "=")
		header, col = strings.TrimSpace(header), strings.TrimSpace(col)
		if !ok || headerKey(header) == "" {
			return nil, fmt.Errorf("map %q: write pairs such as \"Nome do Cliente=debtor_name,Valor em aberto=amount\"", pair)
		}
		target := skipColumn
		if col != skipColumn {
			c, known := byKey[headerKey(col)]
			if !known || slices.Contains(StatusColumns, c) {
				return nil, fmt.Errorf("map %q: %q is not a column; the columns are %s (or - to skip the header)", pair, col, strings.Join(Columns, ", "))
			}
			target = c
		}
		m[headerKey(header)] = target
	}
	return m, nil
}

// header is a file's first line (or row) read as columns: cols[i] is the
// column of field i ("" for one read as nothing).
type header struct {
	line  int
	cols  []string
	notes []string
}

// takeHeader resolves the header among the first lines of a file (read
// up to headerSearch, or to the first that names two columns): that one,
// else the first, the lines above being a title. word names a line
// ("line" of a CSV, "row" of a sheet); the lines after the header are
// returned as rows.
func takeHeader(lines []record, m Mapping, word string) (header, []record, []FieldError) {
	at := 0
	if last := lines[len(lines)-1]; knownHeaders(last.fields, m) >= 2 {
		at = len(lines) - 1
	}
	h, errs := readHeader(lines[at].fields, lines[at].line, m)
	if at > 0 {
		h.notes = append([]string{fmt.Sprintf("the header is %s %d; the %ss above it are not read", word, lines[at].line, word)}, h.notes...)
	}
	return h, lines[at+1:], errs
}

// readHeader resolves a header line: the mapping first, then the aliases.
// A header no alias knows is read as nothing, with a note; a column
// missing or named twice is an error of the header line, but a second
// phone column (telefone and celular) is phone2 when no header names it.
func readHeader(fields []string, line int, m Mapping) (header, []FieldError) {
	h := header{line: line, cols: make([]string, len(fields))}
	var unknown []string
	for i, f := range fields {
		f = strings.TrimSpace(strings.TrimPrefix(f, "\ufeff"))
		key := headerKey(f)
		if key == "" {
			continue // an empty header cell: a column the sheet does not use
		}
		col, mapped := m[key]
		if !mapped {
			col = byKey[key]
		}
		switch {
		case col == "":
			unknown = append(unknown, f)
		case col != skipColumn && !slices.Contains(StatusColumns, col): // an export's state is quita's, not the file's
			h.cols[i] = col
		}
	}
	var errs []FieldError
	named := map[string]string{} // column → the header that named it
	for i, col := range h.cols {
		if col == "" {
			continue
		}
		f := strings.TrimSpace(strings.TrimPrefix(fields[i], "\ufeff"))
		if prev, dup := named[col]; dup {
			if col == "phone" && !slices.Contains(h.cols, "phone2") {
				h.cols[i] = "phone2"
				named["phone2"] = f
				h.notes = append(h.notes, fmt.Sprintf("column %q is read as phone2 (%q is phone)", f, prev))
				continue
			}
			errs = append(errs, FieldError{Line: line, Field: col, Message: fmt.Sprintf(
				"columns %q and %q both name %s: keep one, or map the other with --map \"%s=…\" (- skips it)", prev, f, col, f)})
			h.cols[i] = ""
			continue
		}
		named[col] = f
	}
	for _, req := range required {
		if named[req] == "" {
			errs = append(errs, FieldError{Line: line, Field: req, Message: missingMessage(req)})
		}
	}
	if len(unknown) > 0 {
		h.notes = append(h.notes, fmt.Sprintf("columns not read (quita does not know them): %s; to read one, map it: --map \"%s=description\"",
			quoteList(unknown), unknown[0]))
	}
	return h, errs
}

// missingMessage says which headers name a required column.
func missingMessage(col string) string {
	names := []string{col}
	for _, a := range Aliases[col] {
		if headerKey(a) != headerKey(col) {
			names = append(names, a)
		}
	}
	return fmt.Sprintf("required column missing from the header: name it %s, or map yours with --map \"Your header=%s\" (case and accents do not matter)",
		orList(names), col)
}

// knownHeaders counts the fields of a line that name a column.
func knownHeaders(fields []string, m Mapping) int {
	n := 0
	for _, f := range fields {
		key := headerKey(f)
		col, mapped := m[key]
		if !mapped {
			col = byKey[key]
		}
		if col != "" && col != skipColumn {
			n++
		}
	}
	return n
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// orList is "a, b or c".
func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// fileColumns are the columns a header names, in the order of Columns.
func fileColumns(cols []string) []string {
	var out []string
	for _, c := range Columns {
		if slices.Contains(cols, c) {
			out = append(out, c)
		}
	}
	return out
}
