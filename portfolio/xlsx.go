package portfolio

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// XLSXReader reads a portfolio sheet of an .xlsx workbook one row at a
// time (excelize streams the sheet's XML), with the same header rules,
// rows and errors as CSVReader; lines are the sheet's row numbers.
//
// Cells are read as stored, not as displayed: a date is its serial number
// (ECMA-376 Part 1, §18.17.4.1: days since 1899-12-30, or since 1904-01-01
// in a workbook with date1904), an amount its binary number, a CPF or
// phone typed as a number that number without its leading zeros. Each is
// turned back into the text a CSV would hold, or refused when that cannot
// be done in one way only (repair.go). A text cell holding only digits is
// read the same way: its reading is the same.
type XLSXReader struct {
	f        *excelize.File
	rows     *excelize.Rows
	date1904 bool
	cols     []string
	line     int // the sheet row last read
	errs     []FieldError
	notes    []string
	ahead    []record
	name     string // the sheet's
	header   int    // the header's row
	total    int    // -1 until asked
}

// maxXLSXUnzip bounds what a workbook may unzip to (a zip bomb is refused).
const maxXLSXUnzip = 1 << 30

// OpenXLSX opens a workbook kept in a file; close it with Close.
func OpenXLSX(path string) (*excelize.File, error) {
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true, UnzipSizeLimit: maxXLSXUnzip})
	if err != nil {
		return nil, fmt.Errorf("%s is not an .xlsx workbook: %w", path, err)
	}
	return f, nil
}

// ReadXLSX reads the header of a sheet ("" the first) with the mapping m
// (may be nil) and the aliases. err is an unusable workbook or a missing
// sheet; the header's errors come back as field errors.
func ReadXLSX(f *excelize.File, sheet string, m Mapping) (*XLSXReader, []FieldError, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, errors.New("the workbook has no sheet")
	}
	name, err := pickSheet(sheets, sheet)
	if err != nil {
		return nil, nil, err
	}
	rows, err := f.Rows(name)
	if err != nil {
		return nil, nil, fmt.Errorf("sheet %q: %w", name, err)
	}
	x := &XLSXReader{f: f, rows: rows}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		x.date1904 = *props.Date1904
	}
	if len(sheets) > 1 && sheet == "" {
		x.notes = append(x.notes, fmt.Sprintf("read the sheet %q (the first; --sheet NAME reads another of %s)", name, quoteList(sheets[1:])))
	}
	var lines []record
	for len(lines) < headerSearch {
		cells, ok, err := x.next()
		if err != nil {
			return nil, nil, fmt.Errorf("sheet %q: %w", name, err)
		}
		if !ok {
			break
		}
		if blank(cells) {
			continue
		}
		lines = append(lines, record{x.line, cells})
		if knownHeaders(cells, m) >= 2 {
			break
		}
	}
	if len(lines) == 0 {
		return nil, []FieldError{{Line: 1, Field: "header", Message: fmt.Sprintf("the sheet %q is empty: its first row must name the columns", name)}}, nil
	}
	h, ahead, errs := takeHeader(lines, m, "row")
	if len(errs) > 0 {
		return nil, errs, nil
	}
	x.cols, x.notes, x.ahead = h.cols, append(x.notes, h.notes...), ahead
	x.name, x.header, x.total = name, h.line, -1
	return x, nil, nil
}

