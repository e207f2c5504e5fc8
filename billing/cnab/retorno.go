package cnab

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Retorno is a bank's return file for Títulos em Cobrança.
type Retorno struct {
	Bank        string // G001
	Document    string // creditor's CNPJ/CPF (06.0), digits
	Convenio    string // 07.0 as the bank wrote it
	Agency      string // 08.0, without leading zeros
	Account     string // 10.0, without leading zeros
	Sequence    int64  // NSA (19.0)
	GeneratedAt time.Time
	Movements   []Movement
	Records     int // lines read, headers and trailers included
}

// Movement is one title's movement: a segment T and its segment U.
type Movement struct {
	Line        int    // the line of its segment T
	Code        string // C044, e.g. MovLiquidated
	NossoNumero string // 13.3T, trailing spaces removed
	Document    string // 15.3T número do documento
	CompanyRef  string // 21.3T the creditor's reference
	DueDate     time.Time
	FaceCents   int64    // 17.3T valor nominal
	FeeCents    int64    // 27.3T tarifa/custas
	Motives     []string // 28.3T, up to five 2-character codes (C047)
	PayingBank  string   // 18.3T
	// Segment U.
	AdditionsCents int64 // juros/multa/encargos
	DiscountCents  int64
	AbatementCents int64
	PaidCents      int64 // valor pago pelo pagador
	NetCents       int64 // valor líquido creditado
	OccurredOn     time.Time
	CreditedOn     time.Time
}

// Name is the movement's meaning (C044).
func (m Movement) Name() string { return MovementName(m.Code) }

// Reason is the motives spelled out, "48 CEP inválido; 47 …".
func (m Movement) Reason() string {
	parts := make([]string, 0, len(m.Motives))
	for _, c := range m.Motives {
		parts = append(parts, c+" "+MotiveText(m.Code, c))
	}
	return strings.Join(parts, "; ")
}

// errWholeRecord names a record's length rather than one of its fields.
const wholeRecord = "record (positions 1-240)"

// ParseRetorno reads a CNAB 240 retorno of Títulos em Cobrança and checks
// its structure as it goes: every record 240 characters, record types in
// order (0, then lots of 1, 3-T/3-U pairs, 5, then 9), numeric fields
// numeric, the lot trailer's record count and the file trailer's lot and
// record counts. The first error names its line and field.
func ParseRetorno(r io.Reader) (*Retorno, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), 4096)
	out := &Retorno{}
	var (
		n          int
		lots       int
		lotRecords int  // records of the open lot, its header included
		inLot      bool // a batch header was read and its trailer not yet
		lotNumber  string
		seq        int64 // G038 of the last detail
		pending    *Movement
		done       bool // the file trailer was read
	)
	for sc.Scan() {
		n++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if text == "" || text == "\x1a" { // a blank line or a DOS end-of-file mark after the trailer
			if done {
				continue
			}
			return nil, &FieldError{Line: n, Field: wholeRecord, Msg: "empty line inside the file"}
		}
		if done {
			return nil, &FieldError{Line: n, Field: wholeRecord, Msg: "record after the file trailer (type 9)"}
		}
		if len(text) != RecordLen {
			return nil, &FieldError{Line: n, Field: wholeRecord, Msg: fmt.Sprintf("has %d characters, a CNAB 240 record has %d", len(text), RecordLen)}
		}
		l := line{n: n, s: text}
		if _, err := l.num(ctlBank); err != nil {
			return nil, err
		}
		bank := l.str(ctlBank)
		if n == 1 {
			out.Bank = bank
		} else if bank != out.Bank {
			return nil, l.fail(ctlBank, "bank %s differs from the file header's %s", bank, out.Bank)
		}
		typ := l.raw(ctlRecord)
		if n == 1 && typ != "0" {
			return nil, l.fail(ctlRecord, "%q: a file starts with its header (type 0)", typ)
		}
		switch typ {
		case "0":
			if n != 1 {
				return nil, l.fail(ctlRecord, "a second file header (type 0)")
			}
			if err := out.readHeader(l); err != nil {
				return nil, err
			}
		case "1":
			if inLot {
				return nil, l.fail(ctlRecord, "a batch header (type 1) before the trailer of lot %s", lotNumber)
			}
			if err := checkBatchHeader(l); err != nil {
				return nil, err
			}
			inLot, lotRecords, seq, lotNumber = true, 1, 0, l.raw(ctlLot)
			lots++
		case "3":
			if !inLot {
				return nil, l.fail(ctlRecord, "a detail (type 3) outside a lot")
			}
			if l.raw(ctlLot) != lotNumber {
				return nil, l.fail(ctlLot, "%s differs from its lot's %s", l.raw(ctlLot), lotNumber)
			}
			s, err := l.num(dSequence)
			if err != nil {
				return nil, err
			}
			if s != seq+1 {
				return nil, l.fail(dSequence, "%d, expected %d (G038 counts the lot's details from 1)", s, seq+1)
			}
			seq = s
			lotRecords++
			switch seg := l.raw(dSegment); seg {
			case "T":
				if pending != nil {
					return nil, l.fail(dSegment, "segment T while the T of line %d has no segment U", pending.Line)
				}
				m, err := readT(l)
				if err != nil {
					return nil, err
				}
				pending = &m
			case "U":
				if pending == nil {
					return nil, l.fail(dSegment, "segment U without a segment T before it")
				}
				if code := l.raw(dMovement); code != pending.Code {
					return nil, l.fail(dMovement, "%s differs from the code %s of its segment T (line %d)", code, pending.Code, pending.Line)
				}
				if err := readU(l, pending); err != nil {
					return nil, err
				}
				out.Movements = append(out.Movements, *pending)
				pending = nil
			case "Y":
				// Optional (Y-50 rateio de crédito): nothing quita uses.
			default:
				return nil, l.fail(dSegment, "%q: a cobrança retorno has segments T and U (and optional Y)", seg)
			}
		case "5":
			if !inLot {
				return nil, l.fail(ctlRecord, "a batch trailer (type 5) without its header")
			}
			if pending != nil {
				return nil, l.fail(ctlRecord, "the lot ends while the T of line %d has no segment U", pending.Line)
			}
			lotRecords++
			count, err := l.num(bt05Records)
			if err != nil {
				return nil, err
			}
			if count != int64(lotRecords) {
				return nil, l.fail(bt05Records, "says %d records, the lot has %d (header, details and trailer)", count, lotRecords)
			}
			inLot = false
		case "9":
			if inLot {
				return nil, l.fail(ctlRecord, "the file trailer (type 9) before the trailer of lot %s", lotNumber)
			}
			nl, err := l.num(ft05Lots)
			if err != nil {
				return nil, err
			}
			if nl != int64(lots) {
				return nil, l.fail(ft05Lots, "says %d lots, the file has %d", nl, lots)
			}
			nr, err := l.num(ft06Records)
			if err != nil {
				return nil, err
			}
			if nr != int64(n) {
				return nil, l.fail(ft06Records, "says %d records, the file has %d", nr, n)
			}
			done = true
		default:
			return nil, l.fail(ctlRecord, "%q is not a record type of a cobrança retorno (0, 1, 3, 5, 9)", typ)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &FieldError{Line: n + 1, Field: wholeRecord, Msg: "longer than 4096 characters: not a CNAB 240 file"}
		}
		return nil, fmt.Errorf("cnab retorno: read: %w", err)
	}
	if n == 0 {
		return nil, errors.New("cnab retorno: the file is empty")
	}
	if !done {
		return nil, &FieldError{Line: n, Field: ctlRecord.label(), Msg: "the file ends without its trailer (type 9): incomplete transfer?"}
	}
	out.Records = n
	return out, nil
}

