package portfolio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Reader is a portfolio file being read (CSVReader, XLSXReader).
type Reader interface {
	Rows() iter.Seq[Row]
	Errors() []FieldError
	Notes() []string
	Columns() []string
}

// ReadOptions say how to read a portfolio file.
type ReadOptions struct {
	Encoding Encoding // CSV: "" detects UTF-8, else reads Windows-1252
	Sheet    string   // XLSX: "" is the first sheet
	Map      Mapping  // headers the aliases do not know
}

// File is a portfolio file open for reading, CSV or XLSX.
type File struct {
	Reader
	Kind  string // "csv" or "xlsx"
	total func() int
	notes []string
	close func() error
}

// Total is about how many rows the file has, for a progress bar. A CSV
// knows it from its first pass; a sheet from its dimension, or from a
// pass over its rows made only when asked (a third of the reading time
// of a large sheet, which an upload that was previewed does not need).
func (f *File) Total() int { return f.total() }

// Notes are what reading the file said: its encoding, sheet and header.
func (f *File) Notes() []string { return append(slices.Clone(f.notes), f.Reader.Notes()...) }

// Close releases the file.
func (f *File) Close() error {
	if f.close == nil {
		return nil
	}
	return f.close()
}

// zipMagic starts every .xlsx (a zip); oleMagic the old binary .xls.
var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xd0, 0xcf, 0x11, 0xe0}
)

// kindOf tells a CSV from a workbook by its name and first bytes, and
// refuses the formats it cannot read with what to do instead.
func kindOf(name string, head []byte) (string, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case ext == ".xls" || bytes.HasPrefix(head, oleMagic):
		return "", fmt.Errorf("%s is an old Excel workbook (.xls): save it as .xlsx (Excel workbook) or as CSV and import that", name)
	case ext == ".ods":
		return "", fmt.Errorf("%s is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV and import that", name)
	case ext == ".xlsx" || ext == ".xlsm" || bytes.HasPrefix(head, zipMagic):
		return "xlsx", nil
	}
	return "csv", nil
}

// checkOptions refuses options that do not apply to the file's kind.
func checkOptions(kind string, o ReadOptions) error {
	if kind == "xlsx" && o.Encoding != EncodingAuto {
		return errors.New("--encoding is for CSV files (an .xlsx is always Unicode)")
	}
	if kind == "csv" && o.Sheet != "" {
		return errors.New("--sheet is for .xlsx workbooks; this is a CSV file")
	}
	return nil
}

// OpenPath opens a portfolio file on disk and reads its header; a CSV is
// read as it is imported (a first pass counts its lines and checks its
// encoding). err is a file that cannot be read at all; header problems
// come back as field errors.
func OpenPath(path string, o ReadOptions) (*File, []FieldError, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(osf, head)
	kind, err := kindOf(path, head[:n])
	if err == nil {
		err = checkOptions(kind, o)
	}
	if err != nil {
		osf.Close()
		return nil, nil, err
	}
	if kind == "xlsx" {
		osf.Close()
		wb, err := OpenXLSX(path)
		if err != nil {
			return nil, nil, err
		}
		return openXLSX(wb, o)
	}
	if _, err := osf.Seek(0, io.SeekStart); err != nil {
		osf.Close()
		return nil, nil, err
	}
	f, errs, err := openCSV(osf, func() error {
		_, err := osf.Seek(0, io.SeekStart)
		return err
	}, o)
	if f == nil {
		osf.Close()
		return nil, errs, err
	}
	f.close = osf.Close
	return f, nil, nil
}

// OpenBytes opens a portfolio file held in memory (an upload named name).
func OpenBytes(data []byte, name string, o ReadOptions) (*File, []FieldError, error) {
	kind, err := kindOf(name, data[:min(len(data), 8)])
	if err == nil {
		err = checkOptions(kind, o)
	}
	if err != nil {
		return nil, nil, err
	}
	if kind == "xlsx" {
		wb, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxXLSXUnzip})
		if err != nil {
			return nil, nil, fmt.Errorf("%s is not an .xlsx workbook: %w", name, err)
		}
		return openXLSX(wb, o)
	}
	r := bytes.NewReader(data)
	return openCSV(r, func() error { _, err := r.Seek(0, io.SeekStart); return err }, o)
}

// openCSV scans r (lines, encoding), rewinds it and reads the header.
func openCSV(r io.Reader, rewind func() error, o ReadOptions) (*File, []FieldError, error) {
	scan, err := ScanCSV(r)
	if err != nil {
		return nil, nil, err
	}
	enc, note, err := scan.Choose(o.Encoding)
	if err != nil {
		return nil, nil, err
	}
	if err := rewind(); err != nil {
		return nil, nil, err
	}
	c, errs := ReadCSV(Decode(r, enc), o.Map)
	if c == nil {
		return nil, errs, nil
	}
	f := &File{Reader: c, Kind: "csv", total: func() int { return scan.Lines }}
	if note != "" {
		f.notes = []string{note}
	}
	return f, nil, nil
}

func openXLSX(wb *excelize.File, o ReadOptions) (*File, []FieldError, error) {
	x, errs, err := ReadXLSX(wb, o.Sheet, o.Map)
	if x == nil {
		wb.Close()
		return nil, errs, err
	}
	return &File{Reader: x, Kind: "xlsx", total: x.Total, close: func() error {
		return errors.Join(x.Close(), wb.Close())
	}}, nil, nil
}
