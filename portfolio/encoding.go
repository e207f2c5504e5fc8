package portfolio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Encoding is a CSV file's character encoding.
type Encoding string

// The encodings a CSV may be read in. Excel in Brazil saves "CSV
// (separado por vírgulas)" in Windows-1252, its "CSV UTF-8" with a BOM.
const (
	EncodingAuto        Encoding = ""
	EncodingUTF8        Encoding = "utf-8"
	EncodingWindows1252 Encoding = "windows-1252"
)

// ParseEncoding reads --encoding (empty: detect).
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return EncodingAuto, nil
	case "utf-8", "utf8":
		return EncodingUTF8, nil
	case "windows-1252", "cp1252", "latin1", "iso-8859-1":
		return EncodingWindows1252, nil
	}
	return "", fmt.Errorf("encoding %q: use utf-8 or windows-1252", s)
}

// Scan is what a first pass over a CSV file found.
type Scan struct {
	Lines int  // lines after the first (the rows, for a progress bar)
	UTF8  bool // every byte sequence is valid UTF-8
	BOM   bool // it starts with the UTF-8 byte order mark
	UTF16 bool // it starts with a UTF-16 byte order mark
}

var (
	bomUTF8    = []byte("\ufeff")
	bomUTF16LE = []byte{0xff, 0xfe}
	bomUTF16BE = []byte{0xfe, 0xff}
)

// ScanCSV counts a file's lines and checks that it is UTF-8, in one pass
// (utf8.Valid over large chunks costs a few milliseconds for 80 MB).
func ScanCSV(r io.Reader) (Scan, error) {
	s := Scan{UTF8: true}
	buf := make([]byte, 1<<16+utf8.UTFMax)
	carry, first := 0, true
	for {
		n, err := r.Read(buf[carry : len(buf)-utf8.UTFMax+carry])
		chunk := buf[:carry+n]
		if first && n > 0 {
			first = false
			s.BOM = bytes.HasPrefix(chunk, bomUTF8)
			s.UTF16 = bytes.HasPrefix(chunk, bomUTF16LE) || bytes.HasPrefix(chunk, bomUTF16BE)
		}
		s.Lines += bytes.Count(chunk[carry:], []byte{'\n'})
		end := errors.Is(err, io.EOF)
		// A sequence cut by the chunk's end is checked with the next chunk.
		keep := 0
		if !end {
			keep = incompleteTail(chunk)
		}
		if s.UTF8 && !utf8.Valid(chunk[:len(chunk)-keep]) {
			s.UTF8 = false
		}
		copy(buf, chunk[len(chunk)-keep:])
		carry = keep
		if end {
			break
		}
		if err != nil {
			return s, err
		}
	}
	s.Lines = max(s.Lines-1, 0)
	return s, nil
}

// incompleteTail is how many bytes at the end of b start a UTF-8 sequence
// that b does not finish (0 to 3).
func incompleteTail(b []byte) int {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return 0
		}
		if c >= 0xc0 { // a leading byte: is its sequence complete?
			need := 2
			if c >= 0xe0 {
				need = 3
			}
			if c >= 0xf0 {
				need = 4
			}
			if need > i {
				return i
			}
			return 0
		}
	}
	return 0
}

// Choose is the encoding to read a scanned file in: the one forced, else
// UTF-8 when the file is valid UTF-8 (or says so with a BOM), else
// Windows-1252 with a note saying so. A UTF-16 file is refused.
func (s Scan) Choose(forced Encoding) (Encoding, string, error) {
	if s.UTF16 {
		return "", "", errors.New("the file is UTF-16 (Excel's \"Unicode Text\"): save it as \"CSV UTF-8\" or \"CSV (separado por vírgulas)\" instead")
	}
	switch {
	case forced != EncodingAuto:
		return forced, "", nil
	case s.UTF8 || s.BOM:
		return EncodingUTF8, "", nil
	}
	return EncodingWindows1252, "the file is not UTF-8: read as Windows-1252, as Excel saves CSV in Brazil (--encoding utf-8 or windows-1252 to force one)", nil
}

// Decode returns r read in enc, as UTF-8.
func Decode(r io.Reader, enc Encoding) io.Reader {
	if enc == EncodingWindows1252 {
		return transform.NewReader(r, charmap.Windows1252.NewDecoder())
	}
	return r
}

// textProblem says what keeps a field from being text: bytes that are not
// UTF-8 (a file read in the wrong encoding), or U+FFFD, which decoding
// writes for a byte that has no character (0x81 in Windows-1252).
func textProblem(v string) string {
	if !utf8.ValidString(v) {
		return "is not UTF-8 text: the file is in another encoding; import it with --encoding windows-1252"
	}
	if strings.ContainsRune(v, utf8.RuneError) {
		return "has bytes that are no character in the file's encoding: check it with --encoding utf-8 or windows-1252"
	}
	return ""
}