func (out *Retorno) readHeader(l line) error {
	if code := l.raw(fh16Code); code != "2" {
		return l.fail(fh16Code, "%q: this is not a retorno (G015: 2 = retorno, 1 = remessa)", code)
	}
	for _, f := range []field{fh06InscNumber, fh08Agency, fh10Account} {
		if _, err := l.num(f); err != nil {
			return err
		}
	}
	out.Document = l.str(fh06InscNumber)
	out.Convenio = l.str(fh07Convenio)
	out.Agency = strings.TrimLeft(l.str(fh08Agency), "0")
	out.Account = strings.TrimLeft(l.str(fh10Account), "0")
	seq, err := l.num(fh19Sequence)
	if err != nil {
		return err
	}
	out.Sequence = seq
	d, err := l.date(fh17Date)
	if err != nil {
		return err
	}
	out.GeneratedAt = d
	return nil
}

func checkBatchHeader(l line) error {
	if op := l.raw(bh04Operation); op != "T" {
		return l.fail(bh04Operation, "%q: a retorno lot has operation T (G028)", op)
	}
	if svc := l.raw(bh05Service); svc != "01" {
		return l.fail(bh05Service, "%q: only cobrança lots (01) are read", svc)
	}
	return nil
}

func readT(l line) (Movement, error) {
	m := Movement{Line: l.n}
	if _, err := l.num(dMovement); err != nil {
		return m, err
	}
	m.Code = l.raw(dMovement)
	m.NossoNumero = strings.TrimSpace(l.raw(t13NossoNumero))
	if m.NossoNumero == "" {
		return m, l.fail(t13NossoNumero, "blank: the title cannot be identified")
	}
	m.Document = strings.TrimSpace(l.raw(t15Document))
	m.CompanyRef = strings.TrimSpace(l.raw(t21CompanyRef))
	m.PayingBank = l.raw(t18PayingBank)
	var err error
	if m.DueDate, err = l.date(t16Due); err != nil {
		return m, err
	}
	if m.FaceCents, err = l.num(t17Amount); err != nil {
		return m, err
	}
	if m.FeeCents, err = l.num(t27Fee); err != nil {
		return m, err
	}
	motives := l.raw(t28Motives)
	for i := 0; i+2 <= len(motives); i += 2 {
		c := motives[i : i+2]
		if strings.TrimSpace(c) == "" || c == "00" {
			continue
		}
		m.Motives = append(m.Motives, c)
	}
	return m, nil
}

func readU(l line, m *Movement) error {
	for _, f := range []struct {
		f   field
		dst *int64
	}{{u08Additions, &m.AdditionsCents}, {u09Discount, &m.DiscountCents}, {u10Abatement, &m.AbatementCents},
		{u12Paid, &m.PaidCents}, {u13Net, &m.NetCents}} {
		v, err := l.num(f.f)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	for _, f := range []field{u11IOF, u14Expenses, u15Credits} {
		if _, err := l.num(f); err != nil {
			return err
		}
	}
	var err error
	if m.OccurredOn, err = l.date(u16Occurred); err != nil {
		return err
	}
	if m.CreditedOn, err = l.date(u17Credited); err != nil {
		return err
	}
	if (m.Code == MovLiquidated || m.Code == MovLiquidatedAfterOff) && m.PaidCents <= 0 {
		return l.fail(u12Paid, "a liquidação (movement %s) with no amount paid", m.Code)
	}
	return nil
}
