package portfolio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
)

// ParseCSV reads a portfolio CSV (comma or semicolon separated, header
// first, UTF-8 with or without BOM) into rows. Problems of the file's shape
// (missing columns, broken quoting, wrong field counts) come back as
// line-level errors; the rows around them are still returned.
func ParseCSV(r io.Reader) ([]Row, []FieldError) {
	c, errs := NewCSVReader(r)
	if c == nil {
		return nil, errs
	}
	rows := slices.Collect(c.Rows())
	return rows, c.Errors()
}

// CSVReader reads a portfolio CSV one row at a time, so that an import can
// write the first rows while the rest of a large file is still being read.
type CSVReader struct {
	cr    *csv.Reader
	cols  []string
	errs  []FieldError
	notes []string
	ahead []record // rows read while looking for the header
}

type record struct {
	line   int
	fields []string
}

// headerSearch is how many lines may come before the header (a title,
// blank lines): the header is the first line that names two columns.
const headerSearch = 10

// NewCSVReader reads and checks the header of a UTF-8 file, with the
// aliases only; when the header is unusable it returns nil and the
// header's errors.
func NewCSVReader(r io.Reader) (*CSVReader, []FieldError) { return ReadCSV(r, nil) }

// ReadCSV reads and checks the header (the first line, or the first to
// name two columns after a title), with the mapping m (may be nil) and the
// aliases. r must be UTF-8 (see Decode); a BOM is skipped.
func ReadCSV(r io.Reader, m Mapping) (*CSVReader, []FieldError) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	firstLine, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	c := &CSVReader{cr: cr}
	var lines []record
	for len(lines) < headerSearch {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if err != nil && (len(lines) == 0 || !errors.As(err, &pe)) {
			return nil, []FieldError{{Line: 1, Field: "header", Message: err.Error()}}
		}
		if err != nil {
			c.errs = append(c.errs, FieldError{Line: pe.StartLine, Field: "row", Message: pe.Err.Error()})
			continue
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		lines = append(lines, record{line, rec})
		if knownHeaders(rec, m) >= 2 {
			break
		}
	}
	if len(lines) == 0 {
		return nil, []FieldError{{Line: 1, Field: "header", Message: "the file is empty: the first line must name the columns"}}
	}
	h, ahead, errs := takeHeader(lines, m, "line")
	if len(errs) > 0 {
		return nil, errs
	}
	c.cols, c.notes, c.ahead = h.cols, h.notes, ahead
	cr.ReuseRecord = true // the slice is reused; its strings are not
	return c, nil
}

// Rows yields the file's rows in order; lines it cannot split into the
// header's fields are skipped and reported by Errors.
func (c *CSVReader) Rows() iter.Seq[Row] {
	return func(yield func(Row) bool) {
		for len(c.ahead) > 0 {
			r := c.ahead[0]
			c.ahead = c.ahead[1:]
			if row, ok := c.row(r.line, r.fields); ok && !yield(row) {
				return
			}
		}
		for {
			rec, err := c.cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.errs = append(c.errs, FieldError{Line: pe.StartLine, Field: "row", Message: pe.Err.Error()})
				continue
			}
			if err != nil {
				c.errs = append(c.errs, FieldError{Line: 0, Field: "row", Message: err.Error()})
				return
			}
			line, _ := c.cr.FieldPos(0) // only valid after a successful Read (the fuzzer found this)
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue // a blank line
			}
			if row, ok := c.row(line, rec); ok && !yield(row) {
				return
			}
		}
	}
}

// row makes a row of a line's fields; a line with more fields than the
// header is one only when the extra ones are empty (a spreadsheet's
// trailing separators).
func (c *CSVReader) row(line int, rec []string) (Row, bool) {
	if len(rec) < len(c.cols) || len(rec) > len(c.cols) && !blank(rec[len(c.cols):]) {
		c.errs = append(c.errs, FieldError{Line: line, Field: "row", Message: fmt.Sprintf("%d fields, the header has %d", len(rec), len(c.cols))})
		return Row{}, false
	}
	row := Row{Line: line}
	for i, col := range c.cols {
		row.set(col, rec[i])
	}
	return row, true
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// Errors are the shape errors of the rows read so far.
func (c *CSVReader) Errors() []FieldError { return c.errs }

// Notes say how the header was read (columns skipped, a second phone).
func (c *CSVReader) Notes() []string { return c.notes }

// Columns are the file's columns, in the order of Columns.
func (c *CSVReader) Columns() []string { return fileColumns(c.cols) }