// lastRow is the number of a sheet's last row: its dimension when the
// workbook says it, else a pass over its rows that reads no cell.
func lastRow(f *excelize.File, sheet string) int {
	if dim, err := f.GetSheetDimension(sheet); err == nil {
		if _, last, ok := strings.Cut(dim, ":"); ok {
			if _, r, err := excelize.CellNameToCoordinates(last); err == nil {
				return r
			}
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return 0
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n
}

// pickSheet finds a sheet by name (exact, else ignoring case).
func pickSheet(sheets []string, want string) (string, error) {
	if want == "" {
		return sheets[0], nil
	}
	for _, exact := range []bool{true, false} {
		for _, s := range sheets {
			if s == want || !exact && strings.EqualFold(s, want) {
				return s, nil
			}
		}
	}
	return "", fmt.Errorf("the workbook has no sheet %q; its sheets are %s", want, quoteList(sheets))
}

// next reads the next row's cells (the row number in x.line).
func (x *XLSXReader) next() ([]string, bool, error) {
	if !x.rows.Next() {
		return nil, false, x.rows.Error()
	}
	x.line++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	return cells, true, err
}

// Total is about how many rows follow the header, for a progress bar.
func (x *XLSXReader) Total() int {
	if x.total < 0 {
		x.total = max(lastRow(x.f, x.name)-x.header, 0)
	}
	return x.total
}

// Rows yields the sheet's rows below the header; empty rows are skipped.
func (x *XLSXReader) Rows() iter.Seq[Row] {
	return func(yield func(Row) bool) {
		for len(x.ahead) > 0 {
			r := x.ahead[0]
			x.ahead = x.ahead[1:]
			if !yield(x.row(r.line, r.fields)) {
				return
			}
		}
		for {
			cells, ok, err := x.next()
			if err != nil {
				x.errs = append(x.errs, FieldError{Line: x.line, Field: "row", Message: err.Error()})
				return
			}
			if !ok {
				return
			}
			if blank(cells) {
				continue
			}
			if !yield(x.row(x.line, cells)) {
				return
			}
		}
	}
}

// row reads one row's cells as the text a CSV would hold.
func (x *XLSXReader) row(line int, cells []string) Row {
	r := Row{Line: line}
	for i, col := range x.cols {
		if col == "" || i >= len(cells) {
			continue
		}
		v, problem := x.cell(col, strings.TrimSpace(cells[i]))
		if problem != "" {
			r.problems = append(r.problems, FieldError{Line: line, Field: col, Message: problem})
		}
		r.set(col, v)
	}
	return r
}

var dateColumns = []string{"due_date", "purchase_date", "birth_date"}

// cell turns a cell's stored value into the column's text.
func (x *XLSXReader) cell(col, v string) (string, string) {
	n, isNumber := excelNumber(v)
	switch {
	case slices.Contains(dateColumns, col):
		if isNumber {
			if n < 1 {
				return v, fmt.Sprintf("%s is not a date", v)
			}
			t, err := excelize.ExcelDateToTime(n, x.date1904)
			if err != nil {
				return v, fmt.Sprintf("%s is not a date", v)
			}
			return t.Format(time.DateOnly), ""
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil { // a cell of type d (ISO 8601)
			return t.Format(time.DateOnly), ""
		}
	case !isNumber:
	case col == "amount":
		if a, ok := amountText(n); ok {
			return a, ""
		}
		return v, fmt.Sprintf("%s has more than two decimals: write the amount in reais and cents, such as 1234.56 or 1.234,56", v)
	case col == "phone" || col == "phone2":
		if strings.HasPrefix(v, "0") {
			return v, "" // a number has no leading zero: text, with its trunk prefix
		}
		digits, ok := integerText(n)
		if !ok {
			return v, fmt.Sprintf("%s is not a phone number", v)
		}
		p, err := restorePhone(digits)
		if err != nil {
			return digits, err.Error()
		}
		return p, ""
	default: // a CPF, an invoice, a count: the number's digits
		if digitsOnly(v) {
			return v, "" // as stored (a text cell keeps its leading zeros)
		}
		if digits, ok := integerText(n); ok {
			return digits, ""
		}
	}
	return v, ""
}

// Errors are the errors of the rows read so far that are not a row's.
func (x *XLSXReader) Errors() []FieldError { return x.errs }

// Notes say which sheet was read and how its header was.
func (x *XLSXReader) Notes() []string { return x.notes }

// Close releases the sheet reader.
func (x *XLSXReader) Close() error { return x.rows.Close() }

// Columns are the sheet's columns, in the order of Columns.
func (x *XLSXReader) Columns() []string { return fileColumns(x.cols) }
