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
	cr   *csv.Reader
	cols []string
	errs []FieldError
}

// NewCSVReader reads and checks the header; when the header is unusable it
// returns nil and the header's errors.
func NewCSVReader(r io.Reader) (*CSVReader, []FieldError) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	firstLine, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true // the slice is reused; its strings are not
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []FieldError{{Line: 1, Field: "header", Message: "the file is empty: the first line must name the columns"}}
		}
		return nil, []FieldError{{Line: 1, Field: "header", Message: err.Error()}}
	}
	cols := make([]string, len(header))
	var errs []FieldError
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		cols[i] = h
		if !slices.Contains(Columns, h) {
			errs = append(errs, FieldError{Line: 1, Field: h, Message: fmt.Sprintf("unknown column; the columns are %s", strings.Join(Columns, ", "))})
		}
	}
	for _, req := range required {
		if !slices.Contains(cols, req) {
			errs = append(errs, FieldError{Line: 1, Field: req, Message: "required column missing from the header"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &CSVReader{cr: cr, cols: cols}, nil
}

// Rows yields the file's rows in order; lines it cannot split into the
// header's fields are skipped and reported by Errors.
func (c *CSVReader) Rows() iter.Seq[Row] {
	return func(yield func(Row) bool) {
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
			if len(rec) != len(c.cols) {
				c.errs = append(c.errs, FieldError{Line: line, Field: "row", Message: fmt.Sprintf("%d fields, the header has %d", len(rec), len(c.cols))})
				continue
			}
			row := Row{Line: line}
			for i, v := range rec {
				row.set(c.cols[i], v)
			}
			if !yield(row) {
				return
			}
		}
	}
}

// Errors are the shape errors of the rows read so far.
func (c *CSVReader) Errors() []FieldError { return c.errs }
