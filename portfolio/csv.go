package portfolio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ParseCSV reads a portfolio CSV (comma or semicolon separated, header
// first, UTF-8 with or without BOM) into rows. Problems of the file's shape
// (missing columns, broken quoting, wrong field counts) come back as
// line-level errors; the rows around them are still returned.
func ParseCSV(r io.Reader) ([]Row, []FieldError) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	firstLine, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(io.MultiReader(br))
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
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
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, FieldError{Line: pe.StartLine, Field: "row", Message: pe.Err.Error()})
			continue
		}
		if err != nil {
			errs = append(errs, FieldError{Line: 0, Field: "row", Message: err.Error()})
			break
		}
		line, _ := cr.FieldPos(0) // only valid after a successful Read (the fuzzer found this)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(cols) {
			errs = append(errs, FieldError{Line: line, Field: "row", Message: fmt.Sprintf("%d fields, the header has %d", len(rec), len(cols))})
			continue
		}
		row := Row{Line: line}
		for i, v := range rec {
			row.set(cols[i], v)
		}
		rows = append(rows, row)
	}
	return rows, errs
}
